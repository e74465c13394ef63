// metrics_core: histogram storage fed by the runtime's hooks, the reload result, and the scrape.
#include <algorithm>
#include <type_traits>
#include <utility>

#include <refreshd/config/version.hpp>
#include <refreshd/metrics/metrics.hpp>

#include "metrics_families.hpp"
#include "metrics_snapshot.hpp"
#include "metrics_stream.hpp"

namespace refreshd::daemon {

using metrics_detail::family_writer;
using metrics_detail::make_family;
using prometheus::MetricType;

std::vector<std::string_view> api_result_labels() {
  std::vector<std::string_view> out{"ok"};
  // error_class is a dense enum starting at 0; to_string answers "unknown" past its end, so a
  // class added later is picked up without touching this file.
  for (int i = 0;; ++i) {
    const auto s = client::to_string(static_cast<client::error_class>(i));
    if (s == "unknown") {
      break;
    }
    out.push_back(s);
  }
  return out;
}

struct metrics_core::impl {
  bool reload_ok = true;
  wall_time reload_success_at;
  metrics_detail::job_histograms cluster_jobs;
  metrics_detail::job_histograms collection_jobs;  // only with per_collection: [job_duration]
  metrics_detail::api_histograms api;
  // Sample lines of the last scrape written to its end (shared with the streams).
  std::shared_ptr<std::size_t> last_series = std::make_shared<std::size_t>(0);
};

metrics_core::metrics_core(wall_time loaded_at) : impl_(std::make_unique<impl>()) {
  impl_->reload_success_at = loaded_at;
}

metrics_core::~metrics_core() = default;

void metrics_core::on_cycle_event(const config::metrics_settings& settings,
                                  const config::cluster& cluster,
                                  const config::collection& collection, const cycle_event& e) {
  if (!settings.per_collection_job_duration && !impl_->collection_jobs.empty()) {
    impl_->collection_jobs.clear();  // a reload turned the detail off: its storage goes
  }
  const auto observe = [&](const std::optional<std::chrono::milliseconds>& d) {
    if (!d || d->count() < 0) {
      return;
    }
    const double v = static_cast<double>(d->count()) / 1000.0;
    impl_->cluster_jobs[cluster.name].observe(v, job_duration_buckets);
    if (settings.per_collection_job_duration) {
      impl_->collection_jobs[collection_key(cluster.name, *collection.database, collection.name)]
          .observe(v, job_duration_buckets);
    }
  };
  if (const auto* c = std::get_if<events::completed>(&e)) {
    observe(c->duration);
  } else if (const auto* f = std::get_if<events::failed>(&e)) {
    observe(f->duration);
  }
}

void metrics_core::on_api_call(const std::string& cluster, client::operation op,
                               std::chrono::nanoseconds took) {
  const auto i = static_cast<std::size_t>(op);
  auto& per_op = impl_->api[cluster];
  if (i < per_op.size()) {
    per_op[i].observe(std::chrono::duration<double>(took).count(), api_duration_buckets);
  }
}

void metrics_core::set_reload_result(bool ok, wall_time at) {
  impl_->reload_ok = ok;
  if (ok) {
    impl_->reload_success_at = at;
  }
}

namespace {

prometheus::MetricFamily single_gauge(std::string name, std::string help, double v) {
  auto f = make_family(std::move(name), std::move(help), MetricType::Gauge);
  f.metric.push_back(metrics_detail::gauge_metric({}, v));
  return f;
}

double seconds(wall_time t) {
  return static_cast<double>(t.time_since_epoch().count()) / 1000.0;
}

}  // namespace

namespace {

// docs/METRICS.md: two more series, for target_lag collections only.
void add_lag(
    metrics_detail::collection_values& v, const collection_runtime& c, std::optional<wall_time> now,
    const std::function<std::optional<std::chrono::milliseconds>(std::size_t)>& expected_of) {
  if (!c.plan.is_lag()) {
    return;
  }
  const auto expected = expected_of ? expected_of(c.index) : std::nullopt;
  v.expected = expected ? std::chrono::duration<double>(*expected).count() : -1;
  if (now && c.state.last_success) {
    v.lag = std::max(0.0, std::chrono::duration<double>(*now - *c.state.last_success).count());
  }
}

}  // namespace

std::unique_ptr<scrape_stream> metrics_core::begin_scrape(
    const config::metrics_settings& settings, const collection_list& collections,
    const std::vector<metrics_cluster_view>& clusters, std::optional<wall_time> last_tick,
    std::shared_ptr<const void> keepalive) const {
  auto& im = *impl_;
  std::vector<metrics_detail::collection_values> rows;
  rows.reserve(collections.size());
  std::vector<metrics_detail::job_histogram> histograms;
  if (settings.per_collection_job_duration) {
    histograms.reserve(collections.size());
  }
  for (const auto& c : collections) {
    if (drives && !drives(c.index)) {
      continue;  // another replica's: its series come from that replica
    }
    rows.push_back(metrics_detail::values_of(c, *clusters.at(c.cluster).cfg));
    add_lag(rows.back(), c, last_tick, expected_duration);
    if (c.plan.is_dependent() && upstream_state) {
      rows.back().held = upstream_state(c.index) == upstream_wait::held ? 1 : 0;
    }
    if (c.state.paused && quarantined && quarantined(c.index)) {
      rows.back().quarantined = 1;
    }
    if (settings.per_collection_job_duration) {
      const auto it = im.collection_jobs.find(
          collection_key(clusters.at(c.cluster).cfg->name, *c.cfg->database, c.cfg->name));
      histograms.push_back(it == im.collection_jobs.end() ? metrics_detail::job_histogram{}
                                                          : it->second);
    }
  }
  // The per-cluster and daemon-wide families are small: rendered now, from the same moment.
  std::string tail;
  family_writer w(tail);
  metrics_detail::write_cluster_families(w, clusters, settings, im.cluster_jobs);
  metrics_detail::write_api_families(w, clusters, im.api);
  w.write(single_gauge("milvus_refresh_config_last_reload_successful",
                       "Whether the last configuration reload succeeded (1) or failed (0).",
                       im.reload_ok ? 1 : 0));
  w.write(single_gauge("milvus_refresh_config_last_reload_success_timestamp_seconds",
                       "When the running configuration was loaded (Unix seconds).",
                       seconds(im.reload_success_at)));
  w.write(single_gauge("milvus_refresh_scheduler_last_tick_timestamp_seconds",
                       "Heartbeat of the scheduler loop: its last tick (Unix seconds, 0 before "
                       "the first).",
                       last_tick ? seconds(*last_tick) : 0));
  auto build = make_family("milvus_refresh_build_info",
                           "Version and git revision of this build (value 1).", MetricType::Gauge);
  build.metric.push_back(metrics_detail::gauge_metric(
      {{"version", std::string(version())}, {"revision", std::string(git_revision())}}, 1));
  w.write(std::move(build));
  metrics_detail::write_process_families(w, read_process_sample());
  if (coordination) {
    if (const auto co = coordination()) {
      metrics_detail::write_coordination_families(w, *co);
    }
  }
  w.write(single_gauge("milvus_refresh_scrape_series",
                       "Series (sample lines) in the previous scrape of this endpoint.",
                       static_cast<double>(*im.last_series)));
  return std::make_unique<metrics_detail::scrape_stream_impl>(std::move(keepalive), std::move(rows),
                                                              settings, std::move(histograms),
                                                              std::move(tail), im.last_series);
}

std::string metrics_core::scrape(const config::metrics_settings& settings,
                                 const collection_list& collections,
                                 const std::vector<metrics_cluster_view>& clusters,
                                 std::optional<wall_time> last_tick) const {
  auto stream = begin_scrape(settings, collections, clusters, last_tick, nullptr);
  std::string out;
  for (std::string part = stream->next(1000); !part.empty(); part = stream->next(1000)) {
    out += part;
  }
  return out;
}

namespace metrics_detail {

std::size_t count_samples(std::string_view exposition) {
  std::size_t n = 0;
  bool line_start = true;
  for (const char c : exposition) {
    if (line_start && c != '#' && c != '\n') {
      ++n;
    }
    line_start = c == '\n';
  }
  return n;
}

void family_writer::begin(std::string name, std::string help, prometheus::MetricType type) {
  auto& f = one_.front();
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  f.metric.clear();
  header_written_ = false;
}

void family_writer::add(prometheus::ClientMetric m) {
  one_.front().metric.push_back(std::move(m));
  if (one_.front().metric.size() >= chunk_size) {
    flush();
  }
}

void family_writer::end() {
  if (!header_written_ || !one_.front().metric.empty()) {
    flush();
  }
}

void family_writer::write(prometheus::MetricFamily family) {
  begin(std::move(family.name), std::move(family.help), family.type);
  for (auto& m : family.metric) {
    add(std::move(m));
  }
  end();
}

void family_writer::flush() {
  const auto text = serializer_.Serialize(one_);
  std::size_t from = 0;
  if (header_written_) {
    // A later chunk of the same family: drop the "# HELP" / "# TYPE" lines (samples never
    // start with '#').
    while (from < text.size() && text[from] == '#') {
      const auto nl = text.find('\n', from);
      from = nl == std::string::npos ? text.size() : nl + 1;
    }
  }
  out_.append(text, from);
  header_written_ = true;
  one_.front().metric.clear();
}

prometheus::MetricFamily make_family(std::string name, std::string help,
                                     prometheus::MetricType type) {
  prometheus::MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

prometheus::ClientMetric gauge_metric(std::vector<prometheus::ClientMetric::Label> labels,
                                      double value) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  m.gauge.value = value;
  return m;
}

prometheus::ClientMetric counter_metric(std::vector<prometheus::ClientMetric::Label> labels,
                                        double value) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  m.counter.value = value;
  return m;
}

void write_process_families(family_writer& w, const process_sample& s) {
  struct def {
    const char* name;
    const char* help;
    MetricType type;
    const std::optional<double>& value;
  };
  const std::array<def, 6> defs = {{
      {"process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
       MetricType::Counter, s.cpu_seconds},
      {"process_open_fds", "Number of open file descriptors.", MetricType::Gauge, s.open_fds},
      {"process_max_fds", "Maximum number of open file descriptors.", MetricType::Gauge, s.max_fds},
      {"process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::Gauge,
       s.virtual_bytes},
      {"process_resident_memory_bytes", "Resident memory size in bytes.", MetricType::Gauge,
       s.resident_bytes},
      {"process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
       MetricType::Gauge, s.start_time_seconds},
  }};
  for (const auto& d : defs) {
    if (!d.value) {
      continue;
    }
    auto f = make_family(d.name, d.help, d.type);
    f.metric.push_back(d.type == MetricType::Counter ? counter_metric({}, *d.value)
                                                     : gauge_metric({}, *d.value));
    w.write(std::move(f));
  }
}

}  // namespace metrics_detail
}  // namespace refreshd::daemon
