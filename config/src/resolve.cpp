#include <map>
#include <utility>

#include "raw.hpp"

namespace refreshd::config::detail {
namespace {

std::string first_defined(position p) {
  return "first defined at line " + std::to_string(p.line);
}

void resolve_collections(reader& r, raw_cluster& c, const effective_settings& cluster_settings) {
  std::map<std::pair<std::string, std::string>, position> seen;
  for (raw_collection& col : c.collections) {
    effective_settings s = cluster_settings;
    apply(col.layer, s);
    check_poll(r, s);
    if (!s.schedule_present && col.is_mapping) {
      r.error(col.pos, join_path(col.path, "schedule"),
              "no schedule: set 'schedule' on the collection, its cluster or in defaults");
    }
    collection& m = col.model;
    m.settings = s.values;
    if (!col.has_database) {
      m.database = c.model.database;
    }
    m.suspend = col.suspend.value_or(c.model.suspend);
    if (col.valid) {
      auto [it, inserted] = seen.try_emplace({m.database, m.name}, col.name_pos);
      if (!inserted) {
        r.error(col.name_pos, join_path(col.path, "name"),
                "duplicate collection " + m.database + "/" + m.name + " in cluster " +
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
    resolve_collections(r, c, s);
    raw.model.clusters.push_back(std::move(c.model));
  }
}

}  // namespace refreshd::config::detail
