#include <array>
#include <cstdint>

#include <refreshd/config/duration.hpp>

namespace refreshd::config {
namespace {

struct unit {
  std::string_view name;
  std::int64_t ms;
};

// Descending order.
constexpr std::array<unit, 5> units{{
    {"d", 86'400'000},
    {"h", 3'600'000},
    {"m", 60'000},
    {"s", 1'000},
    {"ms", 1},
}};

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

bool is_letter(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// The run of letters at the start of `s` (the unit as written).
std::string_view unit_token(std::string_view s) noexcept {
  std::size_t n = 0;
  while (n < s.size() && is_letter(s[n])) {
    ++n;
  }
  return s.substr(0, n);
}

// Index into `units`, -1 when `token` is not a unit.
int find_unit(std::string_view token) noexcept {
  for (std::size_t i = 0; i < units.size(); ++i) {
    if (units[i].name == token) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

// One character for a message: printable ASCII as is, anything else as '?'.
std::string shown(std::string_view s) {
  const char c = s.empty() ? '?' : s.front();
  return std::string(1, (c > 0x20 && c < 0x7f) ? c : '?');
}

// Mistakes worth a specific message, checked before the component loop.
std::optional<std::string> shape_problem(std::string_view text) {
  if (text.find_first_of(" \t\r\n") != std::string_view::npos) {
    return "spaces are not allowed in a duration (write 1h30m)";
  }
  if (text.front() == '-') {
    return "negative durations are not allowed";
  }
  if (text.find('.') != std::string_view::npos || text.find(',') != std::string_view::npos) {
    return "fractions are not supported (write 1h30m, not 1.5h)";
  }
  return std::nullopt;
}

duration_result fail(std::string message) {
  return {std::nullopt, std::move(message)};
}

}  // namespace

duration_result parse_duration(std::string_view text) {
  if (text.empty()) {
    return fail("empty duration");
  }
  if (text == "0") {
    return {duration{0}, {}};
  }
  if (auto problem = shape_problem(text)) {
    return fail(*problem);
  }
  constexpr std::int64_t limit = max_duration.count();
  std::int64_t total = 0;
  int previous = -1;
  std::string_view s = text;
  while (!s.empty()) {
    if (!is_digit(s.front())) {
      return fail("expected a number at '" + shown(s) +
                  "' (durations look like 250ms, 90s, 15m, 1h30m, 2d)");
    }
    std::int64_t n = 0;
    while (!s.empty() && is_digit(s.front())) {
      n = n * 10 + (s.front() - '0');
      if (n > limit) {
        return fail("duration too large (the maximum is 36500d)");
      }
      s.remove_prefix(1);
    }
    if (s.empty()) {
      return fail("missing unit after " + std::to_string(n) + " (e.g. " + std::to_string(n) +
                  "s; units: d, h, m, s, ms)");
    }
    const std::string_view token = unit_token(s);
    if (token.empty()) {
      return fail("unexpected character '" + shown(s) + "' after " + std::to_string(n));
    }
    const int u = find_unit(token);
    if (u < 0) {
      return fail("unknown unit '" + std::string(token.substr(0, 8)) + "' (use d, h, m, s or ms)");
    }
    if (u == previous) {
      return fail("unit '" + std::string(units[static_cast<std::size_t>(u)].name) +
                  "' appears twice");
    }
    if (u < previous) {
      return fail("units must be in descending order: d, h, m, s, ms (e.g. 1h30m)");
    }
    previous = u;
    s.remove_prefix(token.size());
    const std::int64_t factor = units[static_cast<std::size_t>(u)].ms;
    if (n > (limit - total) / factor) {
      return fail("duration too large (the maximum is 36500d)");
    }
    total += n * factor;
  }
  return {duration{total}, {}};
}

std::string format_duration(duration d) {
  std::int64_t ms = d.count();
  if (ms == 0) {
    return "0s";
  }
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  for (const unit& u : units) {
    const std::int64_t n = ms / u.ms;
    if (n > 0) {
      out += std::to_string(n);
      out += u.name;
      ms -= n * u.ms;
    }
  }
  return out;
}

}  // namespace refreshd::config
