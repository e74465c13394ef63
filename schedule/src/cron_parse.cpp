#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include <refreshd/schedule/cron.hpp>

#include "text.hpp"

namespace refreshd::schedule {
namespace {

constexpr std::array<std::string_view, 12> month_names{"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 7> day_names{"SUN", "MON", "TUE", "WED",
                                                    "THU", "FRI", "SAT"};

struct field_spec {
  std::string_view name;
  int min;
  int max;
  std::span<const std::string_view> names;  // names[i] is the value min + i (or 0 + i for days)
  int first_name_value;
  std::string_view what;  // "month", "day" or "number"
};

constexpr std::array<field_spec, 5> fields{{
    {"minute", 0, 59, {}, 0, "number"},
    {"hour", 0, 23, {}, 0, "number"},
    {"day-of-month", 1, 31, {}, 0, "number"},
    {"month", 1, 12, month_names, 1, "month"},
    {"day-of-week", 0, 7, day_names, 0, "day"},
}};

constexpr std::size_t dow_field = 4;

struct macro {
  std::string_view name;
  std::string_view expansion;
};

constexpr std::array<macro, 7> macros{{
    {"@yearly", "0 0 1 1 *"},
    {"@annually", "0 0 1 1 *"},
    {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"},
    {"@daily", "0 0 * * *"},
    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
}};

parse_error fail(const field_spec& spec, const std::string& detail) {
  return parse_error{std::string(spec.name) + " field: " + detail};
}

std::string quoted(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

std::string range_text(const field_spec& spec) {
  std::string text = std::to_string(spec.min) + "-" + std::to_string(spec.max);
  if (!spec.names.empty()) {
    text = std::string(spec.names.front()) + "-" + std::string(spec.names.back()) + " or " + text;
  }
  return text;
}

// A number or (for month / day-of-week) a three-letter name.
result<int> parse_value(const field_spec& spec, std::string_view text) {
  if (text.empty()) {
    return fail(spec, "missing value");
  }
  if (detail::all_digits(text)) {
    const int value = detail::to_int_clamped(text, 1'000'000);
    if (value < spec.min || value > spec.max) {
      return fail(spec, std::string(text) + " is out of range " + std::to_string(spec.min) + "-" +
                            std::to_string(spec.max));
    }
    return value;
  }
  for (std::size_t i = 0; i < spec.names.size(); ++i) {
    if (detail::iequals(text, spec.names[i])) {
      return spec.first_name_value + static_cast<int>(i);
    }
  }
  return fail(spec,
              quoted(text) + " is not a " + std::string(spec.what) + " (" + range_text(spec) + ")");
}

struct bounds {
  int lo;
  int hi;
};

result<bounds> parse_base(const field_spec& spec, std::string_view base, std::string_view element,
                          bool has_step) {
  if (base == "*") {
    return bounds{spec.min, spec.max};
  }
  if (base.empty()) {
    return fail(spec, "missing value before \"/\" in " + quoted(element));
  }
  const auto dash = base.find('-');
  if (dash == std::string_view::npos) {
    auto value = parse_value(spec, base);
    if (!value) {
      return parse_error{value.error()};
    }
    return bounds{*value, has_step ? spec.max : *value};
  }
  const auto first = base.substr(0, dash);
  const auto last = base.substr(dash + 1);
  if (first == "*" || last == "*") {
    return fail(spec, "\"*\" cannot be part of a range in " + quoted(element));
  }
  if (first.empty() || last.empty() || last.find('-') != std::string_view::npos) {
    return fail(spec, "bad range " + quoted(base) + " (write e.g. 1-5)");
  }
  auto lo = parse_value(spec, first);
  if (!lo) {
    return parse_error{lo.error()};
  }
  auto hi = parse_value(spec, last);
  if (!hi) {
    return parse_error{hi.error()};
  }
  int end = *hi;
  if (&spec == &fields[dow_field] && end == 0 && *lo > 0) {
    end = 7;  // FRI-SUN, 5-0: Sunday as the end of a range is day 7
  }
  if (*lo > end) {
    return fail(spec, "range " + quoted(base) + " is reversed (start must not exceed end)");
  }
  return bounds{*lo, end};
}

result<std::uint64_t> parse_element(const field_spec& spec, std::string_view element) {
  const auto slash = element.find('/');
  const bool has_step = slash != std::string_view::npos;
  int step = 1;
  if (has_step) {
    const auto step_text = element.substr(slash + 1);
    const int span = spec.max - spec.min + 1;
    if (step_text.empty()) {
      return fail(spec, "missing step after \"/\" in " + quoted(element));
    }
    if (!detail::all_digits(step_text)) {
      return fail(spec,
                  "step " + quoted(step_text) + " in " + quoted(element) + " is not a number");
    }
    step = detail::to_int_clamped(step_text, 1'000'000);
    if (step < 1 || step > span) {
      return fail(spec, "step " + std::string(step_text) + " in " + quoted(element) +
                            " is out of range 1-" + std::to_string(span));
    }
  }
  auto range = parse_base(spec, element.substr(0, slash), element, has_step);
  if (!range) {
    return parse_error{range.error()};
  }
  std::uint64_t bits = 0;
  for (int value = range->lo; value <= range->hi; value += step) {
    bits |= std::uint64_t{1} << value;
  }
  return bits;
}

result<std::uint64_t> parse_field(const field_spec& spec, std::string_view token) {
  std::uint64_t bits = 0;
  std::size_t start = 0;
  while (true) {
    const auto comma = token.find(',', start);
    const auto element =
        token.substr(start, comma == std::string_view::npos ? comma : comma - start);
    if (element.empty()) {
      return fail(spec, "empty list element in " + quoted(token));
    }
    auto element_bits = parse_element(spec, element);
    if (!element_bits) {
      return element_bits;
    }
    bits |= *element_bits;
    if (comma == std::string_view::npos) {
      return bits;
    }
    start = comma + 1;
  }
}

// With AND semantics (a day field starts with '*'), the day-of-month set alone decides
// whether any date can match; day-of-week then only delays it (every date meets every
// weekday within the 400-year Gregorian cycle).
bool can_fire(const cron_expr& expr) {
  if (!expr.dom_star && !expr.dow_star) {
    return true;  // OR semantics: the day-of-week alone matches every week
  }
  constexpr std::array<unsigned, 13> max_days{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (unsigned month = 1; month <= 12; ++month) {
    const std::uint32_t possible = ((std::uint32_t{1} << max_days[month]) - 1) << 1;
    if ((expr.months >> month & 1U) != 0 && (expr.days_of_month & possible) != 0) {
      return true;
    }
  }
  return false;
}

result<cron_expr> parse_macro(std::string_view text) {
  for (const auto& m : macros) {
    if (detail::iequals(text, m.name)) {
      auto expr = parse_cron(m.expansion);
      expr.value().text = std::string(text);
      return expr;
    }
  }
  return parse_error{"cron: unknown macro " + quoted(text) +
                     " (use @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly)"};
}

}  // namespace

result<cron_expr> parse_cron(std::string_view text) {
  text = detail::trim(text);
  if (text.empty()) {
    return parse_error{"cron: empty expression"};
  }
  if (text.front() == '@') {
    const auto space = detail::find_space(text);
    if (space != std::string_view::npos) {
      auto head = parse_macro(text.substr(0, space));
      return head ? parse_error{"cron: a macro takes no fields (\"" + std::string(text) + "\")"}
                  : head;
    }
    return parse_macro(text);
  }
  const std::vector<std::string_view> tokens = detail::split_spaces(text);
  if (tokens.size() != fields.size()) {
    std::string message =
        "cron: expected 5 fields (minute hour day-of-month month day-of-week), got " +
        std::to_string(tokens.size());
    if (tokens.size() == 6) {
      message += " (seconds and year fields are not supported)";
    }
    return parse_error{std::move(message)};
  }
  std::array<std::uint64_t, 5> bits{};
  for (std::size_t i = 0; i < fields.size(); ++i) {
    auto field_bits = parse_field(fields[i], tokens[i]);
    if (!field_bits) {
      return parse_error{field_bits.error()};
    }
    bits[i] = *field_bits;
  }
  cron_expr expr;
  expr.minutes = bits[0];
  expr.hours = static_cast<std::uint32_t>(bits[1]);
  expr.days_of_month = static_cast<std::uint32_t>(bits[2]);
  expr.months = static_cast<std::uint16_t>(bits[3]);
  expr.days_of_week = static_cast<std::uint8_t>((bits[4] | (bits[4] >> 7)) & 0x7FU);
  expr.hour_star = tokens[1] == "*";
  expr.dom_star = tokens[2].front() == '*';
  expr.dow_star = tokens[4].front() == '*';
  expr.text = std::string(text);
  if (!can_fire(expr)) {
    return parse_error{"cron: day-of-month " + quoted(tokens[2]) + " never occurs in month " +
                       quoted(tokens[3]) + ", so the schedule never fires"};
  }
  return expr;
}

}  // namespace refreshd::schedule
