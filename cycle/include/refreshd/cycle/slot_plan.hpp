#pragma once
// When a collection is due (docs/SCHEDULES.md), as pure functions over the schedule library: the
// next slot after a cycle, the first slot at startup, catch-up, and slots that passed unseen.
//
// Vocabulary: a slot's `nominal` time is the schedule's own (cron / every in wall-clock time, or
// "after": end of the previous job + D); `due` = nominal + jitter is when the cycle starts.
// Fixed jitter is the same offset for every slot of a collection; random jitter is drawn per
// slot from caller-supplied random bits.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <tuple>

#include <refreshd/config/config.hpp>
#include <refreshd/cycle/time.hpp>
#include <refreshd/schedule/catch_up.hpp>
#include <refreshd/schedule/schedule.hpp>

namespace refreshd::daemon {

/// The part of a collection's timing that depends only on its settings: shared by every plan
/// made from equal settings (make_slot_plan), most collections share a few (docs/DAEMON.md
/// "Memory").
struct slot_rules {
  schedule::schedule sched;
  const date::time_zone* zone = nullptr;  ///< never null (cron needs it; every ignores it)
  std::chrono::milliseconds jitter{0};
  config::jitter_kind jitter_mode = config::jitter_kind::random;
  schedule::catch_up_policy catch_up;
  /// target_lag (docs/SCHEDULES.md "target_lag"): > 0 makes `sched` "after min_interval" and
  /// the runtime times each refresh by lag_due() instead.
  std::chrono::milliseconds target_lag{0};
  std::chrono::milliseconds min_interval{0};  ///< as configured (0: target_lag / 10)
  /// depends_on (docs/SCHEDULES.md "depends_on"): `sched` is "after min_interval" (1m when 0)
  /// and the runtime starts a refresh only once every upstream became ready again.
  bool upstream_timed = false;
};

/// The settings a slot_rules is made from (schedule, timezone, jitter, jitter_mode, catch_up,
/// starting_deadline, target_lag, min_interval, whether depends_on is set), as one comparable
/// value: equal ones share their rules, and a reload makes a new plan only when they changed
/// (reload_plan).
using timing_settings = std::tuple<std::string_view, std::string_view, std::chrono::milliseconds,
                                   config::jitter_kind, bool, std::chrono::milliseconds,
                                   std::chrono::milliseconds, std::chrono::milliseconds, bool>;
timing_settings timing_of(const config::collection_settings& s) noexcept;

/// Everything about one collection's timing, resolved once from the config.
struct slot_plan {
  std::shared_ptr<const slot_rules> rules;    ///< never null
  std::chrono::milliseconds fixed_offset{0};  ///< fixed_jitter() of this collection

  const schedule::schedule& sched() const noexcept { return rules->sched; }
  bool is_after() const noexcept { return sched().kind() == schedule::schedule_kind::after; }
  /// Timed by target_lag (lag_due) rather than by its schedule.
  bool is_lag() const noexcept { return rules->target_lag.count() > 0; }
  /// Timed by its upstreams (depends_on) rather than by a schedule.
  bool is_dependent() const noexcept { return rules->upstream_timed; }
  /// The jitter known in advance: fixed_offset in fixed mode, 0 in random mode.
  std::chrono::milliseconds known_offset() const noexcept {
    return rules->jitter_mode == config::jitter_kind::fixed ? fixed_offset
                                                            : std::chrono::milliseconds{0};
  }
};

/// Resolves a collection's schedule and zone. Throws std::invalid_argument with the config's
/// message when the schedule or zone is invalid (the loader has validated both already).
/// Plans made from equal timing_settings share one slot_rules while any of them lives (a
/// per-thread table of weak references, pruned as entries expire).
slot_plan make_slot_plan(std::string_view cluster, const config::collection& c);

struct due_slot {
  wall_time nominal;
  wall_time due;
};

/// An optional due_slot in 16 bytes (std::optional takes 24; every collection keeps one:
/// docs/DAEMON.md "Memory"): a nominal time of wall_time::min(), which no slot has, marks
/// "none". Reads like the std::optional it replaces.
class maybe_slot {
 public:
  constexpr maybe_slot() noexcept = default;
  constexpr maybe_slot(std::nullopt_t) noexcept {}      // NOLINT(google-explicit-constructor)
  constexpr maybe_slot(due_slot s) noexcept : s_(s) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] constexpr bool has_value() const noexcept { return s_.nominal != none; }
  constexpr explicit operator bool() const noexcept { return has_value(); }
  constexpr const due_slot& operator*() const noexcept { return s_; }
  constexpr const due_slot* operator->() const noexcept { return &s_; }
  constexpr void reset() noexcept { s_ = {none, none}; }

 private:
  static constexpr wall_time none = wall_time::min();
  due_slot s_{none, none};
};

/// The jitter of one firing: fixed_offset in fixed mode, random_jitter(random_bits) otherwise.
std::chrono::milliseconds firing_jitter(const slot_plan& p, std::uint64_t random_bits);

/// The first slot whose due time is still ahead at startup (cron / every: the first nominal
/// slot s with s + known_offset() > now; after: last_end + D, or now when no end is known, which
/// may already be due). Never nullopt for a valid plan.
due_slot first_slot(const slot_plan& p, wall_time now, std::optional<wall_time> last_end,
                    std::uint64_t random_bits);

/// The slot after a cycle (or a skipped slot) whose nominal time was `previous`, decided at
/// `now`: cron / every: the first nominal s > previous with s + known_offset() > now; slots
/// passed in between are skipped (see count_passed). after: last_end + D, where last_end
/// defaults to `now` (no job end known, e.g. the cycle ended on an API error).
due_slot next_slot(const slot_plan& p, wall_time previous, wall_time now,
                   std::optional<wall_time> last_end, std::uint64_t random_bits);

/// Nominal slots s with from < s and s + known_offset() <= to: slots that came due while a
/// collection could not run. At most `cap` are counted. after: 0.
int count_passed(const slot_plan& p, wall_time from, wall_time to, int cap = 10000);

/// The catch-up slot at startup: schedule::catch_up_slot over the newest job's start, among the
/// slots already due (slot + known_offset() <= now; a later one is first_slot's).
std::optional<wall_time> catch_up(const slot_plan& p, std::optional<wall_time> last_job_start,
                                  wall_time now);

}  // namespace refreshd::daemon
