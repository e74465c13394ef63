#include <nlohmann/json.hpp>

#include <refreshd/config/safe_text.hpp>
#include <refreshd/http/status_render.hpp>
#include <refreshd/runtime/runtime_log.hpp>

namespace refreshd::daemon {
namespace {

using json = nlohmann::json;

json time_or_null(const std::optional<wall_time>& t) {
  return t ? json(schedule::format_utc(*t)) : json(nullptr);
}

json job_json(const std::optional<job_snapshot>& j) {
  if (!j) {
    return nullptr;
  }
  json o = json::object();
  o["id"] = j->id.value;
  o["state"] = state_name(*j);
  o["progress"] = j->progress;
  o["start"] = time_or_null(j->start);
  o["end"] = time_or_null(j->end);
  o["reason"] = j->reason ? json(*j->reason) : json(nullptr);
  return o;
}

json coordination_json(const coordination_status& c) {
  json o = json::object();
  o["backend"] = c.backend;
  o["replica_id"] = c.replica_id;
  o["lease"] = c.lease != 0 ? json(std::to_string(c.lease)) : json(nullptr);
  o["lease_valid"] = c.lease_valid;
  o["members"] = c.members;
  o["owned_collections"] = c.owned;
  o["lease_grants"] = c.lease_grants;
  o["lease_renewals"] = c.renewals;
  o["lease_renewal_failures"] = c.renewal_failures;
  o["claims"] = c.claims;
  o["handoffs"] = c.releases;
  o["fence_refusals"] = c.fence_refusals;
  o["last_handoff"] = time_or_null(c.last_handoff);
  return o;
}

std::string coordination_line(const coordination_status& c) {
  std::string out = "<p>replica " + html_escape(c.replica_id) + " &middot; " +
                    html_escape(c.backend) + " lease " +
                    (c.lease_valid ? "valid" : "<strong>not valid: driving nothing</strong>") +
                    " &middot; " + std::to_string(c.members) + " replicas &middot; drives " +
                    std::to_string(c.owned) + " collections &middot; " +
                    std::to_string(c.releases) + " hand-offs";
  if (c.last_handoff) {
    out += " (last " + html_escape(schedule::format_utc(*c.last_handoff)) + ")";
  }
  return out + "</p>\n";
}

// ready_when (docs/CYCLE.md): "refreshing" while the job runs, "indexing 73 %" or
// "loading 40 %" while a completed refresh waits to be servable; nothing when idle.
std::optional<std::string> ready_phase(const collection_state& s) {
  if (s.ready == ready_stage::indexing || s.ready == ready_stage::loading) {
    return std::string(to_string(s.ready)) + " " + std::to_string(s.ready_progress) + " %";
  }
  if (s.current == status::running || s.current == status::stuck) {
    return std::string("refreshing");
  }
  return std::nullopt;
}

constexpr std::string_view degraded_note =
    "the cluster has no index or load routes (HTTP 404): refreshes count as done when their "
    "job completes";

std::string text_or_dash(const std::optional<wall_time>& t) {
  return t ? schedule::format_utc(*t) : std::string("-");
}

constexpr std::string_view page_head = R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="10">
<title>milvus-refreshd</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222;font-size:14px}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f4f4f4}
tr.problem{background:#fdecea}
tr.problem td.status{color:#b00020;font-weight:bold}
tr.suspended{color:#888}
.reason{color:#b00020;font-family:monospace;white-space:pre-wrap;overflow-wrap:anywhere;min-width:14em;max-width:40em;font-size:.9em}
progress{width:8em}
.num{text-align:right}
</style></head><body>
)";

std::string row_html(const status_row& r, wall_time now) {
  const auto& s = *r.state;
  const bool problem = is_problem(s.current);
  std::string cls = problem                                                         ? "problem"
                    : s.current == status::suspended || s.current == status::paused ? "suspended"
                                                                                    : "";
  std::string out = cls.empty() ? "<tr>" : "<tr class=\"" + cls + "\">";
  auto cell = [&out](std::string_view text, std::string_view klass = {}) {
    out += klass.empty() ? "<td>" : "<td class=\"" + std::string(klass) + "\">";
    out += html_escape(text);
    out += "</td>";
  };
  cell(r.cluster->name);
  cell(*r.collection->database);
  cell(r.collection->name);
  cell(config::timing_text(*r.collection->settings));
  cell(r.driven ? std::string(to_string(s.current))
                : std::string(to_string(s.current)) + " (another replica drives it)",
       "status");
  out += "<td>";
  const bool waits = s.ready == ready_stage::indexing || s.ready == ready_stage::loading;
  if (s.job) {
    const int p = waits ? s.ready_progress : std::clamp(s.job->progress, 0, 100);
    const auto state = waits ? std::string(to_string(s.ready)) : state_name(*s.job);
    out += "<progress max=\"100\" value=\"" + std::to_string(p) + "\">" + std::to_string(p) +
           "%</progress> " + std::to_string(p) + "% " + html_escape(state) + "<br>job " +
           std::to_string(s.job->id.value);
  } else {
    out += "-";
  }
  if (s.ready == ready_stage::degraded) {
    out += "<br>ready_when: completed (" + std::string(degraded_note) + ")";
  }
  out += "</td>";
  cell(text_or_dash(s.last_success));
  cell(text_or_dash(shown_next_run(r, now)));
  cell(std::to_string(s.consecutive_failures), "num");
  std::string why;
  if (r.pause != nullptr) {
    why = (r.pause->quarantined ? "" : "paused: ") + r.pause->reason;
  } else if (r.upstream == upstream_wait::held) {
    why = "held: upstream " + r.upstream_key + " failed (" + r.upstream_reason + ")";
  } else if (r.upstream == upstream_wait::waiting) {
    why = "waiting for upstream " + r.upstream_key;
  } else if (!s.message.empty()) {
    why = s.message.str();
  } else if (s.last_failure_reason && (problem || s.consecutive_failures > 0)) {
    why = *s.last_failure_reason;
  }
  out += "<td class=\"reason\">" + html_escape(why);
  if (s.last_failure) {
    out += why.empty() ? "" : "<br>";
    out += "last failure " + html_escape(schedule::format_utc(*s.last_failure));
  }
  out += "</td></tr>\n";
  return out;
}

}  // namespace

std::string url_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

bool is_problem(status s) {
  return s == status::failing || s == status::misconfigured || s == status::unsupported ||
         s == status::auth_failed || s == status::stuck;
}

std::optional<wall_time> shown_next_run(const status_row& r, wall_time now) {
  // A dependent not ready has no run planned, only re-checks (docs/SCHEDULES.md "depends_on").
  if (r.running || r.upstream != upstream_wait::ready || r.state->paused || !r.state->next_run ||
      *r.state->next_run <= now) {
    return std::nullopt;
  }
  return r.state->next_run;
}

std::string html_escape(std::string_view text) {
  // Controls, C1, bidi overrides and invalid UTF-8 become visible escapes first: a browser
  // would apply a U+202E reference just like the raw character.
  const auto safe = safe_text(text);
  std::string out;
  out.reserve(safe.size());
  for (const char ch : safe) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

/// One collection of /status (docs/HTTP.md).
json collection_json(const status_row& r, const status_view& v) {
  const auto& s = *r.state;
  json c = json::object();
  c["cluster"] = r.cluster->name;
  c["database"] = *r.collection->database;
  c["collection"] = r.collection->name;
  c["schedule"] = config::timing_text(*r.collection->settings);
  c["status"] = std::string(to_string(s.current));
  c["next_run"] = time_or_null(shown_next_run(r, v.now));
  c["job"] = job_json(s.job);
  c["last_success"] = time_or_null(s.last_success);
  c["last_failure"] = time_or_null(s.last_failure);
  c["last_failure_reason"] = s.last_failure_reason ? json(*s.last_failure_reason) : json(nullptr);
  c["consecutive_failures"] = s.consecutive_failures;
  if (!s.message.empty()) {
    c["message"] = s.message.str();  // why it is misconfigured, unsupported, ... (with a hint)
  }
  if (v.coordination) {
    c["driven_here"] = r.driven;
  }
  if (r.pause != nullptr) {
    c["pause"] = {{"reason", r.pause->reason},
                  {"at", schedule::format_utc(r.pause->at)},
                  {"quarantined", r.pause->quarantined}};
  }
  if (const auto lag = r.collection->settings->target_lag; lag.count() > 0) {
    // docs/HTTP.md: seconds; the lag is the data's age now (null before any success).
    c["target_lag_seconds"] = static_cast<double>(lag.count()) / 1000.0;
    c["lag_seconds"] = s.last_success
                           ? json(static_cast<double>((v.now - *s.last_success).count()) / 1000.0)
                           : json(nullptr);
    c["expected_duration_seconds"] =
        r.expected ? json(static_cast<double>(r.expected->count()) / 1000.0) : json(nullptr);
  }
  if (const auto& ups = r.collection->settings->depends_on; !ups.empty()) {
    c["depends_on"] = ups;
    json u = json::object();
    u["state"] = std::string(to_string(r.upstream));
    u["collection"] = r.upstream_key.empty() ? json(nullptr) : json(r.upstream_key);
    if (r.upstream == upstream_wait::held) {
      u["reason"] = r.upstream_reason;
    }
    c["upstream"] = std::move(u);
  }
  if (const auto when = r.collection->settings->ready_when;
      when != config::ready_condition::completed) {
    c["ready_when"] = std::string(config::to_string(when));
    const auto phase = ready_phase(s);
    c["phase"] = phase ? json(*phase) : json(nullptr);
    if (s.ready == ready_stage::degraded) {
      c["ready_when_note"] = std::string(degraded_note);
    }
  }
  return c;
}

std::string status_json(const status_view& v) {
  json collections = json::array();
  for (const auto& r : v.rows) {
    collections.push_back(collection_json(r, v));
  }
  json out = json::object();
  out["version"] = std::string(v.version);
  out["ready"] = v.ready;
  if (v.coordination) {
    out["coordination"] = coordination_json(*v.coordination);
  }
  out["collections"] = std::move(collections);
  out["next"] = v.next ? json(*v.next) : json(nullptr);
  out["matched"] = v.matched;
  out["total"] = v.total;
  // Server strings may hold invalid UTF-8 (replaced, not thrown) and C1 / bidi (escaped).
  return dump_json(out);
}

std::string status_page(const status_view& v) {
  std::string out(page_head);
  out += "<h1>milvus-refreshd " + html_escape(v.version) + "</h1>\n<p>";
  out += v.ready ? "ready" : "starting (startup reconciliation in progress)";
  out += " &middot; " + std::to_string(v.matched) + " collections";
  if (v.matched != v.total) {
    out += " of " + std::to_string(v.total);
  }
  out += " &middot; " + std::to_string(v.running) + " running &middot; " +
         std::to_string(v.problems) + " with problems (listed first) &middot; " +
         html_escape(schedule::format_utc(v.now)) + "</p>\n";
  if (v.coordination) {
    out += coordination_line(*v.coordination);
  }
  out +=
      "<table>\n<tr><th>cluster</th><th>database</th><th>collection</th><th>schedule</th>"
      "<th>status</th><th>job</th><th>last success</th><th>next run</th>"
      "<th>consecutive failures</th><th>failure</th></tr>\n";
  for (const auto& r : v.rows) {
    out += row_html(r, v.now);
  }
  out += "</table>\n";
  if (v.next) {
    out += "<p><a href=\"/?" + html_escape(v.query) + "after=" + html_escape(url_encode(*v.next)) +
           "\">next page</a></p>\n";
  }
  out += "</body></html>\n";
  return out;
}

}  // namespace refreshd::daemon
