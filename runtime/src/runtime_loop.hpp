#pragma once
// basic_runtime: the scheduler loop and its queue of due times, dispatching due collections,
// cluster blocks, clock jumps, stop (docs/DAEMON.md "The scheduler loop"). Startup is
// runtime_startup.hpp, one cycle runtime_cycle.hpp.

#include <algorithm>
#include <exception>

#include <refreshd/runtime/runtime.hpp>
#include <refreshd/runtime/runtime_log.hpp>
#include <refreshd/runtime/spawn.hpp>

namespace refreshd::daemon {

template <class Clock>
void basic_runtime<Clock>::spawn(awaitable<void> work, const char* what) {
  ++active_;
  auto self = this->shared_from_this();
  spawn_task(ex_, std::move(work), what, self, [rt = self.get()] {
    if (--rt->active_ == 0 && rt->stopping_ && rt->on_drained) {
      rt->on_drained();
    }
  });
}

template <class Clock>
instant basic_runtime<Clock>::now() const {
  return instant{Clock::now(), wall_now()};
}

template <class Clock>
wall_time basic_runtime<Clock>::wall_now() const {
  return std::chrono::floor<std::chrono::milliseconds>(Clock::system_now());
}

template <class Clock>
steady_time basic_runtime<Clock>::steady_at(wall_time t) const {
  const auto st = Clock::now();
  const auto wall = Clock::system_now();
  if (t <= wall) {
    return st;
  }
  return st + std::chrono::duration_cast<steady_time::duration>(t - wall);
}

template <class Clock>
void basic_runtime<Clock>::stop() {
  if (stopping_) {
    return;
  }
  stopping_ = true;
  if (ownership_ != nullptr) {
    ownership_->stopping();  // a fence waiting for etcd gives up: no trigger follows
  }
  loop_timer_.cancel();
  for (timer_type* t : waits_) {
    t->cancel();
  }
  for (auto& cl : clusters_) {
    cl->limiter.stop();
    cl->slots.stop();
  }
  once_timer_.cancel();
  admin_requests_.wake_all();  // each answers "shutting down"
  if (active_ == 0 && on_drained) {
    on_drained();
  }
}

template <class Clock>
void basic_runtime<Clock>::enqueue(std::size_t index, due_slot slot) {
  auto& c = *collections_[index];
  c.slot = slot;
  c.state.next_run = slot.due;
  ++c.generation;
  queue_.push(slot.due, index, c.generation);
  if (!armed_for_ || slot.due < *armed_for_) {
    loop_timer_.cancel();  // the loop re-arms for the earlier slot
  }
}

template <class Clock>
bool basic_runtime<Clock>::loop_healthy() const {
  return last_tick_steady_ && Clock::now() - *last_tick_steady_ <= options_.stall_after;
}

template <class Clock>
awaitable<void> basic_runtime<Clock>::scheduler_loop() {
  while (!stopping_) {
    const auto steady = Clock::now();
    if (auto jump = jumps_.observe(steady, Clock::system_now())) {
      on_clock_jump(*jump);
    }
    const wall_time now = wall_now();
    last_tick_ = now;
    last_tick_steady_ = steady;
    ++ticks_;
    // Entries due within a millisecond fire now: the two clocks are read a moment apart.
    while (const auto e = queue_.pop_due(now + std::chrono::milliseconds(1))) {
      if (e->index >= collections_.size()) {
        continue;  // a reload rebuilt the queue; stale entries are gone, this is a guard
      }
      auto& c = *collections_[e->index];
      if (e->generation == c.generation && !c.running) {
        dispatch(e->index);
      }
    }
    steady_time wake = steady + options_.tick;
    armed_for_ = now + options_.tick;
    if (const auto next = queue_.earliest(); next && *next < *armed_for_) {
      armed_for_ = *next;
      wake = steady_at(*next);
    }
    loop_timer_.expires_at(wake);
    co_await loop_timer_.async_wait(use_nothrow);
  }
}

template <class Clock>
void basic_runtime<Clock>::dispatch(std::size_t index) {
  auto& c = *collections_[index];
  const wall_time now = wall_now();
  const wall_time previous = c.slot ? c.slot->nominal : now;
  // A skipped slot produced no job: an "after D" schedule waits D from now (its old last end
  // may be long past, which would make it due again at once).
  if (!drives(index)) {
    // Another replica's (docs/COORDINATION.md): it counts the slot; this one waits for the next.
    enqueue(index, next_slot(c.plan, previous, now, std::nullopt, random_bits()));
    return;
  }
  if (c.cfg->suspend || c.state.paused) {  // a pause counts as suspended (docs/OPERATIONS.md)
    record_skip(c.state, skip_reason::suspended);
    count_skip(*clusters_[c.cluster]->totals, skip_reason::suspended);
    log_skip(*clusters_[c.cluster]->cfg, *c.cfg, skip_reason::suspended, 1);
    enqueue(index, next_slot(c.plan, previous, now, std::nullopt, random_bits()));
    return;
  }
  if (blocked(index, true) || !upstreams_allow(index)) {
    enqueue(index, next_slot(c.plan, previous, now, std::nullopt, random_bits()));
    return;
  }
  start_cycle(collections_[index], cycle_mode::refresh, false, "refresh cycle");
}

template <class Clock>
bool basic_runtime<Clock>::start_cycle(const std::shared_ptr<collection_runtime>& c,
                                       cycle_mode mode, bool forced_slot, const char* what) {
  if (c->running) {
    return false;
  }
  c->running = true;
  ++c->generation;
  spawn(scheduled_cycle(c, mode, forced_slot), what);
  return true;
}

template <class Clock>
bool basic_runtime<Clock>::blocked(std::size_t index, bool may_probe) {
  auto& c = *collections_[index];
  auto& cl = *clusters_[c.cluster];
  if (cl.block.lets_through(index, may_probe, Clock::now())) {
    return false;
  }
  apply(c.state, *cl.block.outcome());
  remember_outcome(c, *cl.block.outcome());
  return true;
}

template <class Clock>
void basic_runtime<Clock>::unblock_cluster(std::size_t cluster) {
  auto& cl = *clusters_[cluster];
  log_fields f;
  f.cluster = cl.cfg->name;
  log_event(config::log_level::info, "cluster answers again", f);
  cl.block.clear();
  // Collections held back by the cluster's problem (not their own) go back to their slots,
  // spread like startup catch-ups.
  run_spreader spread = spreader(cluster, wall_now());
  for (std::size_t i = 0; i < collections_.size(); ++i) {
    auto& c = *collections_[i];
    const bool held =
        c.last_kind == outcome_kind::auth_failed || c.last_kind == outcome_kind::unsupported;
    if (c.cluster != cluster || c.running || !c.slot || !held) {
      continue;
    }
    due_slot s = *c.slot;
    s.due = spread.take(s.nominal + c.plan.known_offset());
    enqueue(i, s);
  }
}

template <class Clock>
void basic_runtime<Clock>::on_clock_jump(std::chrono::milliseconds jump) {
  ++clock_jumps_;
  log_fields f;
  f.add("jump", schedule::format_duration(jump));
  log_event(config::log_level::warn, "wall clock jumped; recomputing schedules", f);
  const wall_time now = wall_now();
  std::vector<run_spreader> spread;
  for (std::size_t i = 0; i < clusters_.size(); ++i) {
    spread.push_back(spreader(i, now));
  }
  queue_.clear();
  for (std::size_t i = 0; i < collections_.size(); ++i) {
    auto& c = *collections_[i];
    if (c.running || !c.slot) {
      continue;
    }
    due_slot s = *c.slot;
    if (jump.count() < 0 && !c.plan.is_after()) {
      s = first_slot(c.plan, now, c.last_end, random_bits());
    } else if (s.due <= now) {
      // Slots the jump skipped over run once, spread like startup catch-ups.
      s.due = spread[c.cluster].take(now);
    }
    enqueue(i, s);
  }
}

}  // namespace refreshd::daemon
