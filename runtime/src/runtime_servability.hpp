#pragma once
// basic_runtime, part of runtime.hpp: ready_when (docs/CYCLE.md "ready_when"). A completed
// refresh of a collection with `ready_when: indexed` or `loaded` waits here, inside its cycle
// (it keeps its job slot), until servability_check says servable, failed or gave up.

#include <refreshd/cycle/servability.hpp>
#include <refreshd/runtime/runtime.hpp>

namespace refreshd::daemon {

template <class Clock>
bool basic_runtime<Clock>::awaits_servability(const collection_runtime& c,
                                              const cluster_runtime<Clock>& cl) const {
  return c.cfg->settings->ready_when != config::ready_condition::completed &&
         !cl.servability_absent;
}

template <class Clock>
awaitable<void> basic_runtime<Clock>::follow_servability(collection_runtime& c,
                                                         cluster_runtime<Clock>& cl,
                                                         cycle_outcome& o) {
  const cycle_params p = make_cycle_params(c.cfg->settings);
  servability_check check(client::collection_ref{*c.cfg->database, c.cfg->name},
                          servability_params{c.cfg->settings->ready_when, p.poll, p.timeout,
                                             p.error_backoff_initial, p.error_backoff_max});
  const steady_time began = Clock::now();
  servability_action next = check.start(now());
  for (;;) {
    c.state.ready =
        check.phase() == servability_phase::loading ? ready_stage::loading : ready_stage::indexing;
    c.state.ready_progress = static_cast<std::uint8_t>(check.progress());
    if (stopping_) {
      co_return;  // the state stays as it was seen
    }
    if (ownership_ != nullptr && !once_ && !drives(c.index)) {
      // Handed off (docs/COORDINATION.md): the new owner does not follow this wait; here the
      // collection is idle again, its last_success unchanged.
      release_servability(c.state);
      co_return;
    }
    if (const auto* l = std::get_if<index_list_action>(&next)) {
      auto target = l->target;  // named: g++ 12 and temporaries in co_await
      auto r = co_await cl.api.async_index_list(std::move(target));
      next = check.on_index_list(r, now());
    } else if (const auto* d = std::get_if<index_describe_action>(&next)) {
      auto target = d->target;
      auto index = d->index;
      auto r = co_await cl.api.async_index_describe(std::move(target), std::move(index));
      next = check.on_index_describe(r, now());
    } else if (const auto* s = std::get_if<load_state_action>(&next)) {
      auto target = s->target;
      auto r = co_await cl.api.async_load_state(std::move(target));
      next = check.on_load_state(r, now());
    } else if (const auto* w = std::get_if<servability_wait>(&next)) {
      if (!co_await wait_until(w->until)) {
        co_return;
      }
      next = check.on_timer(now());
    } else {
      settle_servability(c, cl, o, std::get<servability_result>(next), Clock::now() - began);
      co_return;
    }
  }
}

template <class Clock>
void basic_runtime<Clock>::settle_servability(collection_runtime& c, cluster_runtime<Clock>& cl,
                                              cycle_outcome& o, const servability_result& r,
                                              steady_time::duration waited) {
  log_fields f = collection_fields(*cl.cfg, *c.cfg);
  f.add("ready_when", std::string(config::to_string(c.cfg->settings->ready_when)));
  f.add_number("waited_ms", std::chrono::duration_cast<std::chrono::milliseconds>(waited).count());
  const wall_time at = wall_now();
  using kind = servability_result::kind;
  if (r.what == kind::ready || r.what == kind::degraded) {
    mark_servable(c.state, at, r.what == kind::degraded);
    if (r.what == kind::ready) {
      log_event(config::log_level::info, "refresh servable", f);
    } else if (!std::exchange(cl.servability_absent, true)) {
      f.add("error", r.message);
      log_event(config::log_level::warn,
                "ready_when degrades to completed on this cluster: it has no index or load "
                "routes (HTTP 404)",
                f);
    }
    return;
  }
  mark_not_servable(c.state, at, r.message);
  o.kind = r.what == kind::not_loaded ? outcome_kind::misconfigured
           : r.what == kind::failed   ? outcome_kind::failed
                                      : outcome_kind::gave_up;
  o.message = r.message;
  o.error = r.error;
  f.add("reason", r.message);
  log_event(config::log_level::warn, "refresh completed but not servable", f);
}

}  // namespace refreshd::daemon
