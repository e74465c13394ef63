#pragma once
// The daemon's runtime (docs/SCHEDULES.md, docs/CYCLE.md, docs/DAEMON.md): per-cluster limits and
// connections, one scheduler loop with one timer over a queue of due times, startup
// reconciliation, one cycle coroutine per collection being refreshed, and shutdown.
// `Clock` is real_clock in production and a mock clock in tests (clock.hpp). The runtime is held
// by a shared_ptr: every coroutine it spawns holds a reference, so when the drain deadline stops
// the io_context with requests in flight, the suspended coroutines go (with the io_context)
// before the state they use.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <boost/asio/basic_waitable_timer.hpp>

#include <refreshd/client/refresh_api.hpp>
#include <refreshd/config/config.hpp>
#include <refreshd/cycle/admin_requests.hpp>
#include <refreshd/cycle/cluster_block.hpp>
#include <refreshd/cycle/collection.hpp>
#include <refreshd/cycle/collection_state.hpp>
#include <refreshd/cycle/cycle.hpp>
#include <refreshd/cycle/dependencies.hpp>
#include <refreshd/cycle/due_queue.hpp>
#include <refreshd/cycle/pauses.hpp>
#include <refreshd/cycle/reload_plan.hpp>
#include <refreshd/cycle/servability.hpp>
#include <refreshd/cycle/slot_plan.hpp>
#include <refreshd/cycle/startup.hpp>
#include <refreshd/cycle/target_lag.hpp>
#include <refreshd/log/logging.hpp>
#include <refreshd/net/asio.hpp>
#include <refreshd/runtime/clock.hpp>
#include <refreshd/runtime/job_slots.hpp>
#include <refreshd/runtime/ownership.hpp>
#include <refreshd/runtime/rate_limited_api.hpp>
#include <refreshd/runtime/rate_limiter.hpp>
#include <refreshd/runtime/runtime_options.hpp>
#include <refreshd/runtime/runtime_view.hpp>
#include <refreshd/schedule/clock_jump.hpp>

namespace refreshd::daemon {

/// How the runtime reaches one cluster. The default (make_http_client) is an
/// http_refresh_api; tests inject fakes.
struct cluster_client {
  std::unique_ptr<client::refresh_api> api;
  /// Installs a re-read token (after an authentication failure); may be empty.
  std::function<void(std::string token)> set_token;
};
/// Builds a cluster's connection with its token (already read). Throws std::invalid_argument on
/// a bad endpoint or CA file (a startup error).
using client_factory =
    std::function<cluster_client(executor, const config::cluster&, std::string token)>;

/// The real connection: http_refresh_api with the cluster's request_timeout and TLS settings.
cluster_client make_http_client(executor ex, const config::cluster& c, std::string token);

template <class Clock>
struct cluster_runtime {
  cluster_runtime(executor ex, const config::cluster& c, cluster_client conn);
  cluster_runtime(const cluster_runtime&) = delete;
  cluster_runtime& operator=(const cluster_runtime&) = delete;

  const config::cluster* cfg;
  cluster_client remote;  ///< the cluster's API and its token setter
  basic_rate_limiter<Clock> limiter;
  api_counters requests;
  /// The sums of its collections' counters (the per-cluster metric families): a reload that
  /// removes a collection does not lower them, and a cluster replaced by a reload shares them
  /// with its successor (cycles still running on the old one keep counting).
  std::shared_ptr<counter_sums> totals = std::make_shared<counter_sums>();
  basic_rate_limited_api<Clock> api;
  job_slots slots;
  /// After an unsupported / auth_failed outcome (docs/DAEMON.md "Clusters").
  cluster_block block;
  config::secret_string token;  ///< the token in use (to notice a changed token file)
  /// Installs `t` when it differs from the token in use (requests send it from now on); false
  /// when it is the same.
  bool install_token(std::string t) {
    if (t == token.reveal()) {
      return false;
    }
    token = config::secret_string(t);
    if (remote.set_token) {
      remote.set_token(std::move(t));
    }
    return true;
  }
  /// Hash of the tls.ca_file bytes the connection was built with (0: no CA file): a reload
  /// after the file changed in place builds a new connection.
  std::size_t ca_fingerprint = 0;
  /// Observes every API request of this cluster (operation, "ok" or the error class, latency
  /// excluding the wait for a rate-limit token); may be empty. For metrics.
  api_call_observer on_api_call;
  std::size_t users = 0;  ///< cycles using it (a cluster replaced by a reload lives until 0)
  bool servability_absent = false;  ///< its index/load routes answered 404 (ready_when)
  /// Set when a reload replaced or removed the cluster: keeps `cfg` valid until `users` is 0.
  std::shared_ptr<const config::config> retired_config;
};

/// Per-collection reload lines: the first ones of each kind at info, the rest at debug (a reload
/// changing 100,000 collections writes few lines on the loop: docs/DAEMON.md "Reload").
inline constexpr std::size_t reload_lines_at_info = 20;
inline config::log_level reload_line_level(std::size_t nth) noexcept {
  return nth <= reload_lines_at_info ? config::log_level::info : config::log_level::debug;
}

/// What basic_runtime::apply_config changed (docs/DAEMON.md "Reload").
struct reload_summary {
  std::size_t added = 0;      ///< new collections (startup reconciliation runs for them)
  std::size_t removed = 0;    ///< no longer scheduled (a running job is followed to its end)
  std::size_t changed = 0;    ///< settings, schedule, source or cluster changed
  std::size_t unchanged = 0;  ///< state and in-flight polls untouched
  std::size_t clusters_replaced = 0;       ///< endpoint, TLS, timeout or token source changed
  std::size_t tokens_changed = 0;          ///< a re-read token differed
  std::vector<std::string> needs_restart;  ///< settings only a restart applies, one line each
};

/// The outcome of one collection in run --once.
struct once_result {
  const config::cluster* cluster = nullptr;
  const config::collection* collection = nullptr;
  cycle_outcome outcome;
};

template <class Clock>
class basic_runtime final : public runtime_view,
                            public std::enable_shared_from_this<basic_runtime<Clock>> {
 public:
  using timer_type = net::basic_waitable_timer<Clock>;

  /// Builds clusters (reading every token: throws config::token_error) and collections
  /// (suspended ones too: they count skipped{suspended}). Throws std::invalid_argument on a bad
  /// endpoint, CA file or schedule.
  static std::shared_ptr<basic_runtime> create(executor ex,
                                               std::shared_ptr<const config::config> cfg,
                                               client_factory connect,
                                               runtime_options options = {});

  /// The daemon: spawns the scheduler loop and the startup reconciliation (ready() once every
  /// collection was listed). Runs until stop(); cycles then end at their next wait, requests
  /// in flight finish on their own, and on_drained fires when nothing is left.
  void start();
  /// run --once: one refresh cycle per non-suspended collection (same limits and overlap
  /// rules), all to a terminal state. Results in configuration order.
  awaitable<std::vector<once_result>> async_run_once();

  /// Stop scheduling and wake every wait (idempotent). Requests in flight finish on their own.
  void stop();
  bool stopping() const noexcept override { return stopping_; }
  /// Startup reconciliation is done (readiness).
  bool ready() const noexcept override { return ready_; }
  /// Coroutines still running (cycles, startup workers, the loop).
  std::size_t active() const noexcept { return active_; }
  /// Wall-clock time of the loop's last tick (heartbeat), nullopt before the first.
  std::optional<wall_time> last_tick() const noexcept override { return last_tick_; }
  std::uint64_t ticks() const noexcept { return ticks_; }
  std::uint64_t clock_jumps() const noexcept { return clock_jumps_; }
  /// The loop ticked within options.stall_after (false before the first tick, and when hung).
  bool loop_healthy() const override;

  const std::vector<std::unique_ptr<cluster_runtime<Clock>>>& clusters() const noexcept {
    return clusters_;
  }
  collection_list collections() const noexcept override { return collection_list(collections_); }
  const config::cluster& cluster_config(std::size_t cluster) const override {
    return *clusters_[cluster]->cfg;
  }
  /// Counts applied reloads (0 at start): collection indices may change when it does.
  std::uint64_t config_generation() const noexcept override { return config_generation_; }
  /// Collections removed by a reload whose last job is still being followed.
  std::size_t retired_collections() const noexcept { return retired_.size(); }

  /// A reload can be applied now: ready, not stopping, no reconciliation of added ones running.
  bool can_apply_config() const noexcept { return ready_ && !stopping_ && startup_pending_ == 0; }
  /// Applies a new, validated configuration (docs/DAEMON.md "Reload"); all-or-nothing: throws
  /// (config::token_error, std::invalid_argument) before any change. Needs can_apply_config().
  reload_summary apply_config(std::shared_ptr<const config::config> next);
  const config::config& configuration() const noexcept override { return *config_; }
  /// The configuration in use; holding it keeps collections()[i].cfg valid across a reload.
  std::shared_ptr<const config::config> shared_configuration() const noexcept { return config_; }

  /// Admin "run now" of collections()[index] with a slot's overlap rules (docs/HTTP.md "Admin"):
  /// joins a running cycle, else starts one now. Never throws for API errors.
  awaitable<admin_refresh_result> async_refresh_now(std::size_t index) override;
  /// target_lag's expected refresh duration, trigger to ready (runtime_view).
  std::optional<std::chrono::milliseconds> expected_duration(std::size_t index) const override;
  /// depends_on: where collections()[index] stands (runtime_view; `upstream` is an index).
  upstream_gate upstream_state(std::size_t index) const override;
  // runtime_pause.hpp: pause, resume, quarantine (docs/OPERATIONS.md "Pause"; runtime_view)
  void set_pauses(pause_book book);  ///< the saved pauses (at start, and from etcd)
  awaitable<std::optional<std::string>> async_pause(std::size_t index, std::string reason) override;
  awaitable<std::optional<std::string>> async_resume(std::size_t index) override;
  const pause_record* pause_of(std::size_t index) const override;
  /// Saves one change (nullopt: resumed); an error text when it could not.
  std::function<awaitable<std::optional<std::string>>(std::string, std::optional<pause_record>)>
      persist_pause;
  /// Under coordination (before start()): only what `o` owns is driven, every trigger is
  /// fenced, and startup lists nothing until a claim (docs/COORDINATION.md). Outlives the runtime.
  void set_ownership(ownership* o) noexcept { ownership_ = o; }
  /// Collections this replica just claimed ("cluster/database/name"): reconciled like at startup
  /// (an active job is adopted, a missed slot caught up).
  void ownership_gained(const std::vector<std::string>& keys);
  /// Whether this replica drives collections()[index] now (always without coordination).
  bool drives(std::size_t index) const override;
  const ownership* coordination() const noexcept override { return ownership_; }
  wall_time wall_now() const override;  ///< Clock::system_now() in milliseconds

  std::function<void()> on_drained;  ///< active() dropped to zero while stopping (drain wait)
  std::function<void()> on_ready;    ///< startup reconciliation done (sd_notify READY=1 later)
  /// Every cycle event of collections()[i], after its state was updated (metrics).
  std::function<void(std::size_t collection, const cycle_event&)> on_cycle_event;

  basic_runtime(executor ex, std::shared_ptr<const config::config> cfg, runtime_options options,
                std::uint64_t seed);  // use create()

 private:
  /// Keeps active_ counted and the runtime alive while a spawned coroutine runs.
  void spawn(awaitable<void> work, const char* what);
  instant now() const;
  steady_time steady_at(wall_time t) const;

  /// One startup list: of a whole database (its collections' indices), or of one collection.
  struct startup_task {
    std::vector<std::size_t> indices;
    bool whole_database = false;
  };
  struct startup_cursor {
    startup_cursor(std::vector<startup_task> t, run_spreader s) : tasks(std::move(t)), spread(s) {}
    std::vector<startup_task> tasks;  // of one cluster; a failed database list adds its members
    std::size_t next = 0;
    int workers = 0;
    run_spreader spread;  // catch-ups and overdue "after" runs
  };
  /// The spreading of docs/DAEMON.md "Startup reconciliation" for one cluster, from `from`.
  run_spreader spreader(std::size_t cluster, wall_time from) const;

  // runtime_startup.hpp (construction, startup) and runtime_loop.hpp (the loop)
  /// Startup reconciliation of these collections (all at start, the added ones after a reload),
  /// per cluster with startup_concurrency workers; ready() once the first round is done.
  void reconcile_collections(const std::vector<std::size_t>& indices);
  void mark_ready();
  /// One task per database of a cluster with two or more collections to list, one per
  /// collection otherwise (and for suspended ones, which list nothing).
  std::vector<startup_task> startup_tasks(const std::vector<std::size_t>& indices) const;
  void add_startup_workers(const std::shared_ptr<startup_cursor>& cursor);
  awaitable<void> startup_worker(std::shared_ptr<startup_cursor> cursor);
  awaitable<void> reconcile(std::size_t index, startup_cursor& cursor);
  awaitable<void> reconcile_database(std::vector<std::size_t> indices,
                                     std::shared_ptr<startup_cursor> cursor);
  /// Decides a collection's start from its startup list (`listed`, as answered through `cl`).
  void settle_startup(const std::shared_ptr<collection_runtime>& c,
                      const cluster_runtime<Clock>& cl,
                      const client::api_result<std::vector<client::job_info>>& listed,
                      startup_cursor& cursor);
  void on_startup_list_error(collection_runtime& c, const client::api_error& e);
  /// The first slot of a collection that is suspended or whose cluster is blocked (no list).
  void schedule_unlisted(collection_runtime& c);
  /// True when a startup list's answer no longer decides the collection's start.
  bool startup_moot(const collection_runtime& c) const;
  awaitable<void> scheduler_loop();
  void enqueue(std::size_t index, due_slot slot);
  void dispatch(std::size_t index);
  bool blocked(std::size_t index, bool may_probe);
  void unblock_cluster(std::size_t cluster);
  void on_clock_jump(std::chrono::milliseconds jump);
  std::uint64_t random_bits() { return rng_(); }
  // runtime_lag.hpp: target_lag (docs/SCHEDULES.md); key_of (its ownership_key) keys lag
  std::string key_of(const collection_runtime& c) const;  // estimates, dependencies and pauses
  due_slot timed(const collection_runtime& c, due_slot planned) const;  ///< lag or upstreams
  void learn_lag(const collection_runtime& c, const cycle_outcome& o);
  // runtime_dependencies.hpp: depends_on (docs/SCHEDULES.md)
  void link_dependencies();
  due_slot upstream_timed(const collection_runtime& c, due_slot planned) const;
  bool upstreams_allow(std::size_t index);  ///< ready (logs a change of "held")
  void wake_dependents(std::size_t upstream);
  bool once_waits(std::size_t index) const;          ///< run --once: an upstream not ended yet
  void once_ended(const collection_runtime& ended);  ///< run --once: start what it freed
  void apply_pauses();                               ///< after create and reload
  awaitable<std::optional<std::string>> save_pause(std::string key,
                                                   std::optional<pause_record> record);
  void record_pause(const std::string& key, pause_record r);
  void quarantine_if_due(collection_runtime& c, const cycle_outcome& o);
  awaitable<void> quarantine_saved(std::string key, pause_record r, log_fields f);
  // runtime_cycle.hpp: one cycle
  /// The one place a cycle of a collection starts: false (nothing started) when the collection
  /// already has one. `c.running` is owned by the cycle from here to its end.
  bool start_cycle(const std::shared_ptr<collection_runtime>& c, cycle_mode mode, bool forced_slot,
                   const char* what);
  awaitable<void> scheduled_cycle(std::shared_ptr<collection_runtime> c, cycle_mode mode,
                                  bool forced_slot);
  void release_retired(collection_runtime& c, cluster_runtime<Clock>& cl);
  /// The slots of `c` that came due in (from, to] without a cycle of their own: counted as
  /// skipped{why} and logged once.
  void skip_passed_slots(collection_runtime& c, const cluster_runtime<Clock>& cl, skip_reason why,
                         wall_time from, wall_time to);
  /// After the job slot was granted: false when the cycle must not run (removed, its cluster
  /// replaced, or blocked), with what needs rescheduling rescheduled.
  bool may_run(collection_runtime& c, cluster_runtime<Clock>& cl, bool forced_slot,
               wall_time started);
  std::optional<steady_time> cycle_deadline(const collection_runtime& c) const;
  awaitable<std::optional<cycle_outcome>> perform_cycle(collection_runtime& c,
                                                        cluster_runtime<Clock>& cl, cycle_mode mode,
                                                        std::optional<steady_time> deadline);
  awaitable<std::optional<cycle_outcome>> finish_cycle(collection_runtime& c,
                                                       cluster_runtime<Clock>& cl, cycle_outcome o);
  awaitable<bool> wait_until(steady_time t);
  /// Under coordination, the fence of a trigger (logs a refusal); empty without coordination.
  std::function<awaitable<bool>()> fence_of(const collection_runtime& c,
                                            const cluster_runtime<Clock>& cl);
  /// A cycle ended without an outcome: handed off (wait for the next slot), or shutdown.
  void after_handoff(collection_runtime& c);
  // runtime_servability.hpp: ready_when, after a completed job (updates the outcome)
  bool awaits_servability(const collection_runtime& c, const cluster_runtime<Clock>& cl) const;
  awaitable<void> follow_servability(collection_runtime& c, cluster_runtime<Clock>& cl,
                                     cycle_outcome& o);
  void settle_servability(collection_runtime& c, cluster_runtime<Clock>& cl, cycle_outcome& o,
                          const servability_result& r, steady_time::duration waited);
  /// False when ownership moved away: the cycle stops here (its job, if any, goes on).
  bool still_owned(const collection_runtime& c, const cluster_runtime<Clock>& cl,
                   const cycle_step& step);
  void after_cycle(std::size_t index, const cycle_outcome& o, wall_time started);
  /// Keeps `o`'s kind, and the whole outcome only under `run --once`.
  void remember_outcome(collection_runtime& c, const cycle_outcome& o);
  void block_cluster(std::size_t cluster, const cycle_outcome& o);

  // runtime_reload.hpp: applying a reload_plan (apply_config)
  std::vector<std::unique_ptr<cluster_runtime<Clock>>> reload_clusters(
      const config::config& next, const reload_plan& plan,
      std::vector<std::unique_ptr<cluster_runtime<Clock>>> fresh,
      const std::vector<std::string>& tokens, reload_summary& summary);
  collection_list::storage reload_collections(const config::config& next, reload_plan& plan,
                                              reload_summary& summary);
  /// Collections the plan drops: a running one is retired (followed to its job's end).
  void remove_collections(const reload_plan& plan, reload_summary& summary);
  void requeue_after_reload(const reload_plan& plan);

  // runtime_admin.hpp: the admin trigger (the requests themselves: admin_requests_)
  /// The answer for admin requests still waiting when the cycle of `c` ends.
  admin_refresh_result cycle_end_answer(const collection_runtime& c,
                                        const cluster_runtime<Clock>& cl) const;
  std::optional<admin_refresh_result> admin_precheck(std::size_t index) const;
  awaitable<admin_refresh_result> await_admin_result(admin_requests::request& w, timer_type& wake);

  executor ex_;
  std::shared_ptr<const config::config> config_;
  runtime_options options_;
  std::vector<std::unique_ptr<cluster_runtime<Clock>>> clusters_;
  client_factory connect_;
  std::uint64_t config_generation_ = 0;
  collection_list::storage collections_;
  /// Removed by a reload while running (runtime_reload.hpp), with the config their `cfg`
  /// points into; dropped when their cycle ends.
  struct retired_collection {
    std::shared_ptr<collection_runtime> c;
    std::shared_ptr<const config::config> config;
  };
  std::vector<retired_collection> retired_;
  std::vector<std::unique_ptr<cluster_runtime<Clock>>> retired_clusters_;
  due_queue queue_;
  timer_type loop_timer_;
  std::optional<wall_time> armed_for_;  // what loop_timer_ waits for
  std::list<timer_type*> waits_;        // cycle waits, cancelled by stop()
  ownership* ownership_ = nullptr;      // set_ownership()
  timer_type once_timer_;               // run --once: wakes when the last cycle ends
  schedule::clock_jump_detector jumps_;
  std::mt19937_64 rng_;
  std::map<std::string, lag_estimator, std::less<>> lag_estimates_;  // by key_of
  dependency_links deps_;
  pause_book pauses_;
  std::size_t paused_count_ = 0;
  std::map<std::string, int, std::less<>> resumed_failures_;  // failures in a row at resume
  bool stopping_ = false;
  bool ready_ = false;
  bool once_ = false;
  std::size_t once_pending_ = 0;
  std::vector<std::optional<cycle_outcome>> once_outcomes_;  // by collection index
  int startup_pending_ = 0;
  std::size_t active_ = 0;
  std::optional<wall_time> last_tick_;
  std::optional<steady_time> last_tick_steady_;
  std::uint64_t ticks_ = 0;
  std::uint64_t clock_jumps_ = 0;
  /// Admin requests waiting for a cycle's job (runtime_admin.hpp).
  admin_requests admin_requests_;
};

using runtime = basic_runtime<real_clock>;

}  // namespace refreshd::daemon
