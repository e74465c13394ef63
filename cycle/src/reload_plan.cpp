// The reload comparison (reload_plan.hpp).
#include <functional>
#include <map>
#include <string>

#include <refreshd/cycle/collection.hpp>
#include <refreshd/cycle/reload_plan.hpp>
#include <refreshd/cycle/slot_plan.hpp>

namespace refreshd::daemon {
namespace {

/// The settings a cluster's connection is built from: a change needs a new connection.
bool same_connection(const config::cluster& a, const config::cluster& b) {
  return a.endpoint == b.endpoint && a.tls == b.tls && a.request_timeout == b.request_timeout &&
         a.token == b.token;
}

/// The settings a collection's slot plan is built from.
bool same_plan(const config::collection& a, const config::collection& b) {
  return timing_of(a.settings) == timing_of(b.settings);
}

void plan_clusters(const config::config& old, const config::config& next,
                   const std::vector<std::size_t>& old_ca, const std::vector<std::size_t>& next_ca,
                   reload_plan& plan) {
  std::map<std::string_view, std::size_t> old_by_name;
  for (std::size_t i = 0; i < old.clusters.size(); ++i) {
    old_by_name.emplace(old.clusters[i].name, i);
  }
  std::vector<bool> taken(old.clusters.size(), false);
  for (std::size_t i = 0; i < next.clusters.size(); ++i) {
    cluster_change change;
    const auto it = old_by_name.find(next.clusters[i].name);
    if (it != old_by_name.end()) {
      if (same_connection(old.clusters[it->second], next.clusters[i]) &&
          old_ca.at(it->second) == next_ca.at(i)) {
        change.reuse = it->second;
        taken[it->second] = true;
      } else {
        change.replaces = it->second;
      }
    }
    plan.clusters.push_back(change);
  }
  for (std::size_t i = 0; i < old.clusters.size(); ++i) {
    if (!taken[i]) {
      plan.retired_clusters.push_back(i);
    }
  }
}

void plan_collections(const config::config& old, const config::config& next, reload_plan& plan) {
  std::vector<const config::collection*> old_collections;
  std::map<std::string, std::size_t, std::less<>> old_by_key;
  for (const auto& cl : old.clusters) {
    for (const auto& c : cl.collections) {
      old_by_key.emplace(collection_key(cl.name, *c.database, c.name), old_collections.size());
      old_collections.push_back(&c);
    }
  }
  std::vector<bool> kept(old_collections.size(), false);
  for (std::size_t ci = 0; ci < next.clusters.size(); ++ci) {
    const auto& nc = next.clusters[ci];
    const bool cluster_fresh = !plan.clusters[ci].reuse;
    for (const auto& col : nc.collections) {
      collection_change p;
      p.cluster = ci;
      p.cfg = &col;
      const auto it = old_by_key.find(collection_key(nc.name, *col.database, col.name));
      if (it == old_by_key.end()) {
        p.plan = make_slot_plan(nc.name, col);
        p.queue = collection_change::queueing::reconcile;
        plan.collections.push_back(std::move(p));
        continue;
      }
      const config::collection& was = *old_collections[it->second];
      p.reuse = it->second;
      kept[it->second] = true;
      if (!same_plan(was, col)) {
        p.plan = make_slot_plan(nc.name, col);
      }
      p.settings_changed = !(was == col);
      p.changed = p.settings_changed || cluster_fresh;
      if (p.plan || was.suspend != col.suspend) {
        p.queue = collection_change::queueing::reschedule;
      }
      plan.collections.push_back(std::move(p));
    }
  }
  for (std::size_t i = 0; i < old_collections.size(); ++i) {
    if (!kept[i]) {
      plan.removed.push_back(i);
    }
  }
}

}  // namespace

reload_plan plan_reload(const config::config& old, const config::config& next,
                        const std::vector<std::size_t>& old_ca,
                        const std::vector<std::size_t>& next_ca) {
  reload_plan plan;
  plan_clusters(old, next, old_ca, next_ca, plan);
  plan_collections(old, next, plan);
  if (next.listen != old.listen) {
    plan.needs_restart.push_back("listen: " + config::to_string(old.listen) + " -> " +
                                 config::to_string(next.listen) + " (kept until a restart)");
  }
  if (next.coordination != old.coordination) {
    plan.needs_restart.push_back("coordination: changed (kept until a restart)");
  }
  return plan;
}

}  // namespace refreshd::daemon
