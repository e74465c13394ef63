#include "schedule_shape.hpp"

#include <algorithm>
#include <sstream>
#include <vector>

#include <date/tz.h>

#include <refreshd/config/loader.hpp>
#include <refreshd/config/suggest.hpp>
#include <refreshd/schedule/schedule.hpp>

#include "reader.hpp"

namespace refreshd::config {

// Schedules are validated by the one schedule parser (schedule/), the same code the daemon
// evaluates them with, so a file check-config accepts is a file the daemon can run.
std::optional<std::string> basic_schedule_check(std::string_view schedule) {
  auto parsed = schedule::parse_schedule(schedule);
  if (parsed) {
    return std::nullopt;
  }
  return parsed.error();
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
