#include <array>
#include <cstdint>

#include <refreshd/schedule/duration.hpp>

namespace refreshd::schedule {
namespace {

struct unit_spec {
  std::string_view name;
  std::int64_t ms;
};

// Ordered from largest to smallest: the order parse_duration enforces.
constexpr std::array<unit_spec, 5> units{{
    {"d", 86'400'000},
    {"h", 3'600'000},
    {"m", 60'000},
    {"s", 1'000},
    {"ms", 1},
}};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

parse_error fail(std::string_view text, std::string_view why) {
  std::string message = "bad duration \"";
  message.append(text).append("\": ").append(why);
  return parse_error{std::move(message)};
}

}  // namespace

result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  if (text.empty()) {
    return fail(text, "empty (write e.g. 30s, 15m or 1h30m)");
  }
  if (text == "0") {
    return std::chrono::milliseconds{0};
  }
  if (text.front() == '-' || text.front() == '+') {
    return fail(text, "a sign is not allowed (durations are never negative)");
  }
  const std::int64_t max_ms = max_duration.count();
  std::int64_t total = 0;
  std::size_t last_unit = 0;  // index into units + 1 of the previous unit; 0 = none yet
  std::size_t i = 0;
  while (i < text.size()) {
    if (!is_digit(text[i])) {
      return fail(text, is_alpha(text[i])
                            ? "expected a number before each unit"
                            : "expected digits followed by a unit (d, h, m, s or ms)");
    }
    std::int64_t number = 0;
    bool too_large = false;
    while (i < text.size() && is_digit(text[i])) {
      number = number * 10 + (text[i] - '0');
      if (number > max_ms) {
        too_large = true;
        number = max_ms + 1;
      }
      ++i;
    }
    if (i < text.size() && (text[i] == '.' || text[i] == ',')) {
      return fail(text, "fractions are not supported (write e.g. 1h30m)");
    }
    std::size_t unit_end = i;
    while (unit_end < text.size() && is_alpha(text[unit_end])) {
      ++unit_end;
    }
    const std::string_view unit_text = text.substr(i, unit_end - i);
    if (unit_text.empty()) {
      return fail(text, i == text.size() ? "missing unit after the last number (d, h, m, s or ms)"
                                         : "expected a unit (d, h, m, s or ms) after each number");
    }
    std::size_t index = 0;
    while (index < units.size() && units[index].name != unit_text) {
      ++index;
    }
    if (index == units.size()) {
      return fail(text, "unknown unit \"" + std::string(unit_text) + "\" (use d, h, m, s or ms)");
    }
    if (index + 1 <= last_unit) {
      return fail(text, "units must go from largest to smallest, each once (d h m s ms)");
    }
    last_unit = index + 1;
    if (too_large || number > (max_ms - total) / units[index].ms) {
      return fail(text, "longer than the maximum 36500d");
    }
    total += number * units[index].ms;
    i = unit_end;
  }
  return std::chrono::milliseconds{total};
}

std::string format_duration(std::chrono::milliseconds value) {
  const std::int64_t signed_ms = value.count();
  if (signed_ms == 0) {
    return "0s";
  }
  std::string out = signed_ms < 0 ? "-" : "";
  // Magnitude as unsigned so that the most negative value does not overflow.
  std::uint64_t ms = signed_ms < 0 ? 0 - static_cast<std::uint64_t>(signed_ms)
                                   : static_cast<std::uint64_t>(signed_ms);
  for (const auto& unit : units) {
    const auto unit_ms = static_cast<std::uint64_t>(unit.ms);
    const std::uint64_t count = ms / unit_ms;
    if (count > 0) {
      out += std::to_string(count);
      out += unit.name;
      ms -= count * unit_ms;
    }
  }
  return out;
}

}  // namespace refreshd::schedule
