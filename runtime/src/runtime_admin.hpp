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

namespace admin_detail {

inline bool job_active(const std::optional<job_snapshot>& j) {
  return j && !client::is_terminal(j->state);
}

inline admin_refresh_result make_result(admin_refresh_result::kind k, std::string message) {
  admin_refresh_result r;
  r.what = k;
  r.message = std::move(message);
  return r;
}

/// A request that joined an existing cycle never started anything: whatever that cycle did,
/// the answer is "already running" (with its job when known).
inline admin_refresh_result as_joined(admin_refresh_result r) {
  if (r.what != admin_refresh_result::kind::already_running) {
    r.what = admin_refresh_result::kind::already_running;
    r.error.reset();
    r.message = "a refresh cycle of this collection is already in progress";
    if (!job_active(r.job)) {
      r.job.reset();
    }
  }
  return r;
}

}  // namespace admin_detail

template <class Clock>
std::optional<admin_refresh_result> basic_runtime<Clock>::admin_precheck(std::size_t index) const {
  using kind = admin_refresh_result::kind;
  using admin_detail::make_result;
  const auto& c = *collections_[index];
  if (stopping_ || once_) {
    return make_result(kind::unavailable, "shutting down");
  }
  if (!ready_) {
    return make_result(kind::unavailable, "starting: startup reconciliation in progress");
  }
  if (c.cfg->suspend) {
    return make_result(kind::suspended, "collection is suspended (suspend: true)");
  }
  if (c.running && admin_detail::job_active(c.state.job)) {
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
  admin_watch w;
  w.collection = cp;
  w.joined = c.running;
  w.wake = &wake;
  auto it = admin_watches_.insert(admin_watches_.end(), &w);
  struct unlink {
    std::list<admin_watch*>& list;
    typename std::list<admin_watch*>::iterator pos;
    ~unlink() { list.erase(pos); }
  } guard{admin_watches_, it};
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
  admin_refresh_result r = co_await await_admin_result(w);
  co_return r;
}

template <class Clock>
awaitable<admin_refresh_result> basic_runtime<Clock>::await_admin_result(admin_watch& w) {
  using kind = admin_refresh_result::kind;
  // Never looks at the collection: its cycle's events, the cycle's end (resolve_admin), a
  // reload removing it, and stop() answer the watch and wake the timer.
  const auto deadline = Clock::now() + options_.admin_wait;
  while (!w.result) {
    if (stopping_) {
      w.result = admin_detail::make_result(kind::unavailable, "shutting down");
    } else if (w.collection.expired()) {
      w.result = admin_detail::make_result(kind::failed, "the collection was removed by a reload");
    } else if (Clock::now() >= deadline) {
      w.result = admin_detail::make_result(
          kind::queued, "refresh cycle started; waiting for a job slot or the rate limit");
    } else {
      w.wake->expires_at(deadline);
      co_await w.wake->async_wait(use_nothrow);
    }
  }
  co_return w.joined ? admin_detail::as_joined(*w.result) : *w.result;
}

template <class Clock>
void basic_runtime<Clock>::resolve_admin(const collection_runtime& c,
                                         const admin_refresh_result& r) {
  for (admin_watch* w : admin_watches_) {
    if (!w->result && w->collection.lock().get() == &c) {
      w->result = r;
      w->wake->cancel();
    }
  }
}

template <class Clock>
admin_refresh_result basic_runtime<Clock>::cycle_end_answer(
    const collection_runtime& c, const cluster_runtime<Clock>& cl) const {
  using kind = admin_refresh_result::kind;
  if (stopping_) {
    return admin_detail::make_result(kind::unavailable, "shutting down");
  }
  if (c.retired_config) {
    return admin_detail::make_result(kind::failed, "the collection was removed by a reload");
  }
  // The cycle ended before any event (a blocked cluster, a replaced connection).
  auto r = admin_detail::make_result(kind::failed, "the refresh cycle ended without a job");
  if (cl.block) {
    r.message = "cluster blocked: " + cl.block.outcome()->message;
    r.error = cl.block.outcome()->error;
  }
  return r;
}

template <class Clock>
void basic_runtime<Clock>::notify_admin(const collection_runtime& c, const cycle_event& e) {
  using kind = admin_refresh_result::kind;
  for (admin_watch* w : admin_watches_) {
    if (w->result || w->collection.lock().get() != &c) {
      continue;
    }
    admin_refresh_result r;
    if (std::holds_alternative<events::triggered>(e)) {
      r = admin_detail::make_result(kind::triggered, "refresh triggered");
      r.job = c.state.job;
    } else if (const auto* a = std::get_if<events::adopted>(&e)) {
      r.job = a->job;
      if (a->reason == adopt_reason::ambiguous) {
        r.what = kind::triggered;  // our own attempt, confirmed by the list
        r.message = "refresh triggered (confirmed by a list after an ambiguous answer)";
      } else {
        r.what = kind::already_running;
        r.message = "a refresh job is already running (" + std::string(to_string(a->reason)) + ")";
      }
    } else if (const auto* f = std::get_if<events::api_failure>(&e)) {
      r = admin_detail::make_result(kind::failed, client::describe_error(f->error));
      r.error = f->error;
      if (client::is_retryable(f->error)) {
        r.message += "; the cycle retries with backoff";
      }
    } else {
      continue;
    }
    w->result = std::move(r);
    w->wake->cancel();
  }
}

template <class Clock>
void basic_runtime<Clock>::notify_admin(const collection_runtime& c, const cycle_outcome& o) {
  for (admin_watch* w : admin_watches_) {
    if (w->result || w->collection.lock().get() != &c) {
      continue;
    }
    auto r =
        admin_detail::make_result(admin_refresh_result::kind::failed,
                                  o.message.empty() ? std::string(to_string(o.kind)) : o.message);
    r.error = o.error;
    r.job = o.job;
    w->result = std::move(r);
    w->wake->cancel();
  }
}

}  // namespace refreshd::daemon
