#pragma once
// Private parts of the metrics module: histogram storage and the family writers that turn the
// runtime's state into prometheus::MetricFamily objects, serialized one family at a time (so a
// scrape of 10,000 collections never holds every series in memory at once).

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <refreshd/metrics/metrics.hpp>
#include <refreshd/metrics/metrics_process.hpp>

namespace refreshd::daemon::metrics_detail {

/// Non-cumulative bucket counts (the last one is +Inf) and the sum of observations.
template <std::size_t N>
struct histogram_data {
  std::array<std::uint64_t, N + 1> counts{};
  double sum = 0;

  void observe(double v, const std::array<double, N>& bounds) {
    const auto it = std::lower_bound(bounds.begin(), bounds.end(), v);  // first bound >= v
    ++counts[static_cast<std::size_t>(it - bounds.begin())];
    sum += v;
  }
  prometheus::ClientMetric::Histogram to_client(const std::array<double, N>& bounds) const {
    prometheus::ClientMetric::Histogram h;
    h.sample_sum = sum;
    h.bucket.reserve(N + 1);
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i <= N; ++i) {
      cumulative += counts[i];
      h.bucket.push_back(prometheus::ClientMetric::Bucket{
          cumulative, i < N ? bounds[i] : std::numeric_limits<double>::infinity()});
    }
    h.sample_count = cumulative;
    return h;
  }
};

using job_histogram = histogram_data<job_duration_buckets.size()>;
using api_histogram = histogram_data<api_duration_buckets.size()>;

/// Job duration histograms by cluster name, or by collection_key() with
/// `metrics.per_collection: [job_duration]`; absent: nothing observed yet.
using job_histograms = std::unordered_map<std::string, job_histogram>;
/// API latency histograms by cluster name, indexed by client::operation.
/// Per cluster, one per client::operation (the job endpoints, then ready_when's three).
using api_histograms = std::unordered_map<std::string, std::array<api_histogram, 6>>;

/// Serializes families into `out` in chunks of at most chunk_size series: a family of 80,000
/// series (status of 10,000 collections) never exists as one MetricFamily, so a scrape leaves
/// no heap of small allocations behind. Use begin / add... / end, or write() for a small one.
class family_writer {
 public:
  static constexpr std::size_t chunk_size = 512;

  explicit family_writer(std::string& out) : out_(out) {}
  void begin(std::string name, std::string help, prometheus::MetricType type);
  void add(prometheus::ClientMetric m);
  void end();
  void write(prometheus::MetricFamily family);

 private:
  void flush();

  std::string& out_;
  prometheus::TextSerializer serializer_;
  std::vector<prometheus::MetricFamily> one_{1};  // the family being written (one chunk)
  bool header_written_ = false;
};

prometheus::MetricFamily make_family(std::string name, std::string help,
                                     prometheus::MetricType type);
prometheus::ClientMetric gauge_metric(std::vector<prometheus::ClientMetric::Label> labels,
                                      double value);
prometheus::ClientMetric counter_metric(std::vector<prometheus::ClientMetric::Label> labels,
                                        double value);

/// HELP texts shared by the per-cluster writer and the per-collection stream.
inline constexpr std::string_view triggers_help = "Refresh jobs this daemon started.";
inline constexpr std::string_view triggers_lost_help =
    "Triggers the server accepted but dropped (job never visible).";
inline constexpr std::string_view skipped_help =
    "Slots not triggered, by reason (already_running, suspended, limit).";
inline constexpr std::string_view job_duration_help =
    "Start to end of finished jobs (completed or failed), in seconds.";

/// triggers_total, triggers_lost_total, skipped_total and job_duration_seconds per cluster, each
/// unless `metrics.per_collection` moved it to the collections (docs/METRICS.md).
void write_cluster_families(family_writer& w, const std::vector<metrics_cluster_view>& clusters,
                            const config::metrics_settings& settings, const job_histograms& jobs);

/// milvus_refresh_api_requests_total and milvus_refresh_api_request_duration_seconds.
void write_api_families(family_writer& w, const std::vector<metrics_cluster_view>& clusters,
                        const api_histograms& api);

/// The sample lines of a text exposition (lines that are neither empty nor comments).
std::size_t count_samples(std::string_view exposition);

/// process_* (families whose value is unknown are left out).
void write_process_families(family_writer& w, const process_sample& s);

/// milvus_refresh_coordination_* (docs/METRICS.md "Coordination").
void write_coordination_families(family_writer& w, const coordination_status& c);

}  // namespace refreshd::daemon::metrics_detail
