#pragma once
// 5-field cron expressions with Vixie cron semantics. Pure: no clock, no time zone.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <date/date.h>

#include <refreshd/schedule/result.hpp>

namespace refreshd::schedule {

/// A parsed cron expression. Bit i of a mask set means value i is allowed.
struct cron_expr {
  std::uint64_t minutes = 0;        ///< bits 0..59
  std::uint32_t hours = 0;          ///< bits 0..23
  std::uint32_t days_of_month = 0;  ///< bits 1..31
  std::uint16_t months = 0;         ///< bits 1..12
  std::uint8_t days_of_week = 0;    ///< bits 0..6, 0 = Sunday (7 is folded into 0)
  /// The day-of-month / day-of-week field starts with '*' (Vixie): when neither does, a day
  /// matches if EITHER day field matches; otherwise both must match.
  bool dom_star = false;
  bool dow_star = false;
  /// The hour field is literally "*" (also for @hourly): such schedules fire in both passes of
  /// a fall-back repeated hour (see next_cron_slot).
  bool hour_star = false;
  /// The expression as written (surrounding white space removed), e.g. "@hourly".
  std::string text;

  friend bool operator==(const cron_expr&, const cron_expr&) = default;
};

/// Parses "minute hour day-of-month month day-of-week" or a macro.
///  * Fields are separated by spaces/tabs. Each is a comma list of `*`, `N`, `N-M`, each
///    optionally followed by `/STEP`; `N/STEP` means N-max/STEP (Vixie). Ranges: minute 0-59,
///    hour 0-23, day-of-month 1-31, month 1-12 or JAN-DEC, day-of-week 0-7 or SUN-SAT (0 and 7
///    are Sunday; in a range, SUN as the end means 7, so FRI-SUN works). Names are
///    case-insensitive three-letter abbreviations. A step is 1..(size of the field's range).
///  * Macros (case-insensitive): @yearly = @annually = "0 0 1 1 *", @monthly = "0 0 1 * *",
///    @weekly = "0 0 * * 0", @daily = @midnight = "0 0 * * *", @hourly = "0 * * * *".
///  * An expression that can never fire (e.g. "0 0 30 2 *") is an error.
/// Errors name the field, the token and the allowed range, e.g.
///   "minute field: 61 is out of range 0-59"
///   "cron: expected 5 fields (minute hour day-of-month month day-of-week), got 4"
result<cron_expr> parse_cron(std::string_view text);

/// Whether the local wall-clock minute containing `local_time` matches (seconds ignored).
bool cron_matches(const cron_expr& expr, date::local_seconds local_time);

/// Whether the local calendar day matches (month and the day fields, with the Vixie rule).
bool cron_day_matches(const cron_expr& expr, date::year_month_day day);

/// The first matching local minute at or after `from` (rounded up to a whole minute) and
/// strictly before `limit`; nullopt when there is none. Jumps field by field (month, day,
/// hour, minute), never minute by minute; gives up after 400 years from `from`.
std::optional<date::local_seconds> next_local_match(const cron_expr& expr, date::local_seconds from,
                                                    date::local_seconds limit);

}  // namespace refreshd::schedule
