#pragma once
// The catch-up rule of docs/SCHEDULES.md, as a pure function.

#include <chrono>
#include <optional>

#include <date/tz.h>

#include <refreshd/schedule/schedule.hpp>

namespace refreshd::schedule {

struct catch_up_policy {
  bool enabled = true;                                            ///< config `catch_up`
  std::chrono::seconds starting_deadline{std::chrono::hours{1}};  ///< config `starting_deadline`
};

/// On start (or when a reload adds a collection): the slot that should run now, if any.
/// Returns the LATEST slot s of the schedule with
///   max(last_job_start, now - starting_deadline) < s <= now
/// when `policy.enabled`; nullopt otherwise (no slot in the window, catch-up disabled, or an
/// "after" schedule: it has no wall-clock slots, and next_after_slot already says "due now"
/// when its delay has passed). `last_job_start` is the start of the collection's newest job
/// from `list` (nullopt: no job known). Slots are nominal (before jitter). Cost: one
/// next-slot step per slot in the window (every: constant).
std::optional<sys_seconds> catch_up_slot(const schedule& s, const date::time_zone* zone,
                                         std::optional<sys_seconds> last_job_start, sys_seconds now,
                                         const catch_up_policy& policy);

}  // namespace refreshd::schedule
