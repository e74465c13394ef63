#pragma once
// basic_runtime, part of runtime.hpp: target_lag (docs/SCHEDULES.md "target_lag"). A collection
// timed by lag is due when its data would reach the target age as the refresh lands
// (cycle/target_lag.hpp); the expected duration is learned from its own refreshes, trigger to
// ready (ready_when's moment).

#include <refreshd/cycle/target_lag.hpp>
#include <refreshd/runtime/ownership.hpp>
#include <refreshd/runtime/runtime.hpp>

namespace refreshd::daemon {

template <class Clock>
std::string basic_runtime<Clock>::key_of(const collection_runtime& c) const {
  return ownership_key(clusters_[c.cluster]->cfg->name, *c.cfg->database, c.cfg->name);
}

template <class Clock>
std::optional<std::chrono::milliseconds> basic_runtime<Clock>::expected_duration(
    std::size_t index) const {
  const auto& c = *collections_.at(index);
  if (!c.plan.is_lag()) {
    return std::nullopt;
  }
  const auto it = lag_estimates_.find(key_of(c));
  const auto target = c.plan.rules->target_lag;
  return it == lag_estimates_.end() ? target / 2 : it->second.expected(target);
}

template <class Clock>
due_slot basic_runtime<Clock>::timed(const collection_runtime& c, due_slot planned) const {
  if (c.plan.is_dependent()) {
    return upstream_timed(c, planned);
  }
  if (!c.plan.is_lag() || once_) {
    return planned;
  }
  const auto& r = *c.plan.rules;
  const wall_time t = lag_due(wall_now(), c.state.last_success, c.state.last_trigger, r.target_lag,
                              r.min_interval, *expected_duration(c.index));
  return due_slot{t, t};
}

template <class Clock>
void basic_runtime<Clock>::learn_lag(const collection_runtime& c, const cycle_outcome& o) {
  const auto& s = c.state;
  // Only refreshes this replica triggered: an adopted job's start is not known here.
  if (!c.plan.is_lag() || o.kind != outcome_kind::completed || o.triggers == 0 || !s.last_success ||
      !s.last_trigger || *s.last_success < *s.last_trigger) {
    return;
  }
  lag_estimates_[key_of(c)].add(*s.last_success - *s.last_trigger);
}

}  // namespace refreshd::daemon
