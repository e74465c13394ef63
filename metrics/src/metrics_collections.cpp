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

const std::array<simple_family, 8> simple_families = {{
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
    {"last_job_duration_seconds",
     "Start to end of the last finished (completed or failed) job, in seconds (0 if none known).",
     MetricType::Gauge,
     [](const collection_state& s, const config::collection&) {
       return s.last_job_duration ? static_cast<double>(s.last_job_duration->count()) / 1000.0
                                  : 0.0;
     }},
}};

/// A family that is per cluster by default and per collection with `metrics.per_collection`.
struct counted_family {
  std::string_view suffix;
  const char* help;
  std::uint64_t (*value)(const collection_counters& k);
};

const std::array<counted_family, 2> trigger_families = {{
    {"triggers_total", "Refresh jobs this daemon started.",
     [](const collection_counters& k) { return k.triggers; }},
    {"triggers_lost_total", "Triggers the server accepted but dropped (job never visible).",
     [](const collection_counters& k) { return k.triggers_lost; }},
}};

const char* const skipped_help =
    "Slots not triggered, by reason (already_running, suspended, limit).";
const char* const job_duration_help =
    "Start to end of finished jobs (completed or failed), in seconds.";

std::array<std::pair<skip_reason, std::uint64_t>, 3> skips_of(const collection_counters& k) {
  return {{{skip_reason::already_running, k.skipped.already_running},
           {skip_reason::suspended, k.skipped.suspended},
           {skip_reason::limit, k.skipped.limit}}};
}

labels cluster_label(const metrics_cluster_view& c) {
  return labels{{"cluster", safe_text(c.cfg->name)}};
}

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
  // The current status only: the series of the previous status disappears, so Prometheus marks
  // it stale at once (docs/METRICS.md).
  w.begin(name_of("collection_status"),
          "Current status of the collection (value 1; one series, labelled with the status).",
          MetricType::Gauge);
  for (std::size_t i = 0; i < cols.size(); ++i) {
    w.add(gauge_metric(with(base[i], "status", to_string(cols[i].state.current)), 1));
  }
  w.end();
}

void write_finished(family_writer& w, const collection_list& cols,
                    const std::vector<labels>& base) {
  w.begin(name_of("jobs_finished_total"),
          "Jobs observed to finish, by outcome (completed, failed).", MetricType::Counter);
  for (std::size_t i = 0; i < cols.size(); ++i) {
    const auto& k = cols[i].state.counters.finished;
    w.add(counter_metric(with(base[i], "outcome", "completed"), static_cast<double>(k.completed)));
    w.add(counter_metric(with(base[i], "outcome", "failed"), static_cast<double>(k.failed)));
  }
  w.end();
}

/// triggers_total and triggers_lost_total, per collection or per cluster.
void write_triggers(family_writer& w, const collection_list& cols,
                    const std::vector<metrics_cluster_view>& clusters,
                    const std::vector<labels>& base, bool per_collection) {
  for (const auto& def : trigger_families) {
    w.begin(name_of(def.suffix), def.help, MetricType::Counter);
    if (per_collection) {
      for (std::size_t i = 0; i < cols.size(); ++i) {
        w.add(counter_metric(base[i], static_cast<double>(def.value(cols[i].state.counters))));
      }
    } else {
      for (const auto& c : clusters) {
        w.add(counter_metric(cluster_label(c), static_cast<double>(def.value(*c.totals))));
      }
    }
    w.end();
  }
}

void write_skipped(family_writer& w, const collection_list& cols,
                   const std::vector<metrics_cluster_view>& clusters,
                   const std::vector<labels>& base, bool per_collection) {
  w.begin(name_of("skipped_total"), skipped_help, MetricType::Counter);
  const auto add = [&w](const labels& l, const collection_counters& k) {
    for (const auto& [reason, n] : skips_of(k)) {
      w.add(counter_metric(with(l, "reason", to_string(reason)), static_cast<double>(n)));
    }
  };
  if (per_collection) {
    for (std::size_t i = 0; i < cols.size(); ++i) {
      add(base[i], cols[i].state.counters);
    }
  } else {
    for (const auto& c : clusters) {
      add(cluster_label(c), *c.totals);
    }
  }
  w.end();
}

void write_job_durations(family_writer& w, const collection_list& cols,
                         const std::vector<metrics_cluster_view>& clusters,
                         const std::vector<labels>& base, const job_histograms& jobs,
                         bool per_collection) {
  w.begin(name_of("job_duration_seconds"), job_duration_help, MetricType::Histogram);
  const job_histogram empty;
  const auto add = [&](labels l, const std::string& key) {
    const auto it = jobs.find(key);
    prometheus::ClientMetric m;
    m.label = std::move(l);
    m.histogram = (it == jobs.end() ? empty : it->second).to_client(job_duration_buckets);
    w.add(std::move(m));
  };
  if (per_collection) {
    for (std::size_t i = 0; i < cols.size(); ++i) {
      const auto& c = *cols[i].cfg;
      add(base[i], collection_key(clusters.at(cols[i].cluster).cfg->name, c.database, c.name));
    }
  } else {
    for (const auto& c : clusters) {
      add(cluster_label(c), c.cfg->name);
    }
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
                               const scrape_data& data) {
  const auto base = base_labels(cols, clusters);
  const config::metrics_settings& opt = data.settings;
  write_info_and_status(w, cols, base);
  for (const auto& def : simple_families) {
    w.begin(name_of(def.suffix), def.help, def.type);
    for (std::size_t i = 0; i < cols.size(); ++i) {
      w.add(metric(base[i], def.type, def.value(cols[i].state, *cols[i].cfg)));
    }
    w.end();
  }
  write_finished(w, cols, base);
  write_triggers(w, cols, clusters, base, opt.per_collection_triggers);
  write_skipped(w, cols, clusters, base, opt.per_collection_skipped);
  write_job_durations(w, cols, clusters, base,
                      opt.per_collection_job_duration ? data.collection_jobs : data.cluster_jobs,
                      opt.per_collection_job_duration);
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
