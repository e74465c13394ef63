#pragma once
// The runtime's decisions at startup and when many runs would start at once, as pure functions
// (docs/DAEMON.md "Startup reconciliation"): what to do with a collection after listing its jobs
// (adopt, catch up, schedule), and the one spreading rule for runs that came due together.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include <refreshd/client/types.hpp>
#include <refreshd/cycle/cycle.hpp>
#include <refreshd/cycle/slot_plan.hpp>
#include <refreshd/cycle/time.hpp>

namespace refreshd::daemon {

/// Spreads runs of one cluster that came due together (startup catch-ups, overdue "after" runs,
/// the slots a cluster block held back, the slots a clock jump skipped), so they never stampede
/// the cluster: the k-th run taken starts at from + k × spacing, where spacing is
/// min(spacing, window / count) so that all `count` runs start within `window`.
class run_spreader {
 public:
  /// `count` 0: unknown, spacing is not capped by the window.
  run_spreader(wall_time from, std::chrono::milliseconds spacing, std::chrono::milliseconds window,
               std::size_t count);

  /// When the next run would start, but not before `not_before`; takes no place.
  wall_time peek(wall_time not_before) const;
  /// peek(not_before), and takes the place (the run after it starts one spacing later).
  wall_time take(wall_time not_before);

  std::chrono::milliseconds spacing() const noexcept { return spacing_; }

 private:
  wall_time from_;
  std::chrono::milliseconds spacing_;
  std::chrono::milliseconds::rep taken_ = 0;
};

/// What startup reconciliation does with one collection, decided from its jobs.
struct startup_decision {
  enum class action {
    adopt,     ///< a job is active: follow it (observe mode), trigger nothing
    catch_up,  ///< run once for a slot missed within starting_deadline (`slot.nominal`)
    schedule,  ///< wait for the first regular slot
  };
  action what = action::schedule;
  due_slot slot{};  ///< catch_up and schedule
  /// The newest job of the collection (its status at startup), nullopt without one.
  std::optional<job_snapshot> newest;
};

/// Decides after a successful startup list (`jobs` newest first, as the server sends them;
/// entries naming another collection are ignored): adopt an active job; else catch up the slot
/// missed since the newest job's start when the spreader places it before the next regular slot
/// (which otherwise stands in for it); else the first regular slot, where an "after" run that is
/// already due is spread too.
startup_decision decide_startup(const slot_plan& plan, std::string_view collection,
                                const std::vector<client::job_info>& jobs, wall_time now,
                                run_spreader& spread, std::uint64_t random_bits);

}  // namespace refreshd::daemon
