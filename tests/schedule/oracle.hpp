#pragma once
// The brute-force oracle for the next-slot engine: it walks every UTC minute, looks at the
// zone's local wall-clock time and applies docs/SCHEDULES.md's DST rule literally. It shares
// nothing with the engine except the parsed bit masks of cron_expr.

#include <chrono>
#include <cstdint>
#include <vector>

#include <date/tz.h>

#include <refreshd/schedule/cron.hpp>
#include <refreshd/schedule/schedule.hpp>

namespace refreshd::schedule::test {

/// A zone's local time at every UTC minute of a window, computed once (one get_info per
/// minute) and reused for many expressions. Requires offsets that are whole minutes.
class minute_timeline {
 public:
  /// Covers (from, to); both are rounded to minutes. Local times are also computed for a day
  /// on either side so that "seen before" / "seen again" are right at the window's edges.
  minute_timeline(const date::time_zone* zone, std::chrono::sys_seconds from,
                  std::chrono::sys_seconds to);

  /// Every firing strictly after `from` and strictly before `to`, in order:
  ///  * at minute t, if local time jumped forward since the previous minute and a skipped
  ///    local minute matches: fire at t, mark gap;
  ///  * otherwise, if local(t) matches and (local(t) was not seen at an earlier minute, or
  ///    the hour field is "*"): fire at t, marked repeated if local(t) occurs twice.
  std::vector<slot> slots(const cron_expr& expr) const;

  std::chrono::sys_seconds from() const { return from_; }
  std::chrono::sys_seconds to() const { return to_; }

 private:
  struct fields {
    std::uint8_t minute;
    std::uint8_t hour;
    std::uint8_t day;
    std::uint8_t month;
    std::uint8_t weekday;
  };
  static fields fields_of(std::int64_t local_minute);
  static bool matches(const cron_expr& expr, const fields& f);

  std::chrono::sys_seconds from_;
  std::chrono::sys_seconds to_;
  std::chrono::sys_seconds first_minute_;  // the UTC minute of index 0
  std::vector<std::int64_t> local_;        // local minutes since 1970-01-01T00:00 local
  std::vector<fields> fields_;             // fields of local_[i]
  std::vector<std::uint8_t> seen_before_;  // 1: local_[i] <= some earlier local_[j]
  std::vector<std::uint8_t> seen_after_;   // 1: local_[i] >= some later local_[j]
};

}  // namespace refreshd::schedule::test
