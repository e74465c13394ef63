#pragma once
// What the daemon knows about one collection: the single source of /status and the
// per-collection metrics (docs/HTTP.md, docs/METRICS.md). Updated only by the pure functions below,
// from the refresh cycle's events and outcome, and from the scheduler's skips. Holds no secret (no
// external_spec, no token).

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <refreshd/cycle/compact.hpp>
#include <refreshd/cycle/cycle.hpp>

namespace refreshd::daemon {

/// The `status` label values of milvus_refresh_collection_status.
enum class status : std::uint8_t {
  idle,           ///< nothing running; the last job (if any) completed
  running,        ///< a job is being polled (triggered or adopted)
  stuck,          ///< the polled job is past pending_timeout / timeout, or made no progress
  failing,        ///< the last job failed (or vanished), or the last slot gave up on API errors
  misconfigured,  ///< not found / not external / no persisted source / invalid request
  unsupported,    ///< the cluster has no refresh-job API (HTTP 404)
  auth_failed,    ///< the cluster refused the credentials
  suspended,      ///< `suspend: true`; overrides every other status
  /// paused by an operator or quarantined (docs/OPERATIONS.md "Pause"); overrides all but
  /// suspended
  paused,
};
inline constexpr std::array<status, 9> all_statuses = {
    status::idle,        status::running,       status::stuck,
    status::failing,     status::misconfigured, status::unsupported,
    status::auth_failed, status::suspended,     status::paused};
std::string_view to_string(status s) noexcept;

/// ready_when (docs/CYCLE.md "ready_when"): where a completed refresh's wait for servability
/// is; `degraded`: its cluster has no index/load routes (HTTP 404), so the last refresh counted
/// as done when its job completed.
enum class ready_stage : std::uint8_t { none, indexing, loading, degraded };
std::string_view to_string(ready_stage r) noexcept;

/// `reason` label values of milvus_refresh_skipped_total.
enum class skip_reason { already_running, suspended, limit };
std::string_view to_string(skip_reason r) noexcept;

/// Counters of one collection (32 bits: at one slot a second they wrap after 136 years;
/// docs/DAEMON.md "Memory"), and of a cluster's collections summed (64 bits).
template <class T>
struct basic_counters {
  T triggers = 0;  ///< refresh jobs this daemon started
  struct {
    T already_running = 0;
    T suspended = 0;
    T limit = 0;
  } skipped;
  struct {
    T completed = 0;
    T failed = 0;
  } finished;
  T triggers_lost = 0;
};
using collection_counters = basic_counters<std::uint32_t>;
using counter_sums = basic_counters<std::uint64_t>;

/// Compact (docs/DAEMON.md "Memory"): every collection keeps one, so times are maybe_time and
/// texts maybe_text (8 bytes each, nothing allocated while empty).
struct collection_state {
  status current = status::idle;
  // Two bits in one byte: the struct keeps its 160 bytes (docs/DAEMON.md "Memory").
  bool suspended : 1 = false;
  bool paused : 1 = false;  ///< paused or quarantined (the why is kept by the runtime)
  ready_stage ready = ready_stage::none;
  std::uint8_t ready_progress = 0;  ///< 0..100 while indexing or loading
  int consecutive_failures = 0;     ///< failed jobs in a row
  /// Why `current` is misconfigured / unsupported / auth_failed / failing after an API error:
  /// the server's message (verbatim) with a hint; empty otherwise.
  maybe_text message;
  maybe_time next_run;
  std::optional<job_snapshot> job;  ///< the current or last known job; nullopt: none known
  maybe_time last_success;          ///< end time of the last completed job
  maybe_time last_failure;          ///< end time of the last failed (or vanished) job
  maybe_text last_failure_reason;   ///< verbatim server reason
  maybe_time last_trigger;          ///< when this daemon last triggered
  /// Start to end of the last finished (completed or failed) job, when both were known.
  maybe_duration last_job_duration;
  collection_counters counters;
};

/// Applies one cycle event:
///  * triggered: running, job = pending job, triggers+1, last_trigger;
///  * adopted: running, job; already_running and duplicate also count skipped{already_running};
///    ambiguous counts as a trigger (our attempt started it) with last_trigger = attempt time;
///  * trigger_lost: triggers_lost+1; job_progress: job (status unchanged unless it was idle);
///  * stuck: stuck; unstuck: running;
///  * completed: idle, last_success (job end, else observation time), finished{completed}+1,
///    consecutive_failures = 0, message cleared, last_job_duration (when known);
///  * failed / job_lost: failing, last_failure, last_failure_reason (verbatim),
///    finished{failed}+1 and last_job_duration (failed only), consecutive_failures+1;
///  * retry_scheduled, api_failure: no change (metrics count them from the events).
/// While suspended, `current` stays `suspended`; every other field is still updated.
void apply(collection_state& s, const cycle_event& e);

/// Applies a cycle's outcome: misconfigured / unsupported / auth_failed set that status and
/// `message`; gave_up sets failing and `message`; completed, failed and idle only clear a stale
/// error status (the events already recorded the job). `job` becomes the outcome's job; with
/// none, a job still shown as active is dropped (a lost trigger). For observe-mode `idle` with
/// a known newest job, job / last_success / last_failure are initialised from it when unknown.
void apply(collection_state& s, const cycle_outcome& o);

/// ready_when: a completed job that still waits for servability: running again, last_success
/// back to `previous` (it becomes the servable moment), stage indexing.
void hold_for_servability(collection_state& s, maybe_time previous);
/// Servable at `at`: idle, last_success = at, stage none (or degraded: counted at the job's end).
void mark_servable(collection_state& s, wall_time at, bool degraded);
/// No longer waited for here (the collection was handed to another replica): idle, stage none.
void release_servability(collection_state& s);
/// Not servable (an index build failed, the collection is not loaded, or no progress until the
/// timeout): failing, last_failure = at, last_failure_reason = reason, a failure more in a row.
void mark_not_servable(collection_state& s, wall_time at, const std::string& reason);

/// `slots` slots that were not triggered for a reason outside the cycle (suspended, limit, the
/// collection's own job still running).
void record_skip(collection_state& s, skip_reason r, int slots = 1);
/// Counts `slots` skipped slots for reason `r` in `k` (record_skip's counting; a cluster's sums).
template <class T>
void count_skip(basic_counters<T>& k, skip_reason r, int slots = 1) {
  const auto n = static_cast<T>(slots > 0 ? slots : 0);
  switch (r) {
    case skip_reason::already_running:
      k.skipped.already_running += n;
      break;
    case skip_reason::suspended:
      k.skipped.suspended += n;
      break;
    case skip_reason::limit:
      k.skipped.limit += n;
      break;
  }
}
/// Adds what `after` counted beyond `before` (one collection's counters around a change) to
/// `sum` (its cluster's sums, which a reload removing the collection does not lower).
void add_difference(counter_sums& sum, const collection_counters& before,
                    const collection_counters& after);

/// Suspends or resumes. Resuming derives the status: running if a known job is active,
/// failing if consecutive_failures > 0, else idle.
void set_suspended(collection_state& s, bool suspended);
/// Paused (docs/OPERATIONS.md "Pause"): status `paused` unless suspended; resumed: the status its
/// job and failures say.
void set_paused(collection_state& s, bool paused);

}  // namespace refreshd::daemon
