#pragma once
// The per-collection refresh cycle (docs/CYCLE.md: its steps, how a driver calls it, the
// invariant and the decisions) as a pure ("sans-io") state machine: it decides what to do next,
// a thin coroutine (the runtime) does the I/O. No clock is read and no socket is touched here;
// every input carries the time it happened. Exactly one input is expected after each action;
// any other throws std::logic_error (a driver bug).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <refreshd/client/types.hpp>
#include <refreshd/config/config.hpp>
#include <refreshd/cycle/compact.hpp>
#include <refreshd/cycle/poll_policy.hpp>
#include <refreshd/cycle/time.hpp>

namespace refreshd::daemon {

/// A job as shown in logs, /status and metrics: job_info without the source and the secret spec.
struct job_snapshot {
  client::job_id id;
  client::job_state state = client::job_state::unknown;
  int progress = 0;  ///< 0..100
  /// The server's spelling when it differs from client::to_string(state); none for the usual
  /// ones ("RefreshCompleted" is past the small-string buffer: one allocation per collection).
  maybe_text state_text;
  maybe_time start;   ///< none when the server sent 0
  maybe_time end;     ///< none while Pending/InProgress (endTime 0)
  maybe_text reason;  ///< verbatim; may be present on a Pending job (diagnostic)
};
job_snapshot snapshot_of(const client::job_info& j);
/// The job's state as the server spelled it (state_text, else the usual spelling).
std::string state_name(const job_snapshot& j);

/// Tuning of one collection's cycle. The first group comes from the config
/// (make_cycle_params), the second are fixed daemon policy with documented defaults.
struct cycle_params {
  int retries = 2;                                       ///< re-triggers after a failed/lost job
  std::chrono::milliseconds retry_backoff{60'000};       ///< doubles per retry, + up to 50 % jitter
  poll_bounds poll;                                      ///< describe polling bounds
  std::chrono::milliseconds pending_timeout{1'800'000};  ///< Pending longer: stuck
  std::chrono::milliseconds timeout{21'600'000};         ///< older than this (since start): stuck
  /// A running job whose state and progress did not change for this long is stuck
  /// ("no progress"). make_cycle_params sets it to pending_timeout.
  std::chrono::milliseconds stall_timeout{1'800'000};
  /// Backoff after a failed API request: initial x 2^(streak-1), capped at max, + up to 50 %
  /// jitter. The streak counts consecutive failed requests and survives across cycles (reset by
  /// any successful request), so a permanently broken collection settles at one attempt per
  /// ~error_backoff_max whatever its schedule.
  std::chrono::milliseconds error_backoff_initial{1'000};
  std::chrono::milliseconds error_backoff_max{300'000};
  std::chrono::milliseconds unsupported_retry{
      600'000};  ///< retry the cluster every 10 min (docs/CYCLE.md)
  std::chrono::milliseconds auth_backoff_min{60'000};  ///< not_before after an auth failure
  /// Allowance for the server's clock when matching a job to an ambiguous attempt: a job is the
  /// attempt's if it was not in the list before the attempt and started at or after
  /// attempt - clock_skew (server time).
  std::chrono::milliseconds clock_skew{120'000};
};
cycle_params make_cycle_params(const config::collection_settings& s);

// ---- actions: what the driver must do next --------------------------------------------------

/// Records the daemon keeps of one list answer (docs/SECURITY.md): its collection's non-terminal
/// jobs and newest terminal ones first (client::wire::list_keep), enough for the 64 ids of a
/// trigger's baseline plus the job being tracked, whatever the answer's length.
inline constexpr std::size_t daemon_list_records = 128;

struct list_action {
  client::list_request request;  ///< the collection's database and name, daemon_list_records
};
struct refresh_action {
  client::refresh_request request;  ///< holds the secret spec: never log it
};
struct describe_action {
  client::job_id id;
};
/// Arm a timer at `until` (monotonic, absolute), then call on_timer.
struct wait_action {
  steady_time until{};
};

enum class outcome_kind : std::uint8_t {
  completed,      ///< the cycle's job (triggered or adopted) completed
  failed,         ///< the last job failed (or vanished) and no retry is left before the deadline
  misconfigured,  ///< not_found / no_source / invalid: wait for the next slot
  unsupported,    ///< HTTP 404: the cluster has no refresh API; not_before = now + 10 min
  auth_failed,    ///< 401/403: re-read the token; not_before = now + max(1 min, backoff)
  gave_up,        ///< retryable errors until the deadline, two lost triggers in a row, or
                  ///< duplicate rejections with no job to adopt
  idle,           ///< observe mode only: no active job; `job` is the newest job, if any
};
std::string_view to_string(outcome_kind k) noexcept;

struct cycle_outcome {
  outcome_kind kind = outcome_kind::completed;
  std::optional<job_snapshot> job;         ///< the last job observed (its end feeds "after D")
  std::optional<client::api_error> error;  ///< the error that ended the cycle, if any
  /// One line for logs and /status: the failure reason verbatim, or describe_error() of the
  /// API error (for no_source with a hint to set external_source + external_spec).
  std::string message;
  /// Do not start the next cycle of this collection before this (error outcomes only).
  std::optional<steady_time> not_before;
  int triggers = 0;  ///< jobs this daemon started in this cycle (refreshes answered with an id)
};
struct finish_action {
  cycle_outcome outcome;
};

using cycle_action =
    std::variant<list_action, refresh_action, describe_action, wait_action, finish_action>;

// ---- events: what happened, for logs, metrics and collection_state ---------------------------

enum class adopt_reason {
  already_running,  ///< step 1: the first list showed an active job (counts skipped)
  duplicate,        ///< step 4: refresh rejected as a duplicate (counts skipped)
  dropped_trigger,  ///< step 3: our job id was not found, another job is active
  ambiguous,        ///< step 5: a job that started after our ambiguous attempt (ours: a trigger)
  replaced,         ///< our job vanished while polled, another job of the collection is active
  observed,         ///< observe mode (startup reconciliation): an active job was found
};
enum class stuck_reason { pending_timeout, timeout, no_progress };
enum class retry_cause { api_error, duplicate_without_job, job_failed, job_lost };
std::string_view to_string(adopt_reason r) noexcept;
std::string_view to_string(stuck_reason r) noexcept;
std::string_view to_string(retry_cause c) noexcept;

namespace events {
struct triggered {  ///< a refresh answered with a job id
  client::job_id id;
  wall_time at;         ///< when the refresh was sent
  int attempt = 1;      ///< 1 + number of failed jobs before it in this cycle
  bool resend = false;  ///< the one re-send after a lost trigger
};
struct adopted {
  job_snapshot job;
  adopt_reason reason = adopt_reason::already_running;
  std::optional<wall_time> attempt_at;  ///< for `ambiguous`: when our attempt was sent
};
struct trigger_lost {  ///< describe: not found, and list shows no job: the server dropped it
  client::job_id id;
  bool will_resend = false;
};
struct job_progress {  ///< a describe/list showed a new state, progress or reason
  job_snapshot job;
};
struct stuck {
  job_snapshot job;
  stuck_reason why = stuck_reason::timeout;
  std::chrono::milliseconds age{0};  ///< job age (timeouts) or time without change (no_progress)
};
struct unstuck {  ///< a stuck job moved again (or left Pending)
  job_snapshot job;
};
struct completed {
  job_snapshot job;
  wall_time at;                                       ///< observed at
  std::optional<std::chrono::milliseconds> duration;  ///< end - start when both are known
};
struct failed {
  job_snapshot job;
  std::string reason;  ///< the server's reason, verbatim (empty if it sent none)
  wall_time at;
  std::optional<std::chrono::milliseconds> duration;
};
struct job_lost {  ///< a job we polled disappeared (describe: not found, absent from list)
  client::job_id id;
  wall_time at;
};
struct retry_scheduled {
  retry_cause cause = retry_cause::api_error;
  int attempt = 0;  ///< consecutive error streak, or the failed-job count for job retries
  std::chrono::milliseconds delay{0};
};
struct api_failure {  ///< every failed request (the driver also counts successes itself)
  client::operation op = client::operation::list;
  client::api_error error;  ///< never contains a token or spec (client guarantee)
};
}  // namespace events

using cycle_event =
    std::variant<events::triggered, events::adopted, events::trigger_lost, events::job_progress,
                 events::stuck, events::unstuck, events::completed, events::failed,
                 events::job_lost, events::retry_scheduled, events::api_failure>;

/// One human log line for an event (no secrets), e.g. "triggered job 4495...311".
std::string to_log_line(const cycle_event& e);

struct cycle_step {
  cycle_action next;
  std::vector<cycle_event> events;  ///< in the order they happened
};

enum class cycle_mode {
  refresh,  ///< a slot is due: list, adopt or trigger, poll, retry
  observe,  ///< startup reconciliation: list and adopt an active job; never trigger
};

/// What the cycle waits for.
enum class cycle_phase { idle, listing, triggering, describing, waiting, finished };

/// What a collection's cycles carry from one to the next: the jitter generator's state and
/// the error streaks. The runtime keeps this (16 bytes) for an idle collection and makes a
/// refresh_cycle only while one runs (docs/DAEMON.md "Memory").
struct cycle_memory {
  std::uint64_t rng = 0;
  int error_streak = 0;   ///< consecutive failed requests
  int failed_cycles = 0;  ///< consecutive cycles with an error outcome
};

class refresh_cycle {
 public:
  /// `target` is the refresh request of the collection (its database, name, and source/spec if
  /// configured). `seed` seeds the jitter generator (random in production, fixed in tests).
  refresh_cycle(client::refresh_request target, cycle_params params, std::uint64_t seed);
  /// A cycle that goes on from what an earlier one left (memory()).
  refresh_cycle(client::refresh_request target, cycle_params params, const cycle_memory& m);

  /// Starts a cycle (phase must be idle or finished). `deadline` (usually the next slot): no
  /// retry is scheduled past it; polling a job is never cut short. Always returns a list.
  cycle_step start(const instant& now, std::optional<steady_time> deadline = std::nullopt,
                   cycle_mode mode = cycle_mode::refresh);

  cycle_step on_list(const client::api_result<std::vector<client::job_info>>& r,
                     const instant& now);
  cycle_step on_refresh(const client::api_result<client::job_id>& r, const instant& now);
  cycle_step on_describe(const client::api_result<client::job_info>& r, const instant& now);
  /// The wait's time came. Called early (now < until), it returns the same wait again.
  cycle_step on_timer(const instant& now);

  [[nodiscard]] cycle_phase phase() const noexcept { return phase_; }
  [[nodiscard]] bool in_progress() const noexcept {
    return phase_ != cycle_phase::idle && phase_ != cycle_phase::finished;
  }
  /// The job being polled (or last observed), without secrets.
  [[nodiscard]] const std::optional<job_snapshot>& job() const noexcept { return job_; }
  /// Consecutive failed API requests (carried across cycles).
  [[nodiscard]] int error_streak() const noexcept { return error_streak_; }
  /// What the next cycle of this collection goes on from.
  [[nodiscard]] cycle_memory memory() const noexcept {
    return cycle_memory{rng_, error_streak_, failed_cycles_};
  }
  [[nodiscard]] const client::refresh_request& target() const noexcept { return target_; }
  [[nodiscard]] const cycle_params& params() const noexcept { return params_; }
  /// New settings after a reload; used from the next decision on.
  void set_params(cycle_params p) { params_ = p; }
  void set_target(client::refresh_request t) { target_ = std::move(t); }

 private:
  enum class list_purpose { initial, after_duplicate, after_ambiguous, after_lost, vanished };
  enum class then_do { list, describe };
  struct list_view;

  // cycle.cpp
  cycle_step take(cycle_action a);
  cycle_action list_now(list_purpose p);
  cycle_action wait_then(const instant& now, std::chrono::milliseconds d, then_do what,
                         list_purpose p = list_purpose::initial);
  cycle_action finish(const instant& now, outcome_kind k, std::optional<client::api_error> e,
                      std::string message);
  cycle_action fatal_error(const instant& now, const client::api_error& e);
  cycle_action retry_after_error(const instant& now, const client::api_error& e, list_purpose p,
                                 retry_cause cause = retry_cause::api_error);
  cycle_action on_describe_error(const instant& now, const client::api_error& e);
  cycle_action observe_job(const instant& now, const client::job_info& j, bool announce);
  cycle_action on_terminal(const instant& now);
  cycle_action retry_job(const instant& now, std::string message, retry_cause cause);
  cycle_action schedule_poll(const instant& now);
  void check_stuck(const instant& now);
  std::chrono::milliseconds error_backoff();
  std::chrono::milliseconds jittered(std::chrono::milliseconds d);
  std::uint64_t next_random();
  void expect(cycle_phase p, const char* input) const;
  // cycle_list.cpp
  cycle_action handle_list(const std::vector<client::job_info>& jobs, const instant& now);
  cycle_action trigger(const std::vector<client::job_info>& jobs, const instant& now);
  cycle_action adopt(const instant& now, const client::job_info& j, adopt_reason why);
  cycle_action after_lost(const list_view& v, const instant& now,
                          const std::vector<client::job_info>& jobs);
  cycle_action after_duplicate(const list_view& v, const instant& now);
  cycle_action after_ambiguous(const list_view& v, const instant& now);
  cycle_action after_vanished(const list_view& v, const instant& now);
  cycle_action observe_idle(const instant& now, const std::vector<client::job_info>& jobs);
  list_view make_view(const std::vector<client::job_info>& jobs) const;
  void start_tracking(const instant& now, const client::job_info& j);

  client::refresh_request target_;
  cycle_params params_;
  std::uint64_t rng_;
  int error_streak_ = 0;   // consecutive failed requests; survives cycles
  int failed_cycles_ = 0;  // consecutive cycles with an error outcome; survives cycles

  cycle_phase phase_ = cycle_phase::idle;
  cycle_mode mode_ = cycle_mode::refresh;
  std::optional<steady_time> deadline_;
  list_purpose purpose_ = list_purpose::initial;
  then_do then_ = then_do::list;
  steady_time wait_until_{};
  std::vector<cycle_event> events_;

  int triggers_ = 0;
  int failed_jobs_ = 0;
  int dup_without_job_ = 0;
  bool resent_ = false;     // the one re-send after a lost trigger was used
  bool resending_ = false;  // the refresh in flight is that re-send
  bool has_attempt_ = false;
  instant attempt_{};                   // when the latest refresh was sent
  std::vector<std::int64_t> baseline_;  // recent job ids listed before that refresh
  std::optional<client::api_error> last_refresh_error_;

  std::optional<job_snapshot> job_;
  bool job_seen_ = false;
  poll_history poll_;
  int describe_errors_ = 0;
  steady_time tracked_since_{};
  std::optional<stuck_reason> stuck_;
};

}  // namespace refreshd::daemon
