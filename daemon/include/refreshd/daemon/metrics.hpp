#pragma once
// The metric catalogue of docs/METRICS.md and the process_* metrics, as Prometheus text (format
// 0.0.4). See docs/METRICS.md for every family, the histogram buckets and the decisions.
//
// Per-collection and per-cluster series are built at scrape time from the runtime's state
// (collection_state, api_counters, the config), so every series exists from startup and label
// values come only from the config (names, schedule, timezone) and closed enums. Only what the
// runtime does not keep is stored here: the two histograms' buckets (fed by the runtime's
// on_cycle_event and cluster_runtime::on_api_call hooks) and the reload result.
// No secret (token, endpoint, external_source/spec) ever becomes a label.
//
// Single-threaded like the runtime: call everything on the io_context's thread.

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <refreshd/client/types.hpp>
#include <refreshd/config/config.hpp>
#include <refreshd/cycle/cycle.hpp>
#include <refreshd/daemon/runtime.hpp>

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
};

/// The clock-independent half of basic_metrics: histogram storage, the reload result and the
/// exposition. Use basic_metrics; this is public only so the template stays small.
class metrics_core {
 public:
  /// `loaded_at`: when the running config was loaded (the reload timestamp at startup).
  explicit metrics_core(wall_time loaded_at);
  ~metrics_core();
  metrics_core(const metrics_core&) = delete;
  metrics_core& operator=(const metrics_core&) = delete;

  /// Observes job durations (events::completed / events::failed with a known duration).
  void on_cycle_event(const config::cluster& cluster, const config::collection& collection,
                      const cycle_event& e);
  void on_api_call(const std::string& cluster, client::operation op, std::chrono::nanoseconds took);
  void set_reload_result(bool ok, wall_time at);

  /// The whole exposition. `collections[i].cluster` indexes `clusters`.
  std::string scrape(const collection_list& collections,
                     const std::vector<metrics_cluster_view>& clusters,
                     std::optional<wall_time> last_tick) const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// The daemon's metrics over a runtime (basic_runtime<real_clock> in production, a mock clock
/// in tests). The runtime must outlive this object's scrape() calls; the hooks installed by
/// attach() stay valid even if this object is destroyed first (they share the storage).
template <class Clock>
class basic_metrics {
 public:
  /// The config counts as loaded (successfully) now.
  explicit basic_metrics(basic_runtime<Clock>& rt)
      : basic_metrics(rt, std::chrono::floor<std::chrono::milliseconds>(Clock::system_now())) {}
  basic_metrics(basic_runtime<Clock>& rt, wall_time loaded_at)
      : rt_(rt), core_(std::make_shared<metrics_core>(loaded_at)) {}

  /// Installs the runtime's on_cycle_event and every cluster's on_api_call (replacing what was
  /// there). Call once after create(), before start(); again after clusters are rebuilt.
  void attach() {
    auto* rt = &rt_;  // the runtime owns the hooks, so it is alive whenever they run
    rt_.on_cycle_event = [rt, core = core_](std::size_t index, const cycle_event& e) {
      const auto& c = rt->collections()[index];
      core->on_cycle_event(*rt->clusters()[c.cluster]->cfg, *c.cfg, e);
    };
    for (const auto& cluster : rt_.clusters()) {
      cluster->on_api_call = [core = core_, name = cluster->cfg->name](
                                 client::operation op, std::string_view,
                                 std::chrono::nanoseconds took) {
        core->on_api_call(name, op, took);
      };
    }
  }

  /// The whole text exposition (format 0.0.4), built fresh.
  std::string scrape() const {
    std::vector<metrics_cluster_view> clusters;
    clusters.reserve(rt_.clusters().size());
    for (const auto& c : rt_.clusters()) {
      clusters.push_back(metrics_cluster_view{c->cfg, &c->requests});
    }
    return core_->scrape(rt_.collections(), clusters, rt_.last_tick());
  }

  /// After a reload attempt: ok sets config_last_reload_successful 1 and the success
  /// timestamp to `at`; a failure sets 0 and keeps the previous success timestamp.
  void set_reload_result(bool ok, wall_time at) { core_->set_reload_result(ok, at); }

 private:
  basic_runtime<Clock>& rt_;
  std::shared_ptr<metrics_core> core_;
};

using metrics = basic_metrics<real_clock>;

}  // namespace refreshd::daemon
