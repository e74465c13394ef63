#pragma once
// basic_runtime, part of runtime.hpp: pause, resume and quarantine (docs/OPERATIONS.md "Pause").
// A paused collection is skipped like a suspended one (its running job is followed to its end);
// an operator's change is saved through persist_pause before it takes effect and is answered.

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
awaitable<std::optional<std::string>> basic_runtime<Clock>::save_pause(
    std::string key, std::optional<pause_record> record) {
  if (!persist_pause) {
    co_return std::nullopt;
  }
  co_return co_await persist_pause(std::move(key), std::move(record));
}

template <class Clock>
void basic_runtime<Clock>::record_pause(collection_runtime& c, pause_record r) {
  log_fields f = collection_fields(*clusters_[c.cluster]->cfg, *c.cfg);
  f.add("reason", r.reason);
  log_event(r.quarantined ? config::log_level::error : config::log_level::info,
            r.quarantined ? "quarantined: paused until resumed" : "paused", f);
  pauses_[lag_key(c)] = std::move(r);
  paused_count_ += c.state.paused ? 0 : 1;
  set_paused(c.state, true);
}

template <class Clock>
awaitable<std::optional<std::string>> basic_runtime<Clock>::async_pause(std::size_t index,
                                                                        std::string reason) {
  auto self = this->shared_from_this();
  // Held across the wait: a reload meanwhile may move or remove the collection.
  auto cp = collections_[index];
  pause_record r{std::move(reason), wall_now(), false};
  // Named: no temporary in a co_await (a g++ 12 coroutine bug frees those twice).
  std::string key = lag_key(*cp);
  std::optional<pause_record> saved = r;
  if (auto error = co_await save_pause(std::move(key), std::move(saved))) {
    co_return error;  // the operator is told; nothing changed
  }
  if (!cp->retired()) {
    record_pause(*cp, std::move(r));
  }
  co_return std::nullopt;
}

template <class Clock>
awaitable<std::optional<std::string>> basic_runtime<Clock>::async_resume(std::size_t index) {
  auto self = this->shared_from_this();
  auto cp = collections_[index];
  const std::string key = lag_key(*cp);
  if (!pauses_.contains(key)) {
    co_return std::nullopt;  // not paused: nothing to do
  }
  std::optional<pause_record> none;
  if (auto error = co_await save_pause(key, std::move(none))) {
    co_return error;
  }
  pauses_.erase(key);
  if (cp->retired()) {
    co_return std::nullopt;
  }
  auto& c = *cp;
  paused_count_ -= c.state.paused ? 1 : 0;
  set_paused(c.state, false);
  // Quarantine counts failures from here on: the next one alone does not quarantine it again.
  resumed_failures_[key] = c.state.consecutive_failures;
  log_event(config::log_level::info, "resumed",
            collection_fields(*clusters_[c.cluster]->cfg, *c.cfg));
  co_return std::nullopt;
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
  // Paused at once (no further trigger), saved in the background: a quarantine that cannot be
  // saved lasts until a restart, and the log says so.
  pause_record r{"quarantined after " + std::to_string(failures) +
                     " failed refreshes in a row; last: " + c.state.last_failure_reason.str(),
                 wall_now(), true};
  record_pause(c, r);
  spawn(quarantine_saved(key, std::move(r), collection_fields(*clusters_[c.cluster]->cfg, *c.cfg)),
        "save quarantine");
}

template <class Clock>
awaitable<void> basic_runtime<Clock>::quarantine_saved(std::string key, pause_record r,
                                                       log_fields f) {
  if (auto error = co_await save_pause(std::move(key), std::move(r))) {
    f.add("error", *error);
    log_event(config::log_level::error, "quarantine not saved: it lasts until a restart", f);
  }
}

}  // namespace refreshd::daemon
