#pragma once
// The admin "run now" requests waiting for their collection's cycle (docs/HTTP.md "Admin", docs/
// ARCHITECTURE.md). Each request takes the first decision of that cycle: a triggered or adopted
// job, an API error, or the outcome; or an answer the runtime gives when the cycle ends without
// one or a reload removes the collection. Pure: waking the waiting coroutine is a callback.

#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>

#include <refreshd/client/types.hpp>
#include <refreshd/cycle/collection.hpp>
#include <refreshd/cycle/cycle.hpp>

namespace refreshd::daemon {

/// The answer of the admin "run now" (docs/HTTP.md).
struct admin_refresh_result {
  enum class kind {
    triggered,        ///< this daemon started `job` (a new refresh job)
    queued,           ///< a cycle was started but had no job after admin_wait (job slot, rate
                      ///< limit); it goes on and /status shows its job
    already_running,  ///< `job` is running (from the server's list, or the collection's own
                      ///< cycle); `job` is empty while that cycle has not found its job yet
    suspended,        ///< `suspend: true`: nothing was sent
    unavailable,      ///< not ready yet (startup reconciliation) or shutting down
    failed,           ///< an API error (`error`) or a cycle outcome without a job (`message`)
  };
  kind what = kind::failed;
  std::optional<job_snapshot> job;
  std::optional<client::api_error> error;  ///< never holds a token or spec (client guarantee)
  std::string message;                     ///< one line for humans (no secret)
};

admin_refresh_result make_admin_result(admin_refresh_result::kind k, std::string message);

class admin_requests {
 public:
  struct request {
    std::weak_ptr<const collection_runtime> collection;
    bool joined = false;  ///< it joined a cycle that existed before the request
    std::optional<admin_refresh_result> result;
    std::function<void()> wake;  ///< called once, when `result` is set
  };
  using handle = std::list<request>::iterator;

  /// A request for `c`'s cycle; `wake` is called when it gets its answer. Valid until remove().
  handle add(std::weak_ptr<const collection_runtime> c, bool joined, std::function<void()> wake);
  void remove(handle h) { requests_.erase(h); }
  std::size_t size() const noexcept { return requests_.size(); }

  /// A cycle event of `c`: triggered, adopted and API failures answer its open requests; other
  /// events do not.
  void on_event(const collection_runtime& c, const cycle_event& e);
  /// `c`'s cycle ended with `o` before any answering event.
  void on_outcome(const collection_runtime& c, const cycle_outcome& o);
  /// Answers `c`'s open requests with `r` (the cycle ended without a job, a reload removed it).
  void resolve(const collection_runtime& c, const admin_refresh_result& r);
  /// Wakes every waiting request (stop: each then answers "shutting down" itself).
  void wake_all() const;

  /// What request `r` answers: a request that joined an existing cycle never started
  /// anything, so whatever that cycle did, it answers "already running" (with its job while
  /// that job is active).
  static admin_refresh_result answer(const request& r);

 private:
  template <class Make>
  void answer_open(const collection_runtime& c, Make make);

  std::list<request> requests_;
};

}  // namespace refreshd::daemon
