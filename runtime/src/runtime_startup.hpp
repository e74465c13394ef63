#pragma once
// basic_runtime: construction and startup reconciliation (docs/DAEMON.md "Startup
// reconciliation"). The loop is runtime_loop.hpp, one cycle runtime_cycle.hpp. Included by
// runtime.cpp (real_clock) and runtime_mock.cpp (the mock clock).

#include <algorithm>
#include <exception>
#include <random>

#include <refreshd/config/token.hpp>
#include <refreshd/runtime/runtime.hpp>
#include <refreshd/runtime/runtime_log.hpp>

#include "runtime_loop.hpp"

namespace refreshd::daemon {

/// Hash of the cluster's tls.ca_file content, 0 without one. Throws std::invalid_argument (the
/// message names the file) when it cannot be read.
std::size_t ca_fingerprint(const config::cluster& c);

template <class Clock>
cluster_runtime<Clock>::cluster_runtime(executor ex, const config::cluster& c, cluster_client conn)
    : cfg(&c),
      remote(std::move(conn)),
      limiter(ex, token_bucket_options{.rate = c.rate_limit}),
      api(*remote.api, limiter, {},
          [this](client::operation op, std::string_view result, std::chrono::nanoseconds took) {
            requests.add(op, result);
            if (on_api_call) {
              on_api_call(op, result, took);
            }
          }),
      slots(ex, c.max_running_jobs) {}

template <class Clock>
basic_runtime<Clock>::basic_runtime(executor ex, std::shared_ptr<const config::config> cfg,
                                    runtime_options options, std::uint64_t seed)
    : ex_(ex),
      config_(std::move(cfg)),
      options_(options),
      loop_timer_(ex),
      once_timer_(ex),
      rng_(seed) {}

template <class Clock>
std::shared_ptr<basic_runtime<Clock>> basic_runtime<Clock>::create(
    executor ex, std::shared_ptr<const config::config> cfg, client_factory connect,
    runtime_options options) {
  std::uint64_t seed = options.seed;
  if (seed == 0) {
    std::random_device rd;
    seed = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  }
  auto rt = std::make_shared<basic_runtime>(ex, cfg, options, seed);
  rt->connect_ = connect;
  const auto env = config::process_env();
  for (std::size_t i = 0; i < cfg->clusters.size(); ++i) {
    const auto& c = cfg->clusters[i];
    auto token = config::read_token(c.token, env);
    const std::size_t ca = ca_fingerprint(c);
    auto conn = connect(ex, c, token);
    rt->clusters_.push_back(std::make_unique<cluster_runtime<Clock>>(ex, c, std::move(conn)));
    rt->clusters_.back()->token = config::secret_string(std::move(token));
    rt->clusters_.back()->ca_fingerprint = ca;
    for (const auto& col : c.collections) {
      rt->collections_.push_back(
          std::make_shared<collection_runtime>(i, col, make_slot_plan(c.name, col), rt->rng_()));
      rt->collections_.back()->index = rt->collections_.size() - 1;
    }
  }
  return rt;
}

template <class Clock>
void basic_runtime<Clock>::start() {
  spawn(scheduler_loop(), "scheduler loop");
  std::vector<std::size_t> all(collections_.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    all[i] = i;
  }
  reconcile_collections(all);
}

template <class Clock>
run_spreader basic_runtime<Clock>::spreader(std::size_t cluster, wall_time from) const {
  return run_spreader(from, options_.catch_up_spacing, options_.catch_up_window,
                      clusters_[cluster]->cfg->collections.size());
}

template <class Clock>
void basic_runtime<Clock>::reconcile_collections(const std::vector<std::size_t>& indices) {
  const auto n = clusters_.size();
  std::vector<std::vector<std::size_t>> per_cluster(n);
  for (const std::size_t i : indices) {
    per_cluster[collections_[i]->cluster].push_back(i);
  }
  std::vector<std::shared_ptr<startup_cursor>> cursors(n);
  for (std::size_t i = 0; i < n; ++i) {
    cursors[i] =
        std::make_shared<startup_cursor>(std::move(per_cluster[i]), spreader(i, wall_now()));
    const int workers =
        std::min<int>(options_.startup_concurrency, static_cast<int>(cursors[i]->indices.size()));
    for (int w = 0; w < workers; ++w) {
      ++startup_pending_;
      spawn(startup_worker(cursors[i]), "startup reconciliation");
    }
  }
  if (startup_pending_ == 0 && !ready_) {
    mark_ready();
  }
}

template <class Clock>
void basic_runtime<Clock>::mark_ready() {
  ready_ = true;
  log_fields f;
  f.add_number("collections", static_cast<std::int64_t>(collections_.size()));
  f.add_number("clusters", static_cast<std::int64_t>(clusters_.size()));
  log_event(config::log_level::info, "startup reconciliation done; ready", f);
  if (on_ready) {
    on_ready();
  }
}

template <class Clock>
awaitable<void> basic_runtime<Clock>::startup_worker(std::shared_ptr<startup_cursor> cur) {
  while (!stopping_ && cur->next < cur->indices.size()) {
    const std::size_t index = cur->indices[cur->next++];
    co_await reconcile(index, *cur);
  }
  if (--startup_pending_ == 0 && !stopping_ && !ready_) {
    mark_ready();
  }
}

template <class Clock>
awaitable<void> basic_runtime<Clock>::reconcile(std::size_t index, startup_cursor& cur) {
  // Held across the list: a reload may remove the collection (or renumber it) meanwhile, and an
  // admin request may start its cycle; both are checked after the resume.
  const std::shared_ptr<collection_runtime> cp = collections_[index];
  auto& c = *cp;
  auto& cl = *clusters_[c.cluster];
  if (c.cfg->suspend || cl.block) {
    // Suspended "after" schedules have no slots to count; everything else waits for its slot
    // (a blocked cluster's collections then take the cluster's outcome).
    if (!c.cfg->suspend || !c.plan.is_after()) {
      enqueue(index, first_slot(c.plan, wall_now(), std::nullopt, random_bits()));
    }
    co_return;
  }
  log_event(config::log_level::debug, "startup: listing jobs", collection_fields(*cl.cfg, *c.cfg));
  client::list_request request{c.cfg->database, c.cfg->name, daemon_list_records};
  ++cl.users;  // a reload retires (keeps) the cluster until the list is answered
  auto listed = co_await cl.api.async_list(std::move(request));
  --cl.users;
  if (stopping_ || c.retired_config || c.index == collection_runtime::retired_index || c.running) {
    // Stopping; removed by a reload; or a cycle started meanwhile (an admin request): it lists
    // first itself and schedules the next slot when it ends.
    co_return;
  }
  index = c.index;
  if (clusters_[c.cluster].get() != &cl) {
    enqueue(index, first_slot(c.plan, wall_now(), std::nullopt, random_bits()));
    co_return;  // the connection was replaced: the next slot goes through the new one
  }
  const wall_time now = wall_now();
  if (!listed) {
    on_startup_list_error(c, listed.error());
    enqueue(index, first_slot(c.plan, now, std::nullopt, random_bits()));
    co_return;
  }
  const startup_decision d =
      decide_startup(c.plan, c.cfg->name, *listed, now, cur.spread, random_bits());
  if (d.what == startup_decision::action::adopt) {
    start_cycle(cp, cycle_mode::observe, true, "adopted cycle");
    co_return;
  }
  if (d.newest) {
    cycle_outcome seen;
    seen.kind = outcome_kind::idle;
    seen.job = d.newest;
    apply(c.state, seen);
    c.last_end = d.newest->end;
  }
  if (d.what == startup_decision::action::catch_up) {
    log_fields f = collection_fields(*cl.cfg, *c.cfg);
    f.add("slot", schedule::format_utc(d.slot.nominal)).add("at", schedule::format_utc(d.slot.due));
    log_event(config::log_level::info, "catch-up run scheduled for a missed slot", f);
  }
  enqueue(index, d.slot);
}

template <class Clock>
void basic_runtime<Clock>::on_startup_list_error(collection_runtime& c,
                                                 const client::api_error& e) {
  auto& cl = *clusters_[c.cluster];
  log_fields f = collection_fields(*cl.cfg, *c.cfg);
  f.add("class", std::string(client::to_string(e.kind))).add("error", client::describe_error(e));
  log_event(config::log_level::warn, "startup list failed; scheduling without catch-up", f);
  if (e.kind != client::error_class::unsupported &&
      e.kind != client::error_class::unauthenticated) {
    return;
  }
  const auto params = c.cycle.params();
  cycle_outcome o;
  o.kind = e.kind == client::error_class::unsupported ? outcome_kind::unsupported
                                                      : outcome_kind::auth_failed;
  o.error = e;
  o.message = client::describe_error(e);
  o.not_before = Clock::now() + (o.kind == outcome_kind::unsupported ? params.unsupported_retry
                                                                     : params.auth_backoff_min);
  apply(c.state, o);
  block_cluster(c.cluster, o);
}

}  // namespace refreshd::daemon
