#pragma once
// Schedules of docs/SCHEDULES.md and their next slots. Pure: the caller passes the time.
//
// Time points are std::chrono::sys_seconds (UTC, whole seconds). Pass
// std::chrono::floor<std::chrono::seconds>(system_clock::now()) as "now": a slot equal to the
// floored now is then correctly treated as already reached.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <date/tz.h>

#include <refreshd/schedule/cron.hpp>
#include <refreshd/schedule/result.hpp>

namespace refreshd::schedule {

using std::chrono::sys_seconds;

/// "every D": slots at every multiple of D since the Unix epoch (UTC), independent of how long
/// jobs take and of the time zone. D is at least 1s and a whole number of seconds.
struct every_spec {
  std::chrono::seconds interval{0};
  friend bool operator==(const every_spec&, const every_spec&) = default;
};

/// "after D": the next run is D after the previous job of the collection ended (success or
/// failure). D is at least 1s and a whole number of seconds.
struct after_spec {
  std::chrono::seconds delay{0};
  friend bool operator==(const after_spec&, const after_spec&) = default;
};

enum class schedule_kind { cron, every, after };

struct schedule {
  std::variant<cron_expr, every_spec, after_spec> spec;
  std::string text;  ///< as written, surrounding white space removed (for display)

  schedule_kind kind() const noexcept { return static_cast<schedule_kind>(spec.index()); }
  /// nullptr unless kind() == cron.
  const cron_expr* cron() const noexcept { return std::get_if<cron_expr>(&spec); }
  friend bool operator==(const schedule&, const schedule&) = default;
};

/// Parses a schedule: a cron expression or macro (see parse_cron), "every D" or "after D"
/// (keywords case-insensitive, D as in parse_duration). Errors are values, e.g.
///   "every: bad duration \"5x\": unknown unit \"x\" (use d, h, m, s or ms)"
///   "every: the interval must be a whole number of seconds, at least 1s (got 250ms)"
result<schedule> parse_schedule(std::string_view text);

/// How a slot relates to a daylight-saving transition (for check-config's marks).
enum class dst_mark {
  none,
  gap,       ///< a matching local time was skipped by a spring-forward gap; the slot is the
             ///< first instant after the gap (several skipped times collapse into it)
  repeated,  ///< the slot's local time occurs twice (fall-back); it is one of the two instants
};

/// "none", "dst-gap", "dst-repeated".
std::string_view to_string(dst_mark mark) noexcept;

struct slot {
  sys_seconds at;
  dst_mark dst = dst_mark::none;
  friend bool operator==(const slot&, const slot&) = default;
};

/// The first cron slot strictly after `after`, evaluated in `zone` (must not be null).
/// DST rule (docs/SCHEDULES.md, ISC/Vixie cron made exact):
///  * a matching local time inside a spring-forward gap fires once, at the first instant
///    after the gap (the transition instant); all such times of one gap collapse into it;
///  * in a fall-back repeated period, an expression whose hour field is literally "*"
///    (hour_star, including @hourly) fires at every instant whose local time matches, in both
///    passes; any other expression fires a local time only at its first occurrence.
/// nullopt only if nothing fires within 400 years (cannot happen for a parsed expression).
/// Note: date-tz reads the system zoneinfo without its POSIX rule footer, so rules are known
/// up to 2037; later years repeat the last offset of 2037.
std::optional<slot> next_cron_slot(const cron_expr& expr, const date::time_zone* zone,
                                   sys_seconds after);

/// The first multiple of `spec.interval` since the epoch, shifted by `offset` (e.g. a fixed
/// jitter; may exceed the interval), strictly after `after`. No DST effect: marks are none.
sys_seconds next_every_slot(const every_spec& spec, sys_seconds after,
                            std::chrono::seconds offset = std::chrono::seconds{0});

/// When an "after D" schedule is due: last_end + D, which may already be in the past (then it
/// is due immediately); with no previous end known (never ran, or its end is unknown) it is
/// `now`, i.e. due immediately.
sys_seconds next_after_slot(const after_spec& spec, std::optional<sys_seconds> last_end,
                            sys_seconds now);

/// The next wall-clock slot strictly after `after`: cron in `zone`, every in UTC (zone
/// ignored, may be null for every). "after" schedules have no wall-clock slots: nullopt
/// (use next_after_slot).
std::optional<slot> next_slot(const schedule& s, const date::time_zone* zone, sys_seconds after);

/// The next `count` wall-clock slots strictly after `after` (check-config's "next N runs"):
/// empty for "after" schedules. Format them with format_rfc3339 (zone.hpp) in the same zone.
std::vector<slot> upcoming_slots(const schedule& s, const date::time_zone* zone, sys_seconds after,
                                 std::size_t count);

}  // namespace refreshd::schedule
