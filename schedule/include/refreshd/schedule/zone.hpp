#pragma once
// IANA time zones (date-tz over the system /usr/share/zoneinfo).

#include <chrono>
#include <string>
#include <string_view>

#include <date/tz.h>

#include <refreshd/schedule/result.hpp>

namespace refreshd::schedule {

/// The zone named `name` (e.g. "Europe/Berlin", "UTC"). The pointer stays valid for the life of
/// the process. Error value: unknown time zone "Europe/Berln" (IANA name expected, e.g.
/// Europe/Berlin). The first call loads the zone database from disk.
result<const date::time_zone*> find_time_zone(std::string_view name);

/// RFC 3339 in the zone's local time with its offset: "2026-03-29T03:00:00+02:00",
/// "2026-11-22T10:15:00+00:00" for UTC.
std::string format_rfc3339(std::chrono::sys_seconds t, const date::time_zone* zone);

/// RFC 3339 in UTC with milliseconds, the one spelling of an instant in logs, /status, the
/// status page and the CLI: "2026-11-22T10:15:00.123Z".
std::string format_utc(std::chrono::sys_time<std::chrono::milliseconds> t);

}  // namespace refreshd::schedule
