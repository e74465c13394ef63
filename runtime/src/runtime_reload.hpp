#pragma once
// basic_runtime: applying a reloaded configuration per collection (docs/DAEMON.md "Reload";
// docs/DAEMON.md, "Reload"), and dropping what a reload removed once nothing uses it any more.

#include <refreshd/config/token.hpp>
#include <refreshd/runtime/runtime_log.hpp>

#include "runtime_admin.hpp"
#include "runtime_startup.hpp"

namespace refreshd::daemon {

template <class Clock>
reload_summary basic_runtime<Clock>::apply_config(std::shared_ptr<const config::config> next) {
  // Phase 1: everything that may fail (tokens, CA files, schedules, connections), before any
  // change.
  const auto env = config::process_env();
  std::vector<std::string> tokens;
  std::vector<std::size_t> old_ca;
  std::vector<std::size_t> next_ca;
  for (const auto& cl : clusters_) {
    old_ca.push_back(cl->ca_fingerprint);
  }
  for (const auto& nc : next->clusters) {
    tokens.push_back(config::read_token(nc.token, env));  // token files are re-read every time
    next_ca.push_back(ca_fingerprint(nc));                // and CA files: a change reconnects
  }
  reload_plan plan = plan_reload(*config_, *next, old_ca, next_ca);
  std::vector<std::unique_ptr<cluster_runtime<Clock>>> fresh(next->clusters.size());
  for (std::size_t i = 0; i < next->clusters.size(); ++i) {
    if (!plan.clusters[i].reuse) {
      const auto& nc = next->clusters[i];
      fresh[i] = std::make_unique<cluster_runtime<Clock>>(ex_, nc, connect_(ex_, nc, tokens[i]));
      fresh[i]->token = config::secret_string(tokens[i]);
      fresh[i]->ca_fingerprint = next_ca[i];
    }
  }

  // Phase 2: apply (nothing below throws).
  reload_summary summary;
  summary.needs_restart = plan.needs_restart;
  // Probers are remembered by collection: indices change below.
  std::vector<const collection_runtime*> probers(next->clusters.size(), nullptr);
  for (std::size_t i = 0; i < next->clusters.size(); ++i) {
    const auto reuse = plan.clusters[i].reuse;
    const auto prober = reuse ? clusters_[*reuse]->block.prober() : std::nullopt;
    if (prober && *prober < collections_.size()) {
      probers[i] = collections_[*prober].get();
    }
  }
  auto clusters = reload_clusters(*next, plan, std::move(fresh), tokens, summary);
  auto collections = reload_collections(*next, plan, summary);
  remove_collections(plan, summary);
  clusters_ = std::move(clusters);
  collections_ = std::move(collections);
  config_ = std::move(next);
  ++config_generation_;
  link_dependencies();
  apply_pauses();
  for (std::size_t i = 0; i < clusters_.size(); ++i) {
    auto& cl = *clusters_[i];
    const bool kept = probers[i] != nullptr &&
                      probers[i]->index != collection_runtime::retired_index &&
                      probers[i]->cluster == i;
    cl.block.set_prober(kept ? std::optional<std::size_t>(probers[i]->index) : std::nullopt);
  }
  requeue_after_reload(plan);
  return summary;
}

template <class Clock>
std::vector<std::unique_ptr<cluster_runtime<Clock>>> basic_runtime<Clock>::reload_clusters(
    const config::config& next, const reload_plan& plan,
    std::vector<std::unique_ptr<cluster_runtime<Clock>>> fresh,
    const std::vector<std::string>& tokens, reload_summary& summary) {
  std::vector<std::unique_ptr<cluster_runtime<Clock>>> clusters;
  for (std::size_t i = 0; i < next.clusters.size(); ++i) {
    const auto& nc = next.clusters[i];
    const cluster_change& change = plan.clusters[i];
    if (!change.reuse) {
      if (change.replaces) {
        ++summary.clusters_replaced;
        fresh[i]->requests = clusters_[*change.replaces]->requests;  // counters continue
        fresh[i]->totals = clusters_[*change.replaces]->totals;
      }
      clusters.push_back(std::move(fresh[i]));
      continue;
    }
    auto cl = std::move(clusters_[*change.reuse]);
    cl->cfg = &nc;
    if (cl->limiter.bucket().configured_rate() != nc.rate_limit) {
      cl->limiter.set_rate(nc.rate_limit);
    }
    if (cl->slots.capacity() != nc.max_running_jobs) {
      cl->slots.set_capacity(nc.max_running_jobs);
    }
    if (cl->install_token(tokens[i])) {
      ++summary.tokens_changed;
      if (cl->block && cl->block.outcome()->kind == outcome_kind::auth_failed) {
        cl->block.expire();  // the next due collection probes at once
      }
    }
    clusters.push_back(std::move(cl));
  }
  for (const std::size_t i : plan.retired_clusters) {
    if (clusters_[i]->users > 0) {  // else: nothing uses it, it goes now
      clusters_[i]->retired_config = config_;
      retired_clusters_.push_back(std::move(clusters_[i]));
    }
  }
  return clusters;
}

template <class Clock>
collection_list::storage basic_runtime<Clock>::reload_collections(const config::config& next,
                                                                  reload_plan& plan,
                                                                  reload_summary& summary) {
  collection_list::storage collections;
  collections.reserve(plan.collections.size());
  for (auto& p : plan.collections) {
    const auto& nc = next.clusters[p.cluster];
    if (!p.reuse) {
      ++summary.added;
      collections.push_back(
          std::make_shared<collection_runtime>(p.cluster, *p.cfg, std::move(*p.plan), rng_()));
      log_event(reload_line_level(summary.added), "reload: collection added",
                collection_fields(nc, *p.cfg));
    } else {
      auto c = std::move(collections_[*p.reuse]);
      if (p.settings_changed) {
        if (c->cycle() != nullptr) {  // a running cycle uses them from its next decision on
          c->cycle()->set_params(make_cycle_params(p.cfg->settings));
          c->cycle()->set_target(refresh_target(*p.cfg));
        }
        set_suspended(c->state, p.cfg->suspend);
      }
      c->cfg = p.cfg;
      c->cluster = p.cluster;
      if (p.changed) {
        ++summary.changed;
        log_event(reload_line_level(summary.changed), "reload: collection changed",
                  collection_fields(nc, *p.cfg));
      } else {
        ++summary.unchanged;
      }
      if (p.plan) {
        c->plan = std::move(*p.plan);
      }
      collections.push_back(std::move(c));
    }
    collections.back()->index = collections.size() - 1;
  }
  return collections;
}

template <class Clock>
void basic_runtime<Clock>::remove_collections(const reload_plan& plan, reload_summary& summary) {
  for (const std::size_t i : plan.removed) {
    ++summary.removed;
    auto& c = collections_[i];
    log_fields f;
    f.cluster = config_->clusters[c->cluster].name;
    f.database = c->cfg->database;
    f.collection = c->cfg->name;
    if (c->running) {
      log_event(reload_line_level(summary.removed),
                "reload: collection removed; its running job is followed to its end", f);
      c->index = collection_runtime::retired_index;
      c->slot.reset();
      ++c->generation;
      retired_.push_back({std::move(c), config_});
    } else {
      log_event(reload_line_level(summary.removed), "reload: collection removed", f);
      admin_requests_.resolve(*c, make_admin_result(admin_refresh_result::kind::failed,
                                                    "the collection was removed by a reload"));
    }
  }
}

template <class Clock>
void basic_runtime<Clock>::requeue_after_reload(const reload_plan& plan) {
  // The queue holds indices: rebuild it from each idle collection's pending slot.
  const wall_time now = wall_now();
  std::vector<std::size_t> added;
  queue_.clear();
  queue_.reserve(collections_.size());
  for (std::size_t i = 0; i < collections_.size(); ++i) {
    auto& c = *collections_[i];
    const auto queue = plan.collections[i].queue;
    if (queue == collection_change::queueing::reconcile) {
      added.push_back(i);
      continue;
    }
    if (c.running) {
      continue;
    }
    if (queue == collection_change::queueing::reschedule || !c.slot) {
      enqueue(i, timed(c, first_slot(c.plan, now, c.last_end, random_bits())));
    } else {
      enqueue(i, *c.slot);
    }
  }
  loop_timer_.cancel();  // re-arm for the new queue
  // Under coordination only what this replica drives now is listed; the others wait for a claim
  // (ownership_gained) like at startup.
  std::vector<std::size_t> listed;
  for (const std::size_t i : added) {
    if (drives(i)) {
      listed.push_back(i);
    } else {
      schedule_unlisted(*collections_[i]);
    }
  }
  if (!listed.empty()) {
    reconcile_collections(listed);
  }
}

template <class Clock>
void basic_runtime<Clock>::release_retired(collection_runtime& c, cluster_runtime<Clock>& cl) {
  const bool collection_gone = c.retired();
  const bool cluster_gone = cl.retired_config != nullptr && cl.users == 0;
  if (!collection_gone && !cluster_gone) {
    return;
  }
  if (collection_gone) {
    // Pending admin requests for it get their answer before it goes.
    admin_requests_.resolve(c, make_admin_result(admin_refresh_result::kind::failed,
                                                 "the collection was removed by a reload"));
  }
  // Dropped later, from the executor: the caller's frame still refers to both.
  net::post(ex_, [self = this->shared_from_this(), pc = collection_gone ? &c : nullptr,
                  pcl = cluster_gone ? &cl : nullptr] {
    if (pc != nullptr) {
      std::erase_if(self->retired_, [pc](const auto& r) { return r.c.get() == pc; });
    }
    if (pcl != nullptr && pcl->users == 0) {
      std::erase_if(self->retired_clusters_, [pcl](const auto& p) { return p.get() == pcl; });
    }
  });
}

}  // namespace refreshd::daemon
