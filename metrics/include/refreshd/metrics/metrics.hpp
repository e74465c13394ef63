#pragma once
// The metric catalogue of docs/METRICS.md and the process_* metrics, as Prometheus text (format
// 0.0.4). See docs/METRICS.md for every family, the histogram buckets and the decisions.
//
// Per-collection and per-cluster series are built at scrape time from the runtime's state
// (collection_state, api_counters, the config), so every series exists from startup and label
// values come only from the config (names, schedule, timezone) and closed enums. Only what the
// runtime does not keep is stored here: the two histograms' buckets (fed by the runtime's
// on_cycle_event and cluster_runtime::on_api_call hooks), the reload result and the number of
// series in the previous scrape.
// No secret (token, endpoint, external_source/spec) ever becomes a label.
//
// Single-threaded like the runtime: call everything on the io_context's thread.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <refreshd/client/types.hpp>
#include <refreshd/config/config.hpp>
#include <refreshd/cycle/collection.hpp>
#include <refreshd/cycle/collection_state.hpp>
#include <refreshd/cycle/coordination_status.hpp>
#include <refreshd/cycle/cycle.hpp>
#include <refreshd/cycle/dependencies.hpp>

namespace refreshd::daemon {

/// Upper bounds (seconds, +Inf implied) of milvus_refresh_job_duration_seconds: 1 s to 24 h.
inline constexpr std::array<double, 16> job_duration_buckets = {
    1, 5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 21600, 43200, 86400};
/// Upper bounds (seconds, +Inf implied) of milvus_refresh_api_request_duration_seconds: 5 ms
/// to 60 s (request_timeout defaults to 10 s; one bucket set for every cluster so they sum).
inline constexpr std::array<double, 14> api_duration_buckets = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60};

/// Every `result` label value of milvus_refresh_api_requests_total: "ok", then
/// to_string(error_class) of every class.
std::vector<std::string_view> api_result_labels();

/// What a scrape reads of one cluster.
struct metrics_cluster_view {
  const config::cluster* cfg = nullptr;
  const api_counters* requests = nullptr;
  const counter_sums* totals = nullptr;  ///< its collections' counters, summed
};

/// One scrape in progress (metrics_core::begin_scrape). The values were copied when it began
/// (a reload or a finished job meanwhile does not mix into it); next() writes the exposition in
/// parts, so the caller can let other work run between two parts (docs/METRICS.md "Serving a
/// scrape").
class scrape_stream {
 public:
  virtual ~scrape_stream() = default;
  /// The next part: about `lines` sample lines (the last part, the per-cluster and daemon-wide
  /// families, may hold more); "" once everything was written.
  virtual std::string next(std::size_t lines) = 0;
};

/// The clock-independent half of basic_runtime_metrics: histogram storage, the reload result and
/// the exposition. Use basic_runtime_metrics; this is public only so the template stays small.
class metrics_core {
 public:
  /// `loaded_at`: when the running config was loaded (the reload timestamp at startup).
  explicit metrics_core(wall_time loaded_at);
  ~metrics_core();
  metrics_core(const metrics_core&) = delete;
  metrics_core& operator=(const metrics_core&) = delete;

  /// Observes job durations (events::completed / events::failed with a known duration) per
  /// cluster and, with `metrics.per_collection: [job_duration]`, per collection.
  void on_cycle_event(const config::metrics_settings& settings, const config::cluster& cluster,
                      const config::collection& collection, const cycle_event& e);
  void on_api_call(const std::string& cluster, client::operation op, std::chrono::nanoseconds took);
  void set_reload_result(bool ok, wall_time at);
  /// With `coordination:`: the replica's state at each scrape (milvus_refresh_coordination_*).
  std::function<std::optional<coordination_status>()> coordination;
  /// With `coordination:`: whether this replica drives collections()[index]; the scrape then
  /// has per-collection series only for those (docs/METRICS.md "Coordination").
  std::function<bool(std::size_t index)> drives;
  /// target_lag (docs/SCHEDULES.md): the expected refresh duration of collections()[index].
  std::function<std::optional<std::chrono::milliseconds>(std::size_t index)> expected_duration;
  /// depends_on (docs/SCHEDULES.md): where collections()[index] stands
  /// (milvus_refresh_upstream_held).
  std::function<upstream_wait(std::size_t index)> upstream_state;
  /// Whether collections()[index] (paused) is quarantined (milvus_refresh_quarantined).
  std::function<bool(std::size_t index)> quarantined;

  /// A scrape that begins now. `collections[i].cluster` indexes `clusters`; `keepalive` holds the
  /// configuration the collections point to for as long as the scrape is written (a reload
  /// meanwhile frees the old one otherwise).
  std::unique_ptr<scrape_stream> begin_scrape(const config::metrics_settings& settings,
                                              const collection_list& collections,
                                              const std::vector<metrics_cluster_view>& clusters,
                                              std::optional<wall_time> last_tick,
                                              std::shared_ptr<const void> keepalive) const;
  /// The whole exposition at once (begin_scrape, every part joined, before anything else runs).
  std::string scrape(const config::metrics_settings& settings, const collection_list& collections,
                     const std::vector<metrics_cluster_view>& clusters,
                     std::optional<wall_time> last_tick) const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace refreshd::daemon
