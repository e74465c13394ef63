#include <string>

#include <refreshd/cli/duration_arg.hpp>
#include <refreshd/cli/target.hpp>
#include <refreshd/schedule/duration.hpp>

namespace refreshd::daemon {

std::chrono::milliseconds parse_duration_arg(std::string_view option, std::string_view value) {
  auto parsed = schedule::parse_duration(value);
  if (!parsed) {
    throw usage_error(std::string(option) + ": " + parsed.error());
  }
  if (parsed->count() <= 0) {
    throw usage_error(std::string(option) + ": must be greater than 0");
  }
  return *parsed;
}

}  // namespace refreshd::daemon
