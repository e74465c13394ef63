// The per-cluster families (prometheus-cpp), rendered when a scrape begins (docs/METRICS.md).
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

labels with(labels base, std::string name, std::string_view value) {
  base.push_back(label{std::move(name), safe_text(value)});
  return base;
}

labels cluster_label(const metrics_cluster_view& c) {
  return labels{{"cluster", safe_text(c.cfg->name)}};
}

void write_triggers(family_writer& w, const std::vector<metrics_cluster_view>& clusters) {
  w.begin(name_of("triggers_total"), std::string(triggers_help), MetricType::Counter);
  for (const auto& c : clusters) {
    w.add(counter_metric(cluster_label(c), static_cast<double>(c.totals->triggers)));
  }
  w.end();
  w.begin(name_of("triggers_lost_total"), std::string(triggers_lost_help), MetricType::Counter);
  for (const auto& c : clusters) {
    w.add(counter_metric(cluster_label(c), static_cast<double>(c.totals->triggers_lost)));
  }
  w.end();
}

void write_skipped(family_writer& w, const std::vector<metrics_cluster_view>& clusters) {
  w.begin(name_of("skipped_total"), std::string(skipped_help), MetricType::Counter);
  for (const auto& c : clusters) {
    const auto& k = c.totals->skipped;
    const std::array<std::pair<skip_reason, std::uint64_t>, 3> skips = {
        {{skip_reason::already_running, k.already_running},
         {skip_reason::suspended, k.suspended},
         {skip_reason::limit, k.limit}}};
    for (const auto& [reason, n] : skips) {
      w.add(counter_metric(with(cluster_label(c), "reason", to_string(reason)),
                           static_cast<double>(n)));
    }
  }
  w.end();
}

void write_job_durations(family_writer& w, const std::vector<metrics_cluster_view>& clusters,
                         const job_histograms& jobs) {
  w.begin(name_of("job_duration_seconds"), std::string(job_duration_help), MetricType::Histogram);
  const job_histogram empty;
  for (const auto& c : clusters) {
    const auto it = jobs.find(c.cfg->name);
    prometheus::ClientMetric m;
    m.label = cluster_label(c);
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

constexpr std::array<client::operation, 6> operations = {
    client::operation::refresh,        client::operation::describe,
    client::operation::list,           client::operation::index_list,
    client::operation::index_describe, client::operation::load_state};

// ready_when's requests (docs/CYCLE.md) appear only on clusters that sent some: a cluster that
// never waits for servability keeps the three histograms of the job endpoints.
bool servability_op(client::operation op) {
  return op == client::operation::index_list || op == client::operation::index_describe ||
         op == client::operation::load_state;
}

}  // namespace

void write_cluster_families(family_writer& w, const std::vector<metrics_cluster_view>& clusters,
                            const config::metrics_settings& settings, const job_histograms& jobs) {
  if (!settings.per_collection_triggers) {
    write_triggers(w, clusters);
  }
  if (!settings.per_collection_skipped) {
    write_skipped(w, clusters);
  }
  if (!settings.per_collection_job_duration) {
    write_job_durations(w, clusters, jobs);
  }
}

void write_api_families(family_writer& w, const std::vector<metrics_cluster_view>& clusters,
                        const api_histograms& api) {
  w.begin(name_of("api_requests_total"),
          "API requests by operation and result (ok or the error class).", MetricType::Counter);
  for (const auto& c : clusters) {
    for (const auto op : operations) {
      const auto& entries = c.requests->entries;
      if (servability_op(op) && std::none_of(entries.begin(), entries.end(),
                                             [op](const auto& e) { return e.op == op; })) {
        continue;
      }
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
      if (servability_op(op) &&
          std::all_of(h.counts.begin(), h.counts.end(), [](std::uint64_t n) { return n == 0; })) {
        continue;
      }
      m.histogram = h.to_client(api_duration_buckets);
      w.add(std::move(m));
    }
  }
  w.end();
}

}  // namespace refreshd::daemon::metrics_detail
