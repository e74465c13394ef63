// depends_on (docs/SCHEDULES.md "depends_on"): reading the references, resolving them to keys,
// rejecting unknown upstreams and cycles (with their path), and the graph in order.

#include <algorithm>
#include <map>
#include <queue>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <refreshd/config/suggest.hpp>

#include "raw.hpp"

namespace refreshd::config {
namespace detail {
namespace {

std::vector<std::string_view> split_reference(std::string_view text) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (parts.size() <= 3) {
    const std::size_t slash = text.find('/', start);
    parts.push_back(text.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) {
      break;
    }
    start = slash + 1;
  }
  return parts;
}

/// The problem with a reference's parts, if any.
std::optional<std::string> reference_problem(const std::vector<std::string_view>& parts) {
  if (parts.size() > 3) {
    return std::string(
        "expected 'collection', 'database/collection' or 'cluster/database/collection'");
  }
  if (parts.size() == 3 && !valid_cluster_name(parts[0])) {
    return "invalid cluster name " + quote(parts[0]) +
           ": use 1 to 63 characters a-z, 0-9, '_' and '-'";
  }
  if (parts.size() >= 2) {
    if (auto p = check_milvus_name("database", parts[parts.size() - 2])) {
      return p;
    }
  }
  return check_milvus_name("collection", parts.back());
}

}  // namespace

void read_depends_on(reader& r, const entry& e, raw_collection& c) {
  c.depends_on_present = true;
  c.depends_on_pos = e.key_pos;
  c.depends_on_path = e.path;
  const auto items = r.sequence(e);
  if (!items) {
    return;
  }
  if (items->empty()) {
    r.error(e.value_pos, e.path,
            "depends_on is empty: name at least one upstream collection, or remove the key");
  }
  for (std::size_t i = 0; i < items->size(); ++i) {
    const YAML::Node& item = (*items)[i];
    const position at = position_of(item, e.value_pos);
    const entry one{e.key, e.path + "[" + std::to_string(i) + "]", at, item, at};
    if (auto text = r.string(one)) {
      c.depends_on.push_back({std::move(*text), at, one.path});
    }
  }
}

raw_dependent resolve_upstreams(reader& r, const raw_collection& c, std::string_view cluster) {
  raw_dependent d;
  d.key = std::string(cluster) + "/" + *c.model.database + "/" + c.model.name;
  d.pos = c.depends_on_pos;
  d.path = c.depends_on_path;
  if (c.layer.schedule.present || c.layer.target_lag.present) {
    r.error(c.depends_on_pos, c.depends_on_path,
            std::string("set either '") + (c.layer.schedule.present ? "schedule" : "target_lag") +
                "' or 'depends_on' on a collection, not both (depends_on replaces the schedule)");
  }
  std::set<std::string, std::less<>> seen;
  for (const raw_upstream& u : c.depends_on) {
    const auto parts = split_reference(u.text);
    if (auto problem = reference_problem(parts)) {
      r.error(u.pos, u.path, "upstream " + quote(u.text) + ": " + *problem);
      continue;
    }
    std::string key = parts.size() == 3 ? std::string(u.text)
                      : parts.size() == 2
                          ? std::string(cluster) + "/" + std::string(u.text)
                          : std::string(cluster) + "/" + *c.model.database + "/" + u.text;
    if (key == d.key) {
      r.error(u.pos, u.path, "a collection cannot depend on itself (" + key + ")");
    } else if (!seen.insert(key).second) {
      r.error(u.pos, u.path, "upstream " + key + " is listed twice");
    } else {
      d.upstreams.push_back({std::move(key), u.pos, u.path});
    }
  }
  return d;
}

void check_dependencies(reader& r, const raw_config& raw) {
  if (raw.dependents.empty()) {
    return;
  }
  std::vector<std::string> keys;
  for (const cluster& cl : raw.model.clusters) {
    for (const collection& c : cl.collections) {
      keys.push_back(key_of(cl, c));
    }
  }
  const std::vector<std::string_view> candidates(keys.begin(), keys.end());
  std::sort(keys.begin(), keys.end());
  std::unordered_map<std::string_view, const raw_dependent*> by_key;
  for (const raw_dependent& d : raw.dependents) {
    by_key.emplace(d.key, &d);
    for (const raw_upstream& u : d.upstreams) {
      if (std::binary_search(keys.begin(), keys.end(), u.text)) {
        continue;
      }
      std::string message = "upstream " + u.text + " is not a configured collection";
      if (auto m = closest_match(u.text, candidates)) {
        message += " (did you mean '" + *m + "'?)";
      }
      r.error(u.pos, u.path, message);
    }
  }
  // Depth-first over "depends on" edges without recursion (a chain may be long): a node seen
  // again while still on the path closes a cycle, reported once with its path.
  enum class mark : std::uint8_t { unseen, on_path, done };
  std::unordered_map<std::string_view, mark> marks;
  for (const raw_dependent& root : raw.dependents) {
    if (marks[root.key] != mark::unseen) {
      continue;
    }
    std::vector<std::pair<const raw_dependent*, std::size_t>> path{{&root, 0}};
    marks[root.key] = mark::on_path;
    while (!path.empty()) {
      auto& [node, next] = path.back();
      if (next == node->upstreams.size()) {
        marks[node->key] = mark::done;
        path.pop_back();
        continue;
      }
      const std::string& up = node->upstreams[next++].text;
      const auto it = by_key.find(up);
      if (it == by_key.end() || marks[up] == mark::done) {
        continue;  // not a dependent itself (or unknown: reported above), or already checked
      }
      if (marks[up] == mark::unseen) {
        marks[up] = mark::on_path;
        path.emplace_back(it->second, 0);
        continue;
      }
      // A cycle: from `up`'s place on the path to here, and back to `up`.
      const auto from =
          std::find_if(path.begin(), path.end(), [&](const auto& p) { return p.first->key == up; });
      std::string text;
      for (auto p = from; p != path.end(); ++p) {
        text += p->first->key + " → ";
      }
      text += up;
      r.error(it->second->pos, it->second->path,
              "dependency cycle: " + text + " (each depends on the next)");
    }
  }
}

}  // namespace detail

std::vector<dependency_node> dependency_order(const config& cfg) {
  // Nodes in config order; then Kahn's algorithm, taking the earliest ready node each time.
  std::vector<dependency_node> nodes;
  std::unordered_map<std::string, std::size_t> index;
  std::vector<std::string> depended;
  for (const cluster& cl : cfg.clusters) {
    for (const collection& c : cl.collections) {
      std::string key = key_of(cl, c);
      index.emplace(key, nodes.size());
      nodes.push_back({std::move(key), c.settings->depends_on});
      depended.insert(depended.end(), c.settings->depends_on.begin(), c.settings->depends_on.end());
    }
  }
  std::sort(depended.begin(), depended.end());
  std::vector<std::size_t> waiting(nodes.size(), 0);
  std::vector<std::vector<std::size_t>> dependents(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    for (const auto& u : nodes[i].upstreams) {
      if (const auto it = index.find(u); it != index.end()) {
        ++waiting[i];
        dependents[it->second].push_back(i);
      }
    }
  }
  std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (waiting[i] == 0) {
      ready.push(i);
    }
  }
  std::vector<dependency_node> order;
  while (!ready.empty()) {
    const std::size_t i = ready.top();
    ready.pop();
    for (const std::size_t d : dependents[i]) {
      if (--waiting[d] == 0) {
        ready.push(d);
      }
    }
    if (!nodes[i].upstreams.empty() ||
        std::binary_search(depended.begin(), depended.end(), nodes[i].key)) {
      order.push_back(std::move(nodes[i]));
    }
  }
  return order;
}

std::map<std::string, std::string, std::less<>> dependency_groups(const config& cfg) {
  // Union-find over the edges, each group represented by its smallest key.
  std::map<std::string, std::string, std::less<>> parent;
  const auto find = [&parent](std::string key) {
    auto it = parent.try_emplace(key, key).first;
    while (it->second != it->first) {
      auto up = parent.find(it->second);
      it->second = up->second;  // halve the path
      it = up;
    }
    return it->first;
  };
  for (const cluster& cl : cfg.clusters) {
    for (const collection& c : cl.collections) {
      if (c.settings->depends_on.empty()) {
        continue;
      }
      std::string a = find(key_of(cl, c));
      for (const auto& u : c.settings->depends_on) {
        std::string b = find(u);
        if (a != b) {
          if (b < a) {
            std::swap(a, b);
          }
          parent[b] = a;
        }
      }
    }
  }
  std::map<std::string, std::string, std::less<>> groups;
  for (const auto& [key, up] : parent) {
    groups.emplace(key, find(key));
  }
  return groups;
}

std::string key_of(const cluster& cl, const collection& c) {
  return cl.name + "/" + *c.database + "/" + c.name;
}

}  // namespace refreshd::config
