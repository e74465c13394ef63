// The per-collection and per-cluster families, built from the runtime's state at scrape time.
#include <algorithm>
#include <utility>

#include <refreshd/config/safe_text.hpp>

#include "metrics_families.hpp"

namespace refreshd::daemon::metrics_detail {
namespace {

using label = prometheus::ClientMetric::Label;
using labels = std::vector<label>;
using prometheus::MetricType;

constexpr std::string_view prefix = "milvus_refresh_";

std::string name_of(std::string_view suffix) {
  std::string n(prefix);
  n += suffix;
  return n;
}

double seconds(const std::optional<wall_time>& t) {
  return t ? static_cast<double>(t->time_since_epoch().count()) / 1000.0 : 0.0;
}

labels with(labels base, std::string name, std::string_view value) {
  base.push_back(label{std::move(name), safe_text(value)});
  return base;
}

/// A per-collection family with one series per collection and no extra label.
struct simple_family {
  std::string_view suffix;
  const char* help;
  MetricType type;
  double (*value)(const collection_state& s, const config::collection& c);
};

double progress_ratio(const collection_state& s, const config::collection&) {
  if (!s.job) {
    return 0;
  }
  return std::clamp(static_cast<double>(s.job->progress) / 100.0, 0.0, 1.0);
}

const std::array<simple_family, 9> simple_families = {{
    {"job_progress_ratio",
     "Progress (0..1) of the current or last known job; a completed job shows 1, 0 when no job "
     "is known.",
     MetricType::Gauge, progress_ratio},
    {"last_success_timestamp_seconds",
     "End time of the last completed job (Unix seconds, 0 if none known).", MetricType::Gauge,
     [](const collection_state& s, const config::collection&) { return seconds(s.last_success); }},
    {"last_failure_timestamp_seconds",
     "End time of the last failed job (Unix seconds, 0 if none known).", MetricType::Gauge,
     [](const collection_state& s, const config::collection&) { return seconds(s.last_failure); }},
    {"last_trigger_timestamp_seconds",
     "When this daemon last triggered a refresh job (Unix seconds, 0 if never).", MetricType::Gauge,
     [](const collection_state& s, const config::collection&) { return seconds(s.last_trigger); }},
    {"next_run_timestamp_seconds", "Next scheduled slot (Unix seconds, 0 if none).",
     MetricType::Gauge,
     [](const collection_state& s, const config::collection&) { return seconds(s.next_run); }},
    {"freshness_target_seconds", "Configured freshness_target of the collection.",
     MetricType::Gauge,
     [](const collection_state&, const config::collection& c) {
       return static_cast<double>(c.settings.freshness_target.count()) / 1000.0;
     }},
    {"consecutive_failures", "Failed jobs in a row (0 after a completed job).", MetricType::Gauge,
     [](const collection_state& s, const config::collection&) {
       return static_cast<double>(s.consecutive_failures);
     }},
    {"triggers_total", "Refresh jobs this daemon started.", MetricType::Counter,
     [](const collection_state& s, const config::collection&) {
       return static_cast<double>(s.counters.triggers);
     }},
    {"triggers_lost_total", "Triggers the server accepted but dropped (job never visible).",
     MetricType::Counter,
     [](const collection_state& s, const config::collection&) {
       return static_cast<double>(s.counters.triggers_lost);
     }},
}};

/// cluster, database, collection of every collection, in collections() order.
std::vector<labels> base_labels(const collection_list& cols,
                                const std::vector<metrics_cluster_view>& clusters) {
  std::vector<labels> out;
  out.reserve(cols.size());
  for (const auto& c : cols) {
    // Names from the config: valid UTF-8 without controls, C1 or bidi in the exposition.
    out.push_back(labels{{"cluster", safe_text(clusters.at(c.cluster).cfg->name)},
                         {"database", safe_text(c.cfg->database)},
                         {"collection", safe_text(c.cfg->name)}});
  }
  return out;
}

prometheus::ClientMetric metric(labels l, MetricType type, double v) {
  return type == MetricType::Counter ? counter_metric(std::move(l), v)
                                     : gauge_metric(std::move(l), v);
}

void write_info_and_status(family_writer& w, const collection_list& cols,
                           const std::vector<labels>& base) {
  w.begin(name_of("collection_info"), "Static information about a configured collection (value 1).",
          MetricType::Gauge);
  for (std::size_t i = 0; i < cols.size(); ++i) {
    const auto& s = cols[i].cfg->settings;
    w.add(gauge_metric(with(with(base[i], "schedule", s.schedule), "timezone", s.timezone), 1));
  }
  w.end();
  w.begin(name_of("collection_status"),
          "Current status of the collection: 1 for the current status, 0 otherwise.",
          MetricType::Gauge);
  for (std::size_t i = 0; i < cols.size(); ++i) {
    for (const auto v : all_statuses) {
      w.add(
          gauge_metric(with(base[i], "status", to_string(v)), cols[i].state.current == v ? 1 : 0));
    }
  }
  w.end();
}

void write_counters_with_reason(family_writer& w, const collection_list& cols,
                                const std::vector<labels>& base) {
  w.begin(name_of("skipped_total"),
          "Slots not triggered, by reason (already_running, suspended, limit).",
          MetricType::Counter);
  for (std::size_t i = 0; i < cols.size(); ++i) {
    const auto& k = cols[i].state.counters.skipped;
    const std::array<std::pair<skip_reason, std::uint64_t>, 3> skips = {
        {{skip_reason::already_running, k.already_running},
         {skip_reason::suspended, k.suspended},
         {skip_reason::limit, k.limit}}};
    for (const auto& [reason, n] : skips) {
      w.add(counter_metric(with(base[i], "reason", to_string(reason)), static_cast<double>(n)));
    }
  }
  w.end();
  w.begin(name_of("jobs_finished_total"),
          "Jobs observed to finish, by outcome (completed, failed).", MetricType::Counter);
  for (std::size_t i = 0; i < cols.size(); ++i) {
    const auto& k = cols[i].state.counters.finished;
    w.add(counter_metric(with(base[i], "outcome", "completed"), static_cast<double>(k.completed)));
    w.add(counter_metric(with(base[i], "outcome", "failed"), static_cast<double>(k.failed)));
  }
  w.end();
}

void write_job_durations(family_writer& w, const collection_list& cols,
                         const std::vector<metrics_cluster_view>& clusters,
                         const std::vector<labels>& base, const job_histograms& jobs) {
  w.begin(name_of("job_duration_seconds"),
          "Start to end of finished jobs (completed or failed), in seconds.",
          MetricType::Histogram);
  const job_histogram empty;
  for (std::size_t i = 0; i < cols.size(); ++i) {
    const auto& c = *cols[i].cfg;
    const auto it =
        jobs.find(collection_key(clusters.at(cols[i].cluster).cfg->name, c.database, c.name));
    prometheus::ClientMetric m;
    m.label = base[i];
    m.histogram = (it == jobs.end() ? empty : it->second).to_client(job_duration_buckets);
    w.add(std::move(m));
  }
  w.end();
}

/// The (operation, result) pairs of one cluster: every known result, and any other the
/// counters hold (a class added later is still exported).
std::vector<std::string_view> results_of(const api_counters& requests, client::operation op) {
  auto results = api_result_labels();
  for (const auto& e : requests.entries) {
    if (e.op == op && std::find(results.begin(), results.end(), e.result) == results.end()) {
      results.push_back(e.result);
    }
  }
  return results;
}

constexpr std::array<client::operation, 3> operations = {
    client::operation::refresh, client::operation::describe, client::operation::list};

}  // namespace

void write_collection_families(family_writer& w, const collection_list& cols,
                               const std::vector<metrics_cluster_view>& clusters,
                               const job_histograms& jobs) {
  const auto base = base_labels(cols, clusters);
  write_info_and_status(w, cols, base);
  for (const auto& def : simple_families) {
    w.begin(name_of(def.suffix), def.help, def.type);
    for (std::size_t i = 0; i < cols.size(); ++i) {
      w.add(metric(base[i], def.type, def.value(cols[i].state, *cols[i].cfg)));
    }
    w.end();
  }
  write_counters_with_reason(w, cols, base);
  write_job_durations(w, cols, clusters, base, jobs);
}

void write_api_families(family_writer& w, const std::vector<metrics_cluster_view>& clusters,
                        const api_histograms& api) {
  w.begin(name_of("api_requests_total"),
          "API requests by operation and result (ok or the error class).", MetricType::Counter);
  for (const auto& c : clusters) {
    for (const auto op : operations) {
      const labels l{{"cluster", safe_text(c.cfg->name)},
                     {"operation", std::string(client::to_string(op))}};
      for (const auto r : results_of(*c.requests, op)) {
        w.add(counter_metric(with(l, "result", r), static_cast<double>(c.requests->get(op, r))));
      }
    }
  }
  w.end();
  w.begin(name_of("api_request_duration_seconds"),
          "API request latency in seconds (excluding the rate-limit wait).", MetricType::Histogram);
  const api_histogram empty;
  for (const auto& c : clusters) {
    const auto it = api.find(c.cfg->name);
    for (const auto op : operations) {
      prometheus::ClientMetric m;
      m.label = {{"cluster", safe_text(c.cfg->name)},
                 {"operation", std::string(client::to_string(op))}};
      const auto& h = it == api.end() ? empty : it->second[static_cast<std::size_t>(op)];
      m.histogram = h.to_client(api_duration_buckets);
      w.add(std::move(m));
    }
  }
  w.end();
}

}  // namespace refreshd::daemon::metrics_detail
