#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "raw.hpp"

namespace refreshd::config::detail {
namespace {

std::string first_defined(position p) {
  return "first defined at line " + std::to_string(p.line);
}

/// One shared copy of each distinct collection_settings of a file (docs/DAEMON.md "Memory").
class settings_pool {
 public:
  shared_value<collection_settings> get(const collection_settings& v) {
    if (last_ && **last_ == v) {
      return *last_;
    }
    auto& bucket = by_hash_[hash(v)];
    for (const auto& s : bucket) {
      if (*s == v) {
        last_ = s;
        return s;
      }
    }
    bucket.emplace_back(v);
    last_ = bucket.back();
    return bucket.back();
  }

 private:
  static std::size_t hash(const collection_settings& v) {
    std::size_t h = std::hash<std::string>{}(v.schedule);
    const auto mix = [&h](std::size_t x) { h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2); };
    mix(std::hash<std::string>{}(v.timezone));
    for (const auto d :
         {v.jitter, v.starting_deadline, v.pending_timeout, v.timeout, v.retry_backoff,
          v.poll.initial, v.poll.max, v.freshness_target, v.target_lag, v.min_interval}) {
      mix(std::hash<std::int64_t>{}(d.count()));
    }
    mix(static_cast<std::size_t>(v.quarantine_after));
    mix(static_cast<std::size_t>(v.retries) * 4 + static_cast<std::size_t>(v.jitter_mode) * 2 +
        (v.catch_up ? 1 : 0));
    mix(static_cast<std::size_t>(v.ready_when));
    for (const auto& u : v.depends_on) {
      mix(std::hash<std::string>{}(u));
    }
    return h;
  }
  std::unordered_map<std::size_t, std::vector<shared_value<collection_settings>>> by_hash_;
  std::optional<shared_value<collection_settings>> last_;
};

void resolve_collections(reader& r, raw_cluster& c, const effective_settings& cluster_settings,
                         settings_pool& pool, std::vector<raw_dependent>& dependents) {
  std::map<std::pair<std::string, std::string>, position> seen;
  std::map<std::string, shared_value<std::string>, std::less<>> databases;
  const auto shared_database = [&databases](const std::string& name) {
    auto it = databases.find(name);
    if (it == databases.end()) {
      it = databases.emplace(name, shared_value<std::string>(name)).first;
    }
    return it->second;
  };
  for (raw_collection& col : c.collections) {
    effective_settings s = cluster_settings;
    apply(col.layer, s);
    check_poll(r, s);
    collection& m = col.model;
    m.database = shared_database(col.has_database ? *m.database : c.model.database);
    if (col.depends_on_present) {
      // depends_on replaces whatever schedule or target_lag the collection would inherit.
      raw_dependent d = resolve_upstreams(r, col, c.model.name);
      s.values.schedule.clear();
      s.values.target_lag = duration{0};
      for (const auto& u : d.upstreams) {
        s.values.depends_on.push_back(u.text);
      }
      dependents.push_back(std::move(d));
    } else if (!s.schedule_present && s.values.target_lag.count() == 0 && col.is_mapping) {
      r.error(col.pos, join_path(col.path, "schedule"),
              "no schedule: set 'schedule' (or 'target_lag' or 'depends_on') on the collection, "
              "its cluster or in defaults");
    }
    m.settings = pool.get(s.values);
    m.suspend = col.suspend.value_or(c.model.suspend);
    if (col.valid) {
      auto [it, inserted] = seen.try_emplace({*m.database, m.name}, col.name_pos);
      if (!inserted) {
        r.error(col.name_pos, join_path(col.path, "name"),
                "duplicate collection " + *m.database + "/" + m.name + " in cluster " +
                    quote(c.model.name) + " (" + first_defined(it->second) + ")");
      }
    }
    c.model.collections.push_back(std::move(m));
  }
  // Kept for the daemon's life: no spare capacity (docs/DAEMON.md "Memory").
  c.model.collections.shrink_to_fit();
}

}  // namespace

void resolve(reader& r, raw_config& raw) {
  effective_settings base;
  apply(raw.defaults, base);
  check_poll(r, base);
  raw.model.defaults = base.values;
  std::map<std::string, position, std::less<>> names;
  settings_pool pool;
  for (raw_cluster& c : raw.clusters) {
    if (c.valid_name) {
      auto [it, inserted] = names.try_emplace(c.model.name, c.name_pos);
      if (!inserted) {
        r.error(c.name_pos, join_path(c.path, "name"),
                "duplicate cluster name " + quote(c.model.name) + " (" + first_defined(it->second) +
                    ")");
      }
    }
    effective_settings s = base;
    apply(c.layer, s);
    check_poll(r, s);
    c.model.settings = s.values;
    resolve_collections(r, c, s, pool, raw.dependents);
    raw.model.clusters.push_back(std::move(c.model));
  }
  check_dependencies(r, raw);
}

}  // namespace refreshd::config::detail
