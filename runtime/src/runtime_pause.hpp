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
  // A quarantine whose save has not completed is not in the store's book yet: kept.
  for (const auto& [key, r] : pauses_) {
    if (!r.saved) {
      book.try_emplace(key, r);
    }
  }
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
    const std::string key = key_of(*c);
    const bool paused = pauses_.contains(key);
    if (c->state.paused && !paused) {
      // Resumed elsewhere (another replica, a reload): quarantine counts again from here.
      resumed_failures_[key] = c->state.consecutive_failures;
    }
    set_paused(c->state, paused);
    paused_count_ += paused ? 1 : 0;
  }
}

template <class Clock>
const pause_record* basic_runtime<Clock>::pause_of(std::size_t index) const {
  if (!collections_[index]->state.paused) {
    return nullptr;
  }
  const auto it = pauses_.find(key_of(*collections_[index]));
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
void basic_runtime<Clock>::record_pause(const std::string& key, pause_record r) {
  pauses_[key] = std::move(r);
  apply_pauses();
}

template <class Clock>
awaitable<std::optional<std::string>> basic_runtime<Clock>::async_pause(std::size_t index,
                                                                        std::string reason) {
  auto self = this->shared_from_this();
  // Named before the wait: a reload meanwhile may move or remove the collection (and free the
  // config its names point into).
  const auto cp = collections_[index];
  const std::string key = key_of(*cp);
  log_fields f = collection_fields(*clusters_[cp->cluster]->cfg, *cp->cfg);
  f.add("reason", reason);
  const pause_record r{std::move(reason), wall_now(), false};
  // Named: no temporary in a co_await (a g++ 12 coroutine bug frees those twice).
  std::string saved_key = key;
  std::optional<pause_record> saved = r;
  if (auto error = co_await save_pause(std::move(saved_key), std::move(saved))) {
    co_return error;  // the operator is told; nothing changed
  }
  record_pause(key, r);  // kept by key: it applies to whatever collection has it now
  log_event(config::log_level::info, "paused", f);
  co_return std::nullopt;
}

template <class Clock>
awaitable<std::optional<std::string>> basic_runtime<Clock>::async_resume(std::size_t index) {
  auto self = this->shared_from_this();
  const auto cp = collections_[index];
  const std::string key = key_of(*cp);
  const log_fields f = collection_fields(*clusters_[cp->cluster]->cfg, *cp->cfg);
  // Saved even when this replica does not know the pause: another replica may have made it
  // (etcd) a moment ago, and a delete of nothing is harmless.
  std::string saved_key = key;
  std::optional<pause_record> none;
  if (auto error = co_await save_pause(std::move(saved_key), std::move(none))) {
    co_return error;
  }
  if (pauses_.erase(key) > 0) {
    apply_pauses();  // also restarts the quarantine count
    log_event(config::log_level::info, "resumed", f);
  }
  co_return std::nullopt;
}

template <class Clock>
void basic_runtime<Clock>::quarantine_if_due(collection_runtime& c, const cycle_outcome& o) {
  const int after = c.cfg->settings->quarantine_after;
  if (after <= 0 || c.state.paused || once_) {
    return;
  }
  const std::string key = key_of(c);
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
                 wall_now(), true, false};
  log_fields f = collection_fields(*clusters_[c.cluster]->cfg, *c.cfg);
  f.add("reason", r.reason);
  log_event(config::log_level::error, "quarantined: paused until resumed", f);
  record_pause(key, r);
  spawn(quarantine_saved(key, std::move(r), std::move(f)), "save quarantine");
}

template <class Clock>
awaitable<void> basic_runtime<Clock>::quarantine_saved(std::string key, pause_record r,
                                                       log_fields f) {
  r.saved = true;
  // Named: no temporary in a co_await (a g++ 12 coroutine bug frees those twice).
  std::string saved_key = key;
  std::optional<pause_record> saved = std::move(r);
  if (auto error = co_await save_pause(std::move(saved_key), std::move(saved))) {
    f.add("error", *error);
    log_event(config::log_level::error, "quarantine not saved: it lasts until a restart", f);
    co_return;
  }
  if (auto it = pauses_.find(key); it != pauses_.end() && it->second.quarantined) {
    it->second.saved = true;  // from now on the store's book has it
  }
}

}  // namespace refreshd::daemon
