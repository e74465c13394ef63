#pragma once
// basic_runtime, part of runtime.hpp: pause, resume and quarantine (docs/OPERATIONS.md "Pause").
// A paused collection is skipped like a suspended one (its running job is followed to its end);
// the book is saved through persist_pauses at every change, before the change is answered.

#include <refreshd/cycle/pauses.hpp>
#include <refreshd/runtime/runtime.hpp>
#include <refreshd/runtime/runtime_log.hpp>

namespace refreshd::daemon {

template <class Clock>
void basic_runtime<Clock>::set_pauses(pause_book book) {
  pauses_ = std::move(book);
  apply_pauses();
}

template <class Clock>
void basic_runtime<Clock>::apply_pauses() {
  if (pauses_.empty() && paused_count_ == 0) {
    return;  // nothing paused before or now: no key to build
  }
  paused_count_ = 0;
  for (const auto& c : collections_) {
    const bool paused = pauses_.contains(lag_key(*c));
    set_paused(c->state, paused);
    paused_count_ += paused ? 1 : 0;
  }
}

template <class Clock>
const pause_record* basic_runtime<Clock>::pause_of(std::size_t index) const {
  if (!collections_[index]->state.paused) {
    return nullptr;
  }
  const auto it = pauses_.find(lag_key(*collections_[index]));
  return it == pauses_.end() ? nullptr : &it->second;
}

template <class Clock>
std::optional<std::string> basic_runtime<Clock>::save_pauses(const pause_book& next) {
  if (!persist_pauses) {
    return std::nullopt;
  }
  return persist_pauses(next);
}

template <class Clock>
std::optional<std::string> basic_runtime<Clock>::pause(std::size_t index, std::string reason,
                                                       bool quarantined) {
  auto& c = *collections_[index];
  pause_book next = pauses_;
  next[lag_key(c)] = pause_record{reason, wall_now(), quarantined};
  if (auto error = save_pauses(next)) {
    if (!quarantined) {
      return error;  // the operator is told; nothing changed
    }
    log_fields f = collection_fields(*clusters_[c.cluster]->cfg, *c.cfg);
    log_event(config::log_level::error, "quarantine not saved: it lasts until a restart",
              f.add("error", *error));
  }
  pauses_ = std::move(next);
  paused_count_ += c.state.paused ? 0 : 1;
  set_paused(c.state, true);
  log_fields f = collection_fields(*clusters_[c.cluster]->cfg, *c.cfg);
  f.add("reason", reason);
  log_event(quarantined ? config::log_level::error : config::log_level::info,
            quarantined ? "quarantined: paused until resumed" : "paused", f);
  return std::nullopt;
}

template <class Clock>
std::optional<std::string> basic_runtime<Clock>::resume(std::size_t index) {
  auto& c = *collections_[index];
  const std::string key = lag_key(c);
  if (!pauses_.contains(key)) {
    return std::nullopt;  // not paused: nothing to do
  }
  pause_book next = pauses_;
  next.erase(key);
  if (auto error = save_pauses(next)) {
    return error;
  }
  pauses_ = std::move(next);
  paused_count_ -= c.state.paused ? 1 : 0;
  set_paused(c.state, false);
  // Quarantine counts failures from here on: the next one alone does not quarantine it again.
  resumed_failures_[key] = c.state.consecutive_failures;
  log_event(config::log_level::info, "resumed",
            collection_fields(*clusters_[c.cluster]->cfg, *c.cfg));
  return std::nullopt;
}

template <class Clock>
void basic_runtime<Clock>::quarantine_if_due(collection_runtime& c, const cycle_outcome& o) {
  const int after = c.cfg->settings->quarantine_after;
  if (after <= 0 || c.state.paused || once_) {
    return;
  }
  const std::string key = lag_key(c);
  const auto base = resumed_failures_.find(key);
  if (o.kind == outcome_kind::completed && base != resumed_failures_.end()) {
    resumed_failures_.erase(base);
    return;
  }
  const int since = base == resumed_failures_.end() ? 0 : base->second;
  const int failures = c.state.consecutive_failures - since;
  if (o.kind != outcome_kind::failed || failures < after) {
    return;
  }
  (void)pause(c.index,
              "quarantined after " + std::to_string(failures) +
                  " failed refreshes in a row; last: " + c.state.last_failure_reason.str(),
              true);
}

}  // namespace refreshd::daemon
