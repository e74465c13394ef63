#pragma once
// basic_runtime: applying a reloaded configuration per collection (docs/DAEMON.md "Reload";
// docs/DAEMON.md, "Reload"), and dropping what a reload removed once nothing uses it any more.

#include <map>
#include <tuple>

#include <refreshd/config/token.hpp>
#include <refreshd/runtime/runtime_log.hpp>

#include "runtime_admin.hpp"
#include "runtime_impl.hpp"

namespace refreshd::daemon {

namespace reload_detail {

/// The settings a cluster's connection is built from: a change needs a new connection.
inline bool same_connection(const config::cluster& a, const config::cluster& b) {
  return a.endpoint == b.endpoint && a.tls == b.tls && a.request_timeout == b.request_timeout &&
         a.token == b.token;
}

/// The settings a collection's slot plan is built from.
inline bool same_plan(const config::collection& a, const config::collection& b) {
  const auto& x = a.settings;
  const auto& y = b.settings;
  return x.schedule == y.schedule && x.timezone == y.timezone && x.jitter == y.jitter &&
         x.jitter_mode == y.jitter_mode && x.catch_up == y.catch_up &&
         x.starting_deadline == y.starting_deadline;
}

using collection_key = std::tuple<std::string, std::string, std::string>;

}  // namespace reload_detail

template <class Clock>
reload_summary basic_runtime<Clock>::apply_config(std::shared_ptr<const config::config> next) {
  using reload_detail::collection_key;
  reload_summary summary;
  // Phase 1: everything that may fail (tokens, connections, schedules), before any change.
  const auto env = config::process_env();
  std::map<std::string, std::size_t> old_cluster_by_name;
  std::vector<std::string> old_cluster_names;
  for (std::size_t i = 0; i < clusters_.size(); ++i) {
    old_cluster_by_name.emplace(clusters_[i]->cfg->name, i);
    old_cluster_names.push_back(clusters_[i]->cfg->name);
  }
  struct cluster_plan {
    std::optional<std::size_t> reuse;  // index into clusters_
    std::unique_ptr<cluster_runtime<Clock>> fresh;
    std::string token;
    std::size_t ca = 0;  // the CA file's fingerprint
  };
  std::vector<cluster_plan> cplans(next->clusters.size());
  for (std::size_t i = 0; i < next->clusters.size(); ++i) {
    const auto& nc = next->clusters[i];
    auto& p = cplans[i];
    p.token = config::read_token(nc.token, env);  // token files are re-read on every reload
    p.ca = ca_fingerprint(nc);                    // and CA files: a changed one reconnects
    const auto it = old_cluster_by_name.find(nc.name);
    if (it != old_cluster_by_name.end() &&
        reload_detail::same_connection(*clusters_[it->second]->cfg, nc) &&
        clusters_[it->second]->ca_fingerprint == p.ca) {
      p.reuse = it->second;
    } else {
      auto conn = connect_(ex_, nc, p.token);
      p.fresh = std::make_unique<cluster_runtime<Clock>>(ex_, nc, std::move(conn));
      p.fresh->token = config::secret_string(p.token);
      p.fresh->ca_fingerprint = p.ca;
    }
  }
  std::map<collection_key, std::size_t> old_by_key;
  for (std::size_t i = 0; i < collections_.size(); ++i) {
    const auto& c = *collections_[i];
    old_by_key.emplace(collection_key{old_cluster_names[c.cluster], c.cfg->database, c.cfg->name},
                       i);
  }
  struct collection_plan {
    std::size_t cluster = 0;
    const config::collection* cfg = nullptr;
    std::optional<std::size_t> reuse;  // index into collections_
    std::optional<slot_plan> plan;     // a new plan (added, or its schedule changed)
  };
  std::vector<collection_plan> plans;
  std::vector<bool> kept(collections_.size(), false);
  for (std::size_t ci = 0; ci < next->clusters.size(); ++ci) {
    const auto& nc = next->clusters[ci];
    for (const auto& col : nc.collections) {
      collection_plan p;
      p.cluster = ci;
      p.cfg = &col;
      const auto it = old_by_key.find(collection_key{nc.name, col.database, col.name});
      if (it != old_by_key.end()) {
        p.reuse = it->second;
        kept[it->second] = true;
      }
      if (!p.reuse || !reload_detail::same_plan(*collections_[*p.reuse]->cfg, col)) {
        p.plan = make_slot_plan(nc.name, col);
      }
      plans.push_back(std::move(p));
    }
  }

  // Phase 2: apply (nothing below throws).
  if (next->listen != config_->listen) {
    summary.needs_restart.push_back("listen: " + config::to_string(config_->listen) + " -> " +
                                    config::to_string(next->listen) + " (kept until a restart)");
  }
  const auto retire_cluster = [&](std::unique_ptr<cluster_runtime<Clock>> cl) {
    if (cl->users > 0) {
      cl->retired_config = config_;
      retired_clusters_.push_back(std::move(cl));
    }  // else: nothing uses it, it goes now
  };
  std::vector<std::unique_ptr<cluster_runtime<Clock>>> clusters;
  std::vector<bool> cluster_taken(clusters_.size(), false);
  std::vector<bool> cluster_fresh(next->clusters.size(), false);
  for (std::size_t i = 0; i < next->clusters.size(); ++i) {
    const auto& nc = next->clusters[i];
    auto& p = cplans[i];
    if (p.reuse) {
      auto cl = std::move(clusters_[*p.reuse]);
      cluster_taken[*p.reuse] = true;
      cl->cfg = &nc;
      if (cl->limiter.bucket().configured_rate() != nc.rate_limit) {
        cl->limiter.set_rate(nc.rate_limit);
      }
      if (cl->slots.capacity() != nc.max_running_jobs) {
        cl->slots.set_capacity(nc.max_running_jobs);
      }
      if (p.token != cl->token.reveal()) {
        ++summary.tokens_changed;
        cl->token = config::secret_string(p.token);
        if (cl->connection.set_token) {
          cl->connection.set_token(p.token);
        }
        if (cl->block && cl->block->kind == outcome_kind::auth_failed) {
          cl->blocked_until.reset();  // the next due collection probes at once
        }
      }
      clusters.push_back(std::move(cl));
    } else {
      const auto old = old_cluster_by_name.find(nc.name);
      if (old != old_cluster_by_name.end()) {
        ++summary.clusters_replaced;
        p.fresh->requests = clusters_[old->second]->requests;  // counters continue
      }
      cluster_fresh[i] = true;
      clusters.push_back(std::move(p.fresh));
    }
  }
  for (std::size_t i = 0; i < clusters_.size(); ++i) {
    if (!cluster_taken[i]) {
      retire_cluster(std::move(clusters_[i]));
    }
  }

  // Probers are remembered by collection: indices change below.
  std::vector<const collection_runtime*> probers(clusters.size(), nullptr);
  for (std::size_t i = 0; i < clusters.size(); ++i) {
    if (!cluster_fresh[i] && clusters[i]->prober && *clusters[i]->prober < collections_.size()) {
      probers[i] = collections_[*clusters[i]->prober].get();
    }
  }

  const wall_time now = wall_now();
  collection_list::storage collections;
  collections.reserve(plans.size());
  std::vector<std::size_t> added;
  enum class queueing : char { keep, reschedule, reconcile };
  std::vector<queueing> queue_as;  // per new index
  queue_as.reserve(plans.size());
  for (auto& p : plans) {
    const auto& nc = next->clusters[p.cluster];
    if (!p.reuse) {
      ++summary.added;
      collections.push_back(
          std::make_shared<collection_runtime>(p.cluster, *p.cfg, std::move(*p.plan), rng_()));
      added.push_back(collections.size() - 1);
      queue_as.push_back(queueing::reconcile);
      log_event(log_level_t::info, "reload: collection added", collection_fields(nc, *p.cfg));
    } else {
      auto c = std::move(collections_[*p.reuse]);
      const bool equal = *c->cfg == *p.cfg;
      const bool same = equal && !cluster_fresh[p.cluster];
      const bool suspend_changed = c->cfg->suspend != p.cfg->suspend;
      if (!equal) {
        c->cycle.set_params(make_cycle_params(p.cfg->settings));
        c->cycle.set_target(refresh_target(*p.cfg));
        set_suspended(c->state, p.cfg->suspend);
      }
      c->cfg = p.cfg;
      c->cluster = p.cluster;
      if (same) {
        ++summary.unchanged;
      } else {
        ++summary.changed;
        log_event(log_level_t::info, "reload: collection changed", collection_fields(nc, *p.cfg));
      }
      const bool new_plan = p.plan.has_value();
      if (new_plan) {
        c->plan = std::move(*p.plan);
      }
      collections.push_back(std::move(c));
      queue_as.push_back(new_plan || suspend_changed ? queueing::reschedule : queueing::keep);
    }
    collections.back()->index = collections.size() - 1;
  }
  for (std::size_t i = 0; i < collections_.size(); ++i) {
    if (kept[i]) {
      continue;
    }
    ++summary.removed;
    auto& c = collections_[i];
    log_fields f;
    f.cluster = old_cluster_names[c->cluster];
    f.database = c->cfg->database;
    f.collection = c->cfg->name;
    if (c->running) {
      log_event(log_level_t::info,
                "reload: collection removed; its running job is followed to its end", f);
      c->retired_config = config_;
      c->index = collection_runtime::retired_index;
      c->slot.reset();
      ++c->generation;
      retired_.push_back(std::move(c));
    } else {
      log_event(log_level_t::info, "reload: collection removed", f);
      resolve_admin(*c, admin_detail::make_result(admin_refresh_result::kind::failed,
                                                  "the collection was removed by a reload"));
    }
  }
  clusters_ = std::move(clusters);
  collections_ = std::move(collections);
  config_ = std::move(next);
  ++config_generation_;
  for (std::size_t i = 0; i < clusters_.size(); ++i) {
    auto& cl = *clusters_[i];
    cl.prober.reset();
    if (probers[i] != nullptr && probers[i]->index != collection_runtime::retired_index &&
        probers[i]->cluster == i) {
      cl.prober = probers[i]->index;
    }
  }
  // The queue holds indices: rebuild it from each idle collection's pending slot.
  queue_.clear();
  for (std::size_t i = 0; i < collections_.size(); ++i) {
    auto& c = *collections_[i];
    if (c.running || queue_as[i] == queueing::reconcile) {
      continue;
    }
    if (queue_as[i] == queueing::reschedule || !c.slot) {
      enqueue(i, first_slot(c.plan, now, c.last_end, random_bits()));
    } else {
      enqueue(i, *c.slot);
    }
  }
  loop_timer_.cancel();  // re-arm for the new queue
  if (!added.empty()) {
    reconcile_collections(added);
  }
  return summary;
}

template <class Clock>
void basic_runtime<Clock>::release_retired(collection_runtime& c, cluster_runtime<Clock>& cl) {
  const bool collection_gone = c.retired_config != nullptr;
  const bool cluster_gone = cl.retired_config != nullptr && cl.users == 0;
  if (!collection_gone && !cluster_gone) {
    return;
  }
  if (collection_gone) {
    // Pending admin requests for it get their answer before it goes.
    resolve_admin(c, admin_detail::make_result(admin_refresh_result::kind::failed,
                                               "the collection was removed by a reload"));
  }
  // Dropped later, from the executor: the caller's frame still refers to both.
  net::post(ex_, [self = this->shared_from_this(), pc = collection_gone ? &c : nullptr,
                  pcl = cluster_gone ? &cl : nullptr] {
    if (pc != nullptr) {
      std::erase_if(self->retired_, [pc](const auto& p) { return p.get() == pc; });
    }
    if (pcl != nullptr && pcl->users == 0) {
      std::erase_if(self->retired_clusters_, [pcl](const auto& p) { return p.get() == pcl; });
    }
  });
}

}  // namespace refreshd::daemon
