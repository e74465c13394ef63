#pragma once
// What a completed refresh waits for before it counts as done under `ready_when: indexed` or
// `loaded` (docs/CYCLE.md "ready_when"): the collection's indexes caught up (indexes/list, then
// indexes/describe of each until Finished with 0 pending rows), then, for `loaded`, its load
// state (get_load_state until LoadStateLoaded). A sans-io state machine like refresh_cycle: it
// decides the next request or wait, the runtime does the I/O; polled with the describe policy
// (poll_policy.hpp), every request through the cluster's rate limiter.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <refreshd/client/types.hpp>
#include <refreshd/config/config.hpp>
#include <refreshd/cycle/poll_policy.hpp>
#include <refreshd/cycle/time.hpp>

namespace refreshd::daemon {

struct index_list_action {
  client::collection_ref target;
};
struct index_describe_action {
  client::collection_ref target;
  std::string index;
};
struct load_state_action {
  client::collection_ref target;
};
/// Arm a timer at `until` (monotonic), then call on_timer.
struct servability_wait {
  steady_time until{};
};

/// How the wait for servability ended.
struct servability_result {
  enum class kind : std::uint8_t {
    ready,       ///< servable: indexes caught up (and loaded for `loaded`) at `at`
    degraded,    ///< the cluster has no such routes (HTTP 404): counted as done at completion
    failed,      ///< an index build failed: `message` is its failReason, verbatim
    not_loaded,  ///< `loaded` asked of a collection that is not loaded (or no longer exists)
    gave_up,     ///< errors or no progress until the timeout, or a request error not retried
  };
  kind what = kind::ready;
  std::string message;
  std::optional<client::api_error> error;
};

using servability_action = std::variant<index_list_action, index_describe_action, load_state_action,
                                        servability_wait, servability_result>;

/// Where the wait is, for /status and the page: "indexing 73 %", "loading 40 %".
enum class servability_phase : std::uint8_t { indexing, loading };
std::string_view to_string(servability_phase p) noexcept;

struct servability_params {
  config::ready_condition until = config::ready_condition::indexed;
  poll_bounds poll;
  std::chrono::milliseconds timeout{21'600'000};  ///< since completion: then gave_up
  std::chrono::milliseconds error_backoff_initial{1'000};
  std::chrono::milliseconds error_backoff_max{300'000};
};

class servability_check {
 public:
  servability_check(client::collection_ref target, servability_params params);

  servability_action start(const instant& now);
  servability_action on_index_list(const client::api_result<std::vector<std::string>>& r,
                                   const instant& now);
  servability_action on_index_describe(const client::api_result<std::vector<client::index_info>>& r,
                                       const instant& now);
  servability_action on_load_state(const client::api_result<client::load_info>& r,
                                   const instant& now);
  /// The wait's time came: the pending request again.
  servability_action on_timer(const instant& now);

  [[nodiscard]] servability_phase phase() const noexcept { return phase_; }
  /// 0..100: rows indexed of all indexes (known counts), or the load progress.
  [[nodiscard]] int progress() const noexcept { return progress_; }
  /// Requests answered with an error in a row (reset by an answer).
  [[nodiscard]] int error_streak() const noexcept { return error_streak_; }

 private:
  struct index_progress {
    std::string name;
    bool caught_up = false;
    std::int64_t indexed = 0;
    std::int64_t total = 0;
  };
  enum class pending_request : std::uint8_t { index_list, index_describe, load_state };

  servability_action request() const;
  servability_action after_error(const client::api_error& e, const instant& now);
  servability_action poll_later(const instant& now);
  servability_action indexes_done(const instant& now);
  servability_action next_index(const instant& now);
  void record_index(const client::index_info& i);
  [[nodiscard]] bool timed_out(const instant& now) const;
  servability_result gave_up(std::string why) const;

  client::collection_ref target_;
  servability_params params_;
  servability_phase phase_ = servability_phase::indexing;
  pending_request pending_ = pending_request::index_list;
  std::vector<index_progress> indexes_;
  std::size_t current_ = 0;  ///< the index being described
  steady_time started_{};
  poll_history poll_;
  int progress_ = 0;
  int error_streak_ = 0;
};

}  // namespace refreshd::daemon
