#include "duration_arg.hpp"

#include "connection.hpp"

#include <charconv>
#include <string>

namespace refreshd::daemon {

// TODO(lead): replace with the shared duration parser once config/schedule land.
std::chrono::milliseconds parse_duration_arg(std::string_view option, std::string_view value) {
  std::chrono::milliseconds total{0};
  std::string_view s = value;
  if (s.empty()) {
    throw usage_error(std::string(option) + ": empty duration");
  }
  while (!s.empty()) {
    long long n = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || p == s.data()) {
      throw usage_error(std::string(option) + " " + std::string(value) +
                        ": expected a duration like 250ms, 90s, 15m, 1h30m");
    }
    s.remove_prefix(static_cast<std::size_t>(p - s.data()));
    using namespace std::chrono;
    if (s.starts_with("ms")) {
      total += milliseconds(n);
      s.remove_prefix(2);
    } else if (s.starts_with("s")) {
      total += seconds(n);
      s.remove_prefix(1);
    } else if (s.starts_with("m")) {
      total += minutes(n);
      s.remove_prefix(1);
    } else if (s.starts_with("h")) {
      total += hours(n);
      s.remove_prefix(1);
    } else {
      throw usage_error(std::string(option) + " " + std::string(value) +
                        ": expected a duration like 250ms, 90s, 15m, 1h30m");
    }
  }
  return total;
}

}  // namespace refreshd::daemon
