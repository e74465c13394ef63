// status_select.hpp: filters, order and paging of /status and /.
#include <algorithm>
#include <vector>

#include <refreshd/config/safe_text.hpp>
#include <refreshd/config/version.hpp>
#include <refreshd/http/status_select.hpp>

namespace refreshd::daemon {

namespace {

std::string statuses_list() {
  std::string out;
  for (const auto s : all_statuses) {
    out += out.empty() ? "" : ", ";
    out += to_string(s);
  }
  return out;
}

/// The statuses `q` names; an error message for a name outside the set.
std::variant<std::vector<status>, std::string> wanted_statuses(const status_query& q) {
  std::vector<status> out;
  for (const auto& name : q.statuses) {
    const auto it = std::find_if(all_statuses.begin(), all_statuses.end(),
                                 [&](status s) { return to_string(s) == name; });
    if (it == all_statuses.end()) {
      return "unknown status '" + safe_text(name.substr(0, 40)) + "' (use " + statuses_list() + ")";
    }
    out.push_back(*it);
  }
  return out;
}

/// The filters as the start of a query string ("cluster=a&limit=50&"), for the page's links.
std::string filters_query(const status_query& q) {
  std::string out;
  const auto add = [&out](std::string_view key, std::string_view value) {
    out += key;
    out += '=';
    out += url_encode(value);
    out += '&';
  };
  if (!q.cluster.empty()) {
    add("cluster", q.cluster);
  }
  if (!q.database.empty()) {
    add("database", q.database);
  }
  if (!q.statuses.empty()) {
    std::string joined;
    for (const auto& s : q.statuses) {
      joined += joined.empty() ? "" : ",";
      joined += s;
    }
    add("status", joined);
  }
  if (q.limit != status_query{}.limit) {
    add("limit", std::to_string(q.limit));
  }
  return out;
}

/// What a page's rows show beyond their state: who drives them, target_lag's expected duration,
/// depends_on's upstream.
void describe_rows(const runtime_view& rt, status_view& view) {
  const auto* co = rt.coordination();
  view.coordination = co != nullptr ? std::optional(co->status()) : std::nullopt;
  for (auto& r : view.rows) {
    r.driven = co == nullptr || rt.drives(r.index);
    r.expected = rt.expected_duration(r.index);  // target_lag only
    r.pause = rt.pause_of(r.index);
    if (!r.collection->settings->depends_on.empty()) {
      const upstream_gate g = rt.upstream_state(r.index);
      if (g.wait != upstream_wait::ready) {
        const collection_runtime& u = rt.collections()[g.upstream];
        r.upstream = g.wait;
        r.upstream_key =
            ownership_key(rt.cluster_config(u.cluster).name, *u.cfg->database, u.cfg->name);
        if (g.wait == upstream_wait::held) {
          r.upstream_reason = !u.state.message.empty() ? u.state.message.str()
                              : u.state.last_failure_reason
                                  ? *u.state.last_failure_reason
                                  : std::string(to_string(u.state.current));
        }
      }
    }
  }
}

}  // namespace

std::variant<status_view, std::string> select_status(const runtime_view& rt, const status_query& q,
                                                     bool problems_first) {
  auto wanted = wanted_statuses(q);
  if (auto* error = std::get_if<std::string>(&wanted)) {
    return std::move(*error);
  }
  const auto& statuses = std::get<std::vector<status>>(wanted);
  const auto cols = rt.collections();
  status_view view;
  view.version = version();
  view.ready = rt.ready();
  view.now = rt.wall_now();
  view.total = cols.size();
  view.query = filters_query(q);
  std::vector<status_row> matched;
  for (const auto& c : cols) {
    const auto& cluster = rt.cluster_config(c.cluster);
    if ((!q.cluster.empty() && cluster.name != q.cluster) ||
        (!q.database.empty() && *c.cfg->database != q.database) ||
        (!statuses.empty() &&
         std::find(statuses.begin(), statuses.end(), c.state.current) == statuses.end())) {
      continue;
    }
    view.problems += is_problem(c.state.current) ? 1 : 0;
    view.running += c.state.current == status::running ? 1 : 0;
    matched.push_back(status_row{&cluster, c.cfg, &c.state, c.running, c.index, true});
  }
  view.matched = matched.size();
  if (problems_first) {
    std::stable_partition(matched.begin(), matched.end(),
                          [](const status_row& r) { return is_problem(r.state->current); });
  }
  const auto key = [](const status_row& r) {
    return r.cluster->name + "/" + *r.collection->database + "/" + r.collection->name;
  };
  std::size_t from = 0;
  if (!q.after.empty()) {
    const auto it = std::find_if(matched.begin(), matched.end(),
                                 [&](const status_row& r) { return key(r) == q.after; });
    if (it == matched.end()) {
      return "the cursor 'after' names no collection of this selection (a reload or a status "
             "change since the previous page): start again without it";
    }
    from = static_cast<std::size_t>(it - matched.begin()) + 1;
  }
  const std::size_t to = std::min(matched.size(), from + q.limit);
  view.rows.assign(matched.begin() + static_cast<std::ptrdiff_t>(from),
                   matched.begin() + static_cast<std::ptrdiff_t>(to));
  if (to < matched.size() && !view.rows.empty()) {
    view.next = key(view.rows.back());
  }
  describe_rows(rt, view);
  return view;
}

}  // namespace refreshd::daemon
