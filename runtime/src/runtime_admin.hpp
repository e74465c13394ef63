#pragma once
// basic_runtime: the admin "run now" (async_refresh_now). A request either joins the
// collection's running cycle or starts a refresh-mode cycle like a due slot (same overlap rules,
// job slots and rate limit), then waits for that cycle's first decision: a triggered or adopted
// job, an API error, or the cycle's end. Included by runtime_cycle.hpp.

#include <algorithm>
#include <chrono>
#include <list>
#include <optional>
#include <string>

#include <refreshd/runtime/runtime.hpp>
#include <refreshd/runtime/runtime_log.hpp>

namespace refreshd::daemon {

template <class Clock>
std::optional<admin_refresh_result> basic_runtime<Clock>::admin_precheck(std::size_t index) const {
  using kind = admin_refresh_result::kind;
  const auto make_result = make_admin_result;
  const auto& c = *collections_[index];
  if (stopping_ || once_) {
    return make_result(kind::unavailable, "shutting down");
  }
  if (!ready_) {
    return make_result(kind::unavailable, "starting: startup reconciliation in progress");
  }
  if (!drives(index)) {
    return make_result(kind::unavailable,
                       "another replica drives this collection (coordination): ask it");
  }
  if (c.cfg->suspend) {
    return make_result(kind::suspended, "collection is suspended (suspend: true)");
  }
  if (c.state.paused) {
    return make_result(kind::suspended, "collection is paused: resume it first");
  }
  if (c.running && c.state.job && !client::is_terminal(c.state.job->state)) {
    auto r = make_result(kind::already_running, "a refresh job is already running");
    r.job = c.state.job;
    return r;
  }
  const auto& cl = *clusters_[c.cluster];
  if (!c.running && cl.block) {
    auto r = make_result(kind::failed, "cluster blocked: " + cl.block.outcome()->message);
    r.error = cl.block.outcome()->error;
    return r;
  }
  return std::nullopt;
}

template <class Clock>
awaitable<admin_refresh_result> basic_runtime<Clock>::async_refresh_now(std::size_t index) {
  // The frame may outlive the caller's reference (destroyed with the io_context at shutdown).
  auto self = this->shared_from_this();
  if (auto early = admin_precheck(index)) {
    co_return *early;
  }
  // Not held across the wait: the watch keeps a weak reference (a reload may remove it).
  auto cp = collections_[index];
  auto& c = *cp;
  // Registered before the cycle is spawned: its first events may come before this resumes.
  timer_type wake(ex_);
  const auto request = admin_requests_.add(cp, c.running, [&wake] { wake.cancel(); });
  struct unlink {
    admin_requests& requests;
    admin_requests::handle request;
    ~unlink() { requests.remove(request); }
  } guard{admin_requests_, request};
  if (!c.running) {
    log_event(config::log_level::info, "admin: refresh requested",
              collection_fields(*clusters_[c.cluster]->cfg, *c.cfg));
    // A slot of its own at "now": slots that pass while it waits or runs are counted as
    // skipped like for any cycle, and the next regular slot follows it.
    const wall_time now = wall_now();
    c.slot = due_slot{now, now};
    start_cycle(cp, cycle_mode::refresh, false, "admin refresh cycle");
  }
  cp.reset();
  admin_refresh_result r = co_await await_admin_result(*request, wake);
  co_return r;
}

template <class Clock>
awaitable<admin_refresh_result> basic_runtime<Clock>::await_admin_result(admin_requests::request& w,
                                                                         timer_type& wake) {
  using kind = admin_refresh_result::kind;
  // Never looks at the collection: its cycle's events, the cycle's end, a reload removing it
  // (admin_requests_) and stop() answer the request or wake the timer.
  const auto deadline = Clock::now() + options_.admin_wait;
  while (!w.result) {
    if (stopping_) {
      w.result = make_admin_result(kind::unavailable, "shutting down");
    } else if (w.collection.expired()) {
      w.result = make_admin_result(kind::failed, "the collection was removed by a reload");
    } else if (Clock::now() >= deadline) {
      w.result = make_admin_result(
          kind::queued, "refresh cycle started; waiting for a job slot or the rate limit");
    } else {
      wake.expires_at(deadline);
      co_await wake.async_wait(use_nothrow);
    }
  }
  co_return admin_requests::answer(w);
}

template <class Clock>
admin_refresh_result basic_runtime<Clock>::cycle_end_answer(
    const collection_runtime& c, const cluster_runtime<Clock>& cl) const {
  using kind = admin_refresh_result::kind;
  if (stopping_) {
    return make_admin_result(kind::unavailable, "shutting down");
  }
  if (c.retired()) {
    return make_admin_result(kind::failed, "the collection was removed by a reload");
  }
  // The cycle ended before any event (a blocked cluster, a replaced connection).
  auto r = make_admin_result(kind::failed, "the refresh cycle ended without a job");
  if (cl.block) {
    r.message = "cluster blocked: " + cl.block.outcome()->message;
    r.error = cl.block.outcome()->error;
  }
  return r;
}

}  // namespace refreshd::daemon
