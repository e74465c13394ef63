#pragma once
// basic_runtime, part of runtime.hpp: depends_on (docs/SCHEDULES.md "depends_on"). A dependent
// refreshes once every upstream became ready after its own last refresh started
// (cycle/dependencies.hpp); an upstream's end wakes its dependents, and a dependent that is not
// ready re-checks at its plan's pace ("after min_interval", 1m by default) meanwhile.

#include <refreshd/cycle/dependencies.hpp>
#include <refreshd/runtime/runtime.hpp>
#include <refreshd/runtime/runtime_log.hpp>

namespace refreshd::daemon {

template <class Clock>
void basic_runtime<Clock>::link_dependencies() {
  deps_.clear();
  const bool any = std::any_of(collections_.begin(), collections_.end(),
                               [](const auto& c) { return c->plan.is_dependent(); });
  if (!any) {
    return;  // nothing to index: a config without depends_on pays for no key
  }
  std::vector<std::string> keys;
  std::vector<const std::vector<std::string>*> depends;
  keys.reserve(collections_.size());
  depends.reserve(collections_.size());
  for (const auto& c : collections_) {
    keys.push_back(key_of(*c));
    depends.push_back(c->plan.is_dependent() ? &c->cfg->settings->depends_on : nullptr);
  }
  deps_.build(keys, depends);
}

template <class Clock>
upstream_gate basic_runtime<Clock>::upstream_state(std::size_t index) const {
  const auto ups = deps_.upstreams(index);
  std::vector<const collection_state*> states;
  states.reserve(ups.size());
  for (const std::size_t u : ups) {
    states.push_back(&collections_[u]->state);
  }
  upstream_gate g = check_upstreams(consumed_at(collections_[index]->state), states);
  g.upstream = ups.empty() ? index : ups[g.upstream];
  return g;
}

template <class Clock>
due_slot basic_runtime<Clock>::upstream_timed(const collection_runtime& c, due_slot planned) const {
  if (!c.plan.is_dependent() || once_ || upstream_state(c.index).wait != upstream_wait::ready) {
    return planned;  // not ready: the plan's re-check, unless an upstream's end wakes it first
  }
  wall_time t = wall_now();
  if (const auto consumed = consumed_at(c.state)) {
    t = std::max(t, *consumed + c.plan.rules->min_interval);
  }
  return due_slot{t, t};
}

template <class Clock>
bool basic_runtime<Clock>::upstreams_allow(std::size_t index) {
  const auto& c = *collections_[index];
  if (!c.plan.is_dependent()) {
    return true;
  }
  const upstream_gate g = upstream_state(index);
  if (deps_.note_held(index, g.wait == upstream_wait::held)) {
    const auto& u = *collections_[g.upstream];
    log_fields f = collection_fields(*clusters_[c.cluster]->cfg, *c.cfg);
    if (g.wait == upstream_wait::held) {
      f.add("upstream", key_of(u)).add("upstream_status", std::string(to_string(u.state.current)));
      log_event(config::log_level::warn, "held: an upstream's last refresh failed", f);
    } else {
      log_event(config::log_level::info, "no longer held by a failed upstream", f);
    }
  }
  return g.wait == upstream_wait::ready;
}

template <class Clock>
void basic_runtime<Clock>::wake_dependents(std::size_t upstream) {
  // While lists are being read (startup, a claim, collections added by a reload) a dependent
  // may not know its own newest job yet: all are decided when the last list is in
  // (startup_worker).
  if (once_ || stopping_ || startup_pending_ > 0) {
    return;
  }
  for (const std::size_t d : deps_.dependents(upstream)) {
    auto& c = *collections_[d];
    if (c.running || !upstreams_allow(d)) {
      continue;
    }
    due_slot next = upstream_timed(c, c.slot ? *c.slot : due_slot{wall_now(), wall_now()});
    const bool error = c.last_kind && *c.last_kind != outcome_kind::completed &&
                       *c.last_kind != outcome_kind::failed && *c.last_kind != outcome_kind::idle;
    if (error && c.slot) {
      next.due = std::max(next.due, c.slot->due);  // its own error's backoff still holds
    }
    enqueue(d, next);
  }
}

/// run --once: an upstream of this run (not suspended, not paused) has not ended yet.
template <class Clock>
bool basic_runtime<Clock>::once_waits(std::size_t index) const {
  for (const std::size_t u : deps_.upstreams(index)) {
    const auto& up = *collections_[u];
    if (!up.cfg->suspend && !up.state.paused && !once_outcomes_[u]) {
      return true;
    }
  }
  return false;
}

/// run --once: `ended` is done (its cycle ended, or it was not refreshed); each dependent it
/// freed starts, or, when one of its upstreams did not complete, is done at once as not
/// refreshed (and frees its own dependents in turn).
template <class Clock>
void basic_runtime<Clock>::once_ended(const collection_runtime& ended) {
  const auto dependents =
      ended.retired() ? std::span<const std::size_t>() : deps_.dependents(ended.index);
  for (const std::size_t d : dependents) {
    auto& c = *collections_[d];
    if (c.running || once_outcomes_[d] || c.cfg->suspend || c.state.paused || once_waits(d)) {
      continue;
    }
    std::optional<std::size_t> failed;
    for (const std::size_t u : deps_.upstreams(d)) {
      if (once_outcomes_[u] && once_outcomes_[u]->kind != outcome_kind::completed) {
        failed = u;
      }
    }
    if (!failed) {
      start_cycle(collections_[d], cycle_mode::refresh, false, "once cycle");
      continue;
    }
    cycle_outcome held;
    held.kind = outcome_kind::gave_up;
    held.message =
        "not refreshed: upstream " + key_of(*collections_[*failed]) + " did not complete";
    once_outcomes_[d] = held;
    once_ended(c);
  }
  if (--once_pending_ == 0) {
    once_timer_.cancel();
  }
}

}  // namespace refreshd::daemon
