#pragma once
// basic_runtime: one refresh cycle of one collection (the thin I/O driver of refresh_cycle),
// what happens after it, cluster-wide blocks, and run --once.

#include <refreshd/config/token.hpp>
#include <refreshd/runtime/runtime_log.hpp>

#include "runtime_admin.hpp"
#include "runtime_reload.hpp"
#include "runtime_startup.hpp"

namespace refreshd::daemon {

template <class Clock>
awaitable<void> basic_runtime<Clock>::scheduled_cycle(std::shared_ptr<collection_runtime> cp,
                                                      cycle_mode mode, bool forced_slot) {
  // `c` and `cl` stay valid for the whole cycle even across a reload: the frame holds the
  // collection, and a removed cluster is retired (kept) while it has users. Indices may change
  // at a reload, so c.index is read after every wait. Started by start_cycle() only.
  auto& c = *cp;
  auto& cl = *clusters_[c.cluster];
  ++cl.users;
  struct finish_guard {
    basic_runtime& rt;
    collection_runtime& c;
    cluster_runtime<Clock>& cl;
    ~finish_guard() {
      c.running = false;
      --cl.users;
      // A cycle that ended without an answer for its admin requests (a blocked cluster, no job
      // slot at shutdown) answers them now; they never look at the collection themselves.
      rt.admin_requests_.resolve(c, rt.cycle_end_answer(c, cl));
      if (rt.once_) {
        rt.once_ended(c);
      }
      rt.release_retired(c, cl);
    }
  } guard{*this, c, cl};

  const wall_time due = c.slot ? c.slot->due : wall_now();
  const auto due_sys = std::chrono::time_point_cast<std::chrono::system_clock::duration>(due);
  // No co_await inside a conditional expression: g++ 12 mishandles the temporary.
  job_slot slot;
  if (forced_slot) {
    slot = cl.slots.force_acquire();
  } else {
    slot = co_await cl.slots.async_acquire(due_sys);
  }
  if (!slot || stopping_) {
    co_return;
  }
  const wall_time started = wall_now();
  if (c.slot && !once_) {
    // "delayed, not skipped": the cycle runs for its own slot, late; slots that came due while
    // it waited for a job slot are counted as skipped{limit} (slots that were due before its
    // own due time, e.g. during a startup spread, are simply collapsed into it).
    skip_passed_slots(c, cl, skip_reason::limit,
                      std::max(c.slot->nominal, c.slot->due - c.plan.known_offset()), started);
  }
  if (!may_run(c, cl, forced_slot, started)) {
    co_return;
  }
  auto outcome = co_await perform_cycle(c, cl, mode, cycle_deadline(c));
  slot.release();
  if (!outcome || stopping_) {
    co_return after_handoff(c);  // at shutdown the job keeps running on the server; or handed off
  }
  if (c.retired()) {
    log_event(config::log_level::info, "removed collection: its last job was followed to its end",
              collection_fields(*cl.cfg, *c.cfg));
    co_return;
  }
  after_cycle(c.index, *outcome, started);
}

template <class Clock>
void basic_runtime<Clock>::skip_passed_slots(collection_runtime& c,
                                             const cluster_runtime<Clock>& cl, skip_reason why,
                                             wall_time from, wall_time to) {
  const int passed = count_passed(c.plan, from, to);
  if (passed > 0) {
    record_skip(c.state, why, passed);
    count_skip(*cl.totals, why, passed);
    log_skip(*cl.cfg, *c.cfg, why, passed);
  }
}

template <class Clock>
bool basic_runtime<Clock>::may_run(collection_runtime& c, cluster_runtime<Clock>& cl,
                                   bool forced_slot, wall_time started) {
  if (c.retired()) {
    return false;  // removed by a reload while it waited for a job slot
  }
  if (clusters_[c.cluster].get() != &cl) {
    // A reload replaced the cluster (endpoint, TLS, token source) while this cycle waited for
    // a job slot: run the slot again at once through the new connection.
    if (!once_ && c.slot) {
      enqueue(c.index, due_slot{c.slot->nominal, wall_now()});
    }
    return false;
  }
  if (!forced_slot && blocked(c.index, false)) {
    if (!once_) {
      const wall_time previous = c.slot ? c.slot->nominal : started;
      enqueue(c.index, next_slot(c.plan, previous, started, std::nullopt, random_bits()));
    }
    return false;
  }
  return true;
}

template <class Clock>
std::optional<steady_time> basic_runtime<Clock>::cycle_deadline(const collection_runtime& c) const {
  const wall_time now = wall_now();
  if (once_) {
    return Clock::now() + options_.once_retry_window;
  }
  if (c.plan.is_after()) {
    const auto& spec = std::get<schedule::after_spec>(c.plan.sched().spec);
    return Clock::now() + spec.delay;
  }
  const wall_time previous = c.slot ? c.slot->nominal : now;
  const due_slot next = next_slot(c.plan, previous, now, c.last_end, 0);
  return steady_at(next.nominal + c.plan.known_offset());
}

template <class Clock>
awaitable<std::optional<cycle_outcome>> basic_runtime<Clock>::perform_cycle(
    collection_runtime& c, cluster_runtime<Clock>& cl, cycle_mode mode,
    std::optional<steady_time> deadline) {
  const cycle_scope scope(c);  // the cycle exists until this coroutine ends, whichever way
  refresh_cycle& cycle = scope.cycle();
  cycle_step step = cycle.start(now(), deadline, mode);
  for (;;) {
    for (const auto& e : step.events) {
      const collection_counters before = c.state.counters;
      const maybe_time success_before = c.state.last_success;
      apply(c.state, e);
      if (std::holds_alternative<events::completed>(e) && awaits_servability(c, cl)) {
        hold_for_servability(c.state, success_before);  // done when servable (ready_when)
      }
      add_difference(*cl.totals, before, c.state.counters);
      log_cycle_event(*cl.cfg, *c.cfg, e);
      if (on_cycle_event && !c.retired()) {
        on_cycle_event(c.index, e);
      }
      admin_requests_.on_event(c, e);
    }
    if (stopping_ || !still_owned(c, cl, step)) {
      co_return std::nullopt;
    }
    if (auto* list = std::get_if<list_action>(&step.next)) {
      auto request = list->request;  // named: g++ 12 and temporaries in co_await
      auto r = co_await cl.api.async_list(std::move(request));
      if (stopping_ && !r) {
        co_return std::nullopt;
      }
      step = cycle.on_list(r, now());
    } else if (auto* refresh = std::get_if<refresh_action>(&step.next)) {
      auto request = refresh->request;
      auto fence = fence_of(c, cl);  // named: g++ 12 and temporaries in co_await
      auto fenced = co_await cl.api.async_refresh_fenced(std::move(request), std::move(fence));
      if (!fenced) {
        co_return std::nullopt;
      }
      auto r = std::move(*fenced);
      if (stopping_ && !r) {
        co_return std::nullopt;
      }
      step = cycle.on_refresh(r, now());
    } else if (auto* describe = std::get_if<describe_action>(&step.next)) {
      const client::job_id id = describe->id;
      auto r = co_await cl.api.async_describe(id);
      if (stopping_ && !r) {
        co_return std::nullopt;
      }
      step = cycle.on_describe(r, now());
    } else if (auto* wait = std::get_if<wait_action>(&step.next)) {
      if (!co_await wait_until(wait->until)) {
        co_return std::nullopt;
      }
      step = cycle.on_timer(now());
    } else {
      cycle_outcome outcome = std::get<finish_action>(std::move(step.next)).outcome;
      co_return co_await finish_cycle(c, cl, std::move(outcome));
    }
  }
}

template <class Clock>
awaitable<std::optional<cycle_outcome>> basic_runtime<Clock>::finish_cycle(
    collection_runtime& c, cluster_runtime<Clock>& cl, cycle_outcome outcome) {
  if (outcome.kind == outcome_kind::completed && awaits_servability(c, cl)) {
    co_await follow_servability(c, cl, outcome);
    if (stopping_) {
      co_return std::nullopt;
    }
  } else if (outcome.kind == outcome_kind::completed &&
             c.cfg->settings->ready_when != config::ready_condition::completed) {
    c.state.ready = ready_stage::degraded;  // its cluster has no index/load routes
  }
  apply(c.state, outcome);
  if (outcome.kind != outcome_kind::completed && outcome.kind != outcome_kind::idle) {
    log_cycle_outcome(*cl.cfg, *c.cfg, outcome);
  }
  admin_requests_.on_outcome(c, outcome);
  co_return outcome;
}

template <class Clock>
void basic_runtime<Clock>::after_handoff(collection_runtime& c) {
  // Ownership moved away (docs/COORDINATION.md): the new owner follows the job; this replica
  // keeps the schedule in case the collection comes back. Nothing at shutdown.
  if (stopping_ || once_ || c.retired()) {
    return;
  }
  const wall_time now = wall_now();
  enqueue(c.index,
          next_slot(c.plan, c.slot ? c.slot->nominal : now, now, std::nullopt, random_bits()));
}

template <class Clock>
std::function<awaitable<bool>()> basic_runtime<Clock>::fence_of(const collection_runtime& c,
                                                                const cluster_runtime<Clock>& cl) {
  if (ownership_ == nullptr || once_) {
    return {};
  }
  // The fence (docs/COORDINATION.md): the claim still holds, asked after the rate-limit token,
  // right before the trigger is sent. The server's job list, read just before, is the second.
  return [this, &c, &cl]() -> awaitable<bool> {
    if (stopping_) {
      co_return false;
    }
    auto key = ownership_key(cl.cfg->name, *c.cfg->database, c.cfg->name);
    const bool held = co_await ownership_->fence(std::move(key));  // not inside && (g++ 12)
    if (stopping_) {
      co_return false;
    }
    if (!held) {
      log_event(config::log_level::warn,
                "fence refused: this replica no longer holds the collection; not triggering",
                collection_fields(*cl.cfg, *c.cfg));
    }
    co_return held;
  };
}

template <class Clock>
bool basic_runtime<Clock>::still_owned(const collection_runtime& c,
                                       const cluster_runtime<Clock>& cl, const cycle_step& step) {
  // Paused while the cycle waited or backed off: its job, if any, is followed to its end, but
  // no job is started (docs/OPERATIONS.md "Pause").
  if (c.state.paused && !once_ && std::holds_alternative<refresh_action>(step.next)) {
    log_event(config::log_level::info, "paused: the cycle ends without starting a job",
              collection_fields(*cl.cfg, *c.cfg));
    return false;
  }
  // A removed collection's last job is followed by whoever was following it; run --once does
  // not coordinate. Waits and the end send nothing.
  if (ownership_ == nullptr || once_ || c.retired() ||
      std::holds_alternative<wait_action>(step.next) ||
      std::holds_alternative<finish_action>(step.next) ||
      ownership_->owns(ownership_key(cl.cfg->name, *c.cfg->database, c.cfg->name))) {
    return true;
  }
  log_fields f = collection_fields(*cl.cfg, *c.cfg);
  if (const auto* d = std::get_if<describe_action>(&step.next)) {
    f.job_id = d->id.value;
  }
  log_event(config::log_level::info,
            "no longer owned by this replica: stopped driving it (its owner follows the job)", f);
  return false;
}

template <class Clock>
awaitable<bool> basic_runtime<Clock>::wait_until(steady_time t) {
  timer_type timer(ex_, t);
  auto it = waits_.insert(waits_.end(), &timer);
  struct unlink {
    std::list<timer_type*>& list;
    typename std::list<timer_type*>::iterator pos;
    ~unlink() { list.erase(pos); }
  } guard{waits_, it};
  if (stopping_) {
    co_return false;
  }
  co_await timer.async_wait(use_nothrow);
  co_return !stopping_;
}

template <class Clock>
void basic_runtime<Clock>::remember_outcome(collection_runtime& c, const cycle_outcome& o) {
  c.last_kind = o.kind;
  if (once_ && c.index < once_outcomes_.size()) {
    once_outcomes_[c.index] = o;
  }
}

template <class Clock>
void basic_runtime<Clock>::after_cycle(std::size_t index, const cycle_outcome& o,
                                       wall_time started) {
  auto& c = *collections_[index];
  auto& cl = *clusters_[c.cluster];
  const wall_time now = wall_now();
  remember_outcome(c, o);
  // "after D" counts from the job's end; with no job end (API errors) from the cycle's end.
  c.last_end = o.job && o.job->end ? *o.job->end : now;
  if (o.kind == outcome_kind::unsupported || o.kind == outcome_kind::auth_failed) {
    block_cluster(c.cluster, o);
  } else if (cl.block) {
    unblock_cluster(c.cluster);
  }
  if (once_ || stopping_) {
    return;
  }
  const wall_time previous = c.slot ? c.slot->nominal : now;
  // Slots that came due while this cycle ran: the collection's own job was running.
  skip_passed_slots(c, cl, skip_reason::already_running,
                    std::max(previous, started - c.plan.known_offset()), now);
  learn_lag(c, o);
  quarantine_if_due(c, o);
  due_slot next = timed(c, next_slot(c.plan, previous, now, c.last_end, random_bits()));
  if (o.not_before) {
    const auto wait =
        std::chrono::duration_cast<std::chrono::milliseconds>(*o.not_before - Clock::now());
    next.due = std::max(next.due, now + wait);
  }
  enqueue(index, next);
  wake_dependents(index);
}

template <class Clock>
void basic_runtime<Clock>::block_cluster(std::size_t cluster, const cycle_outcome& o) {
  auto& cl = *clusters_[cluster];
  cl.block.set_prober(std::nullopt);
  log_fields f;
  f.cluster = cl.cfg->name;
  if (o.kind == outcome_kind::auth_failed && cl.cfg->token.kind != config::token_kind::literal) {
    try {
      if (cl.install_token(config::read_token(cl.cfg->token, config::process_env()))) {
        f.add("token", config::describe(cl.cfg->token));
        log_event(config::log_level::warn, "authentication failed; the token changed, retrying", f);
        if (cl.block) {
          unblock_cluster(cluster);
        }
        return;
      }
    } catch (const config::token_error& e) {
      f.add("token_error", e.what());
    }
  }
  cl.block.set(o);
  f.add("outcome", std::string(to_string(o.kind))).add("error", o.message);
  if (o.not_before) {
    const auto wait =
        std::chrono::duration_cast<std::chrono::milliseconds>(*o.not_before - Clock::now());
    f.add("retry_in", schedule::format_duration(wait));
  }
  log_event(config::log_level::error, "cluster blocked", f);
}

template <class Clock>
awaitable<std::vector<once_result>> basic_runtime<Clock>::async_run_once() {
  once_ = true;
  once_outcomes_.resize(collections_.size());
  once_timer_.expires_at(Clock::time_point::max());
  const wall_time now = wall_now();
  for (std::size_t i = 0; i < collections_.size(); ++i) {
    auto& c = *collections_[i];
    if (c.cfg->suspend || c.state.paused) {
      continue;
    }
    c.slot = due_slot{now, now};
    // A dependent waits for its upstreams of this run (docs/SCHEDULES.md "depends_on"); it is
    // counted as pending until it ends too.
    if (once_waits(i) || start_cycle(collections_[i], cycle_mode::refresh, false, "once cycle")) {
      ++once_pending_;
    }
  }
  while (once_pending_ > 0 && !stopping_) {
    co_await once_timer_.async_wait(use_nothrow);
  }
  std::vector<once_result> results;
  for (const auto& cp : collections_) {
    const auto& c = *cp;
    if (c.cfg->suspend || c.state.paused || c.index >= once_outcomes_.size() ||
        !once_outcomes_[c.index]) {
      continue;
    }
    results.push_back(once_result{clusters_[c.cluster]->cfg, c.cfg, *once_outcomes_[c.index]});
  }
  co_return results;
}

}  // namespace refreshd::daemon
