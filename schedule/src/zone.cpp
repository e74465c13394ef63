#include <exception>

#include <refreshd/schedule/zone.hpp>

namespace refreshd::schedule {

result<const date::time_zone*> find_time_zone(std::string_view name) {
  if (name.empty()) {
    return parse_error{"empty time zone name (expected an IANA name such as Europe/Berlin or UTC)"};
  }
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return parse_error{"unknown time zone \"" + std::string(name) +
                       "\" (expected an IANA name such as Europe/Berlin or UTC)"};
  }
}

std::string format_rfc3339(std::chrono::sys_seconds t, const date::time_zone* zone) {
  return date::format("%FT%T%Ez", date::make_zoned(zone, t));
}

std::string format_utc(std::chrono::sys_time<std::chrono::milliseconds> t) {
  return date::format("%FT%TZ", t);
}

}  // namespace refreshd::schedule
