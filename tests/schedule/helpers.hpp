#pragma once
// Small helpers for the schedule tests: UTC time literals and readable slot lists.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <date/tz.h>

#include <refreshd/schedule/cron.hpp>
#include <refreshd/schedule/schedule.hpp>

namespace refreshd::schedule::test {

/// "2026-03-29T01:00:00" (UTC) → sys_seconds. Aborts the test binary on a malformed literal.
std::chrono::sys_seconds utc(std::string_view text);

/// The zone, or a test failure.
const date::time_zone* zone(std::string_view name);

/// The expression, parsed, or abort (for literals that are known to be valid).
cron_expr cron(std::string_view text);

/// "2026-10-25T02:30:00+02:00", with " gap" / " repeated" appended for DST marks.
std::string describe(const slot& s, const date::time_zone* tz);

/// The next `count` cron slots after `after_utc` in `zone_name`, each as describe() prints.
std::vector<std::string> next_slots(std::string_view expr, std::string_view zone_name,
                                    std::string_view after_utc, int count);

/// The set values of a bit mask as "1,2,5" (bits from `first` to `last`).
std::string bits_text(std::uint64_t mask, int first, int last);

}  // namespace refreshd::schedule::test
