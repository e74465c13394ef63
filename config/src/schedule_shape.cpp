#include "schedule_shape.hpp"

#include <algorithm>
#include <array>
#include <sstream>
#include <vector>

#include <date/tz.h>

#include <refreshd/config/duration.hpp>
#include <refreshd/config/loader.hpp>

#include "reader.hpp"
#include "suggest.hpp"

namespace refreshd::config {
namespace {

constexpr std::array<std::string_view, 7> macros{"@yearly", "@annually", "@monthly", "@weekly",
                                                 "@daily",  "@midnight", "@hourly"};

std::optional<std::string> check_interval(std::string_view keyword, std::string_view rest) {
  duration_result d = parse_duration(rest);
  if (!d.value) {
    return "invalid duration in '" + std::string(keyword) + " D': " + d.error;
  }
  if (d.value->count() == 0) {
    return "'" + std::string(keyword) + "' needs a duration greater than 0";
  }
  return std::nullopt;
}

bool cron_field_chars(std::string_view field) {
  for (char c : field) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    c == '*' || c == ',' || c == '-' || c == '/';
    if (!ok) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<std::string> basic_schedule_check(std::string_view schedule) {
  if (schedule.empty()) {
    return "empty schedule";
  }
  const std::string_view first = schedule.substr(0, schedule.find(' '));
  if (first == "every" || first == "after") {
    std::string_view rest = schedule.substr(first.size());
    rest.remove_prefix(std::min(rest.find_first_not_of(' '), rest.size()));
    if (rest.empty()) {
      return "'" + std::string(first) + "' needs a duration (e.g. " + std::string(first) + " 30m)";
    }
    return check_interval(first, rest);
  }
  if (schedule.front() == '@') {
    for (std::string_view m : macros) {
      if (schedule == m) {
        return std::nullopt;
      }
    }
    return "unknown schedule macro (use @yearly, @annually, @monthly, @weekly, @daily, "
           "@midnight or @hourly)";
  }
  std::istringstream in{std::string(schedule)};
  std::vector<std::string> fields;
  for (std::string f; in >> f;) {
    fields.push_back(f);
  }
  if (fields.size() != 5) {
    return "expected a cron expression with 5 fields (minute hour day-of-month month "
           "day-of-week), an @macro, 'every D' or 'after D'; got " +
           std::to_string(fields.size()) + " field" + (fields.size() == 1 ? "" : "s");
  }
  for (const std::string& f : fields) {
    if (!cron_field_chars(f)) {
      return "invalid character in cron field " + detail::quote(f);
    }
  }
  return std::nullopt;
}

namespace detail {

std::optional<std::string> check_timezone(std::string_view name) {
  if (name.empty()) {
    return "empty time zone";
  }
  try {
    (void)date::locate_zone(name);
    return std::nullopt;
  } catch (const std::exception&) {
    // Unknown zone (or no tz database); fall through to the suggestion.
  }
  std::string message = "unknown time zone " + quote(name);
  try {
    std::vector<std::string_view> names;
    for (const date::time_zone& z : date::get_tzdb().zones) {
      names.push_back(z.name());
    }
    if (auto m = closest_match(name, names)) {
      message += " (did you mean '" + *m + "'?)";
    }
  } catch (const std::exception&) {
    message += " (the time zone database could not be read)";
  }
  return message;
}

}  // namespace detail
}  // namespace refreshd::config
