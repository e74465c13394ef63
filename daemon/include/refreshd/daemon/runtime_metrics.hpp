#pragma once
// The metrics of a running daemon: metrics_core (metrics/) bound to a runtime (runtime/). The
// two libraries do not know each other (docs/ARCHITECTURE.md); the program joins them here.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <refreshd/metrics/metrics.hpp>
#include <refreshd/runtime/runtime.hpp>

namespace refreshd::daemon {

/// The daemon's metrics over a runtime (basic_runtime<real_clock> in production, a mock clock
/// in tests). The runtime must outlive this object's scrape() calls; the hooks installed by
/// attach() stay valid even if this object is destroyed first (they share the storage).
template <class Clock>
class basic_runtime_metrics {
 public:
  /// The config counts as loaded (successfully) now.
  explicit basic_runtime_metrics(basic_runtime<Clock>& rt)
      : basic_runtime_metrics(rt,
                              std::chrono::floor<std::chrono::milliseconds>(Clock::system_now())) {}
  basic_runtime_metrics(basic_runtime<Clock>& rt, wall_time loaded_at)
      : rt_(rt), core_(std::make_shared<metrics_core>(loaded_at)) {}

  /// Installs the runtime's on_cycle_event and every cluster's on_api_call (replacing what was
  /// there). Call once after create(), before start(); again after clusters are rebuilt.
  void attach() {
    auto* rt = &rt_;  // the runtime owns the hooks, so it is alive whenever they run
    rt_.on_cycle_event = [rt, core = core_](std::size_t index, const cycle_event& e) {
      const auto& c = rt->collections()[index];
      core->on_cycle_event(rt->configuration().metrics, *rt->clusters()[c.cluster]->cfg, *c.cfg, e);
    };
    core_->coordination = [rt]() -> std::optional<coordination_status> {
      const ownership* o = rt->coordination();
      return o != nullptr ? std::optional(o->status()) : std::nullopt;
    };
    if (rt_.coordination() != nullptr) {
      core_->drives = [rt](std::size_t index) { return rt->drives(index); };
    }
    core_->expected_duration = [rt](std::size_t index) { return rt->expected_duration(index); };
    core_->upstream_state = [rt](std::size_t index) { return rt->upstream_state(index).wait; };
    core_->quarantined = [rt](std::size_t index) {
      const auto* p = rt->pause_of(index);
      return p != nullptr && p->quarantined;
    };
    for (const auto& cluster : rt_.clusters()) {
      cluster->on_api_call = [core = core_, name = cluster->cfg->name](
                                 client::operation op, std::string_view,
                                 std::chrono::nanoseconds took) {
        core->on_api_call(name, op, took);
      };
    }
  }

  /// A scrape that begins now (its values are copied now; write it with next()).
  std::unique_ptr<scrape_stream> begin_scrape() const {
    return core_->begin_scrape(rt_.configuration().metrics, rt_.collections(), cluster_views(),
                               rt_.last_tick(), rt_.shared_configuration());
  }
  /// The whole text exposition (format 0.0.4) at once.
  std::string scrape() const {
    return core_->scrape(rt_.configuration().metrics, rt_.collections(), cluster_views(),
                         rt_.last_tick());
  }

  /// After a reload attempt: ok sets config_last_reload_successful 1 and the success
  /// timestamp to `at`; a failure sets 0 and keeps the previous success timestamp.
  void set_reload_result(bool ok, wall_time at) { core_->set_reload_result(ok, at); }

 private:
  std::vector<metrics_cluster_view> cluster_views() const {
    std::vector<metrics_cluster_view> clusters;
    clusters.reserve(rt_.clusters().size());
    for (const auto& c : rt_.clusters()) {
      clusters.push_back(metrics_cluster_view{c->cfg, &c->requests, c->totals.get()});
    }
    return clusters;
  }

  basic_runtime<Clock>& rt_;
  std::shared_ptr<metrics_core> core_;
};

using runtime_metrics = basic_runtime_metrics<real_clock>;

}  // namespace refreshd::daemon
