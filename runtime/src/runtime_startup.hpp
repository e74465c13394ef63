#pragma once
// basic_runtime: construction and startup reconciliation (docs/DAEMON.md "Startup
// reconciliation"). The loop is runtime_loop.hpp, one cycle runtime_cycle.hpp. Included by
// runtime.cpp (real_clock) and runtime_mock.cpp (the mock clock).

#include <algorithm>
#include <exception>
#include <random>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

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
  // Exactly one entry per collection, here and in the queue (docs/DAEMON.md "Memory"): a
  // doubling vector leaves up to half of it unused.
  std::size_t total = 0;
  for (const auto& c : cfg->clusters) {
    total += c.collections.size();
  }
  rt->collections_.reserve(total);
  rt->queue_.reserve(total);
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
  rt->link_dependencies();
  rt->apply_pauses();
  return rt;
}

template <class Clock>
void basic_runtime<Clock>::start() {
  spawn(scheduler_loop(), "scheduler loop");
  if (ownership_ != nullptr) {
    // Under coordination nothing is listed before it is claimed (ownership_gained): every
    // collection waits for its first slot, and is driven only if owned by then.
    for (const auto& c : collections_) {
      schedule_unlisted(*c);
    }
    mark_ready();
    return;
  }
  std::vector<std::size_t> all(collections_.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    all[i] = i;
  }
  reconcile_collections(all);
}

template <class Clock>
void basic_runtime<Clock>::ownership_gained(const std::vector<std::string>& keys) {
  if (stopping_ || !ready_ || once_) {
    return;
  }
  const std::unordered_set<std::string_view> gained(keys.begin(), keys.end());
  std::vector<std::size_t> indices;
  for (const auto& cp : collections_) {
    const auto& c = *cp;
    if (!c.running && gained.contains(ownership_key(clusters_[c.cluster]->cfg->name,
                                                    *c.cfg->database, c.cfg->name))) {
      indices.push_back(c.index);
    }
  }
  if (!indices.empty()) {
    reconcile_collections(indices);
  }
}

template <class Clock>
bool basic_runtime<Clock>::drives(std::size_t index) const {
  if (ownership_ == nullptr) {
    return true;
  }
  const auto& c = *collections_[index];
  return ownership_->owns(
      ownership_key(clusters_[c.cluster]->cfg->name, *c.cfg->database, c.cfg->name));
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
  for (std::size_t i = 0; i < n; ++i) {
    auto cursor =
        std::make_shared<startup_cursor>(startup_tasks(per_cluster[i]), spreader(i, wall_now()));
    add_startup_workers(cursor);
  }
  if (startup_pending_ == 0 && !ready_) {
    mark_ready();
  }
}

template <class Clock>
auto basic_runtime<Clock>::startup_tasks(const std::vector<std::size_t>& indices) const
    -> std::vector<startup_task> {
  // docs/DAEMON.md "Startup reconciliation": one list per database, in configuration order.
  std::vector<startup_task> tasks;
  std::vector<std::pair<std::string_view, std::size_t>> databases;  // name, task
  for (const std::size_t i : indices) {
    const auto& cfg = *collections_[i]->cfg;
    auto it = std::find_if(databases.begin(), databases.end(),
                           [&](const auto& d) { return d.first == *cfg.database; });
    if (cfg.suspend || it == databases.end()) {
      if (!cfg.suspend) {
        databases.emplace_back(*cfg.database, tasks.size());
      }
      tasks.push_back(startup_task{{i}, false});
    } else {
      tasks[it->second].indices.push_back(i);
    }
  }
  for (auto& t : tasks) {
    t.whole_database = t.indices.size() > 1;  // a suspended collection's task stays alone
  }
  return tasks;
}

template <class Clock>
void basic_runtime<Clock>::add_startup_workers(const std::shared_ptr<startup_cursor>& cur) {
  // Re-read each time: a worker may run (and take tasks) before spawn() returns.
  while (cur->workers < options_.startup_concurrency && cur->next < cur->tasks.size()) {
    ++cur->workers;
    ++startup_pending_;
    spawn(startup_worker(cur), "startup reconciliation");
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
  while (!stopping_ && cur->next < cur->tasks.size()) {
    startup_task task = std::move(cur->tasks[cur->next++]);  // tasks may grow meanwhile
    if (task.whole_database) {
      co_await reconcile_database(std::move(task.indices), cur);
    } else {
      co_await reconcile(task.indices.front(), *cur);
    }
  }
  --cur->workers;
  if (--startup_pending_ == 0 && !stopping_) {
    if (!ready_) {
      mark_ready();
    }
    for (const std::size_t u : deps_.upstreams_of_any()) {
      wake_dependents(u);  // every list is in: each dependent decided on what it knows now
    }
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
    schedule_unlisted(c);
    co_return;
  }
  log_event(config::log_level::debug, "startup: listing jobs", collection_fields(*cl.cfg, *c.cfg));
  client::list_request request{c.cfg->database, c.cfg->name, daemon_list_records};
  ++cl.users;  // a reload retires (keeps) the cluster until the list is answered
  auto listed = co_await cl.api.async_list(std::move(request));
  --cl.users;
  settle_startup(cp, cl, listed, cur);
}

template <class Clock>
awaitable<void> basic_runtime<Clock>::reconcile_database(std::vector<std::size_t> indices,
                                                         std::shared_ptr<startup_cursor> cur) {
  std::vector<std::shared_ptr<collection_runtime>> members;
  client::list_request request;
  for (const std::size_t i : indices) {
    members.push_back(collections_[i]);
    request.only.push_back(members.back()->cfg->name);
  }
  std::sort(request.only.begin(), request.only.end());
  auto& cl = *clusters_[members.front()->cluster];
  request.database = members.front()->cfg->database;
  log_fields f;
  f.add("cluster", cl.cfg->name).add("database", request.database);
  f.add_number("collections", static_cast<std::int64_t>(members.size()));
  if (cl.block) {
    for (const auto& m : members) {
      schedule_unlisted(*m);
    }
    co_return;
  }
  log_event(config::log_level::debug, "startup: listing the jobs of a database", f);
  ++cl.users;
  auto listed = co_await cl.api.async_list(std::move(request));
  --cl.users;
  if (stopping_) {
    co_return;
  }
  if (!listed) {
    f.add("class", std::string(client::to_string(listed.error().kind)))
        .add("error", client::describe_error(listed.error()));
    const auto kind = listed.error().kind;
    if (kind == client::error_class::unsupported || kind == client::error_class::unauthenticated) {
      settle_startup(members.front(), cl, listed, *cur);  // blocks the cluster
      for (std::size_t i = 1; i < members.size(); ++i) {
        if (!startup_moot(*members[i])) {
          schedule_unlisted(*members[i]);  // as collections listed after a block
        }
      }
      co_return;
    }
    // Too large an answer, or any other failure: each collection lists its own jobs.
    log_event(config::log_level::warn, "startup database list failed; listing per collection", f);
    for (const std::size_t i : indices) {
      cur->tasks.push_back(startup_task{{i}, false});
    }
    add_startup_workers(cur);
    co_return;
  }
  std::unordered_map<std::string, std::vector<client::job_info>> by_name;  // newest first
  for (auto& j : *listed) {
    by_name[j.collection_name].push_back(std::move(j));
  }
  for (const auto& m : members) {
    auto it = by_name.find(m->cfg->name);
    settle_startup(
        m, cl, it == by_name.end() ? std::vector<client::job_info>{} : std::move(it->second), *cur);
  }
}

template <class Clock>
bool basic_runtime<Clock>::startup_moot(const collection_runtime& c) const {
  // Stopping; removed by a reload; or a cycle started meanwhile (an admin request): it lists
  // first itself and schedules the next slot when it ends.
  return stopping_ || c.retired() || c.running;
}

template <class Clock>
void basic_runtime<Clock>::schedule_unlisted(collection_runtime& c) {
  // Suspended "after" schedules have no slots to count; everything else waits for its slot
  // (a blocked cluster's collections then take the cluster's outcome).
  if (!c.cfg->suspend || !c.plan.is_after()) {
    enqueue(c.index, timed(c, first_slot(c.plan, wall_now(), std::nullopt, random_bits())));
  }
}

template <class Clock>
void basic_runtime<Clock>::settle_startup(
    const std::shared_ptr<collection_runtime>& cp, const cluster_runtime<Clock>& cl,
    const client::api_result<std::vector<client::job_info>>& listed, startup_cursor& cur) {
  auto& c = *cp;
  if (startup_moot(c)) {
    return;
  }
  const std::size_t index = c.index;
  if (clusters_[c.cluster].get() != &cl) {
    enqueue(index, first_slot(c.plan, wall_now(), std::nullopt, random_bits()));
    return;  // the connection was replaced: the next slot goes through the new one
  }
  const wall_time now = wall_now();
  if (!listed) {
    on_startup_list_error(c, listed.error());
    enqueue(index, first_slot(c.plan, now, std::nullopt, random_bits()));
    return;
  }
  const startup_decision d =
      decide_startup(c.plan, c.cfg->name, *listed, now, cur.spread, random_bits());
  if (d.what == startup_decision::action::adopt) {
    // The slot queued meanwhile (a collection another replica drove waits for its next one) is
    // still to come: the adopted job ran for none of this replica's slots. Dropped, as at
    // startup; the cycle's end schedules the next slot from its own end.
    c.slot.reset();
    ++c.generation;
    start_cycle(cp, cycle_mode::observe, true, "adopted cycle");
    return;
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
  enqueue(index, timed(c, d.slot));
  wake_dependents(index);  // its newest job may be what they wait for
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
  const auto params = make_cycle_params(c.cfg->settings);
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
