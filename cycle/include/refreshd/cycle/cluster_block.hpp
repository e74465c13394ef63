#pragma once
// The block of one cluster (docs/DAEMON.md "Clusters"): after an `unsupported` or `auth_failed`
// outcome the whole cluster waits until the outcome's not_before; its due collections meanwhile
// take that outcome without a request. Then one collection at a time (the prober) runs a normal
// cycle to test whether the block still holds. Pure: the caller passes the time.

#include <cstddef>
#include <optional>

#include <refreshd/cycle/cycle.hpp>
#include <refreshd/cycle/time.hpp>

namespace refreshd::daemon {

class cluster_block {
 public:
  /// Blocks the cluster, or renews the block, with `o` until o.not_before; no prober.
  void set(const cycle_outcome& o) {
    outcome_ = o;
    until_ = o.not_before;
    prober_.reset();
  }
  /// The cluster answers again.
  void clear() {
    outcome_.reset();
    until_.reset();
    prober_.reset();
  }
  /// The next due collection probes at once (a re-read token differs).
  void expire() { until_.reset(); }

  explicit operator bool() const noexcept { return outcome_.has_value(); }
  /// The outcome the cluster's collections take while blocked; nullopt when not blocked.
  const std::optional<cycle_outcome>& outcome() const noexcept { return outcome_; }

  /// May collection `index` make requests now? Yes when the cluster is not blocked or `index`
  /// is the prober; with `may_probe`, the first collection due once the block's time passed
  /// becomes the prober (the others wait for its outcome). Otherwise no.
  bool lets_through(std::size_t index, bool may_probe, steady_time now) {
    if (!outcome_ || prober_ == index) {
      return true;
    }
    if (may_probe && !prober_ && (!until_ || now >= *until_)) {
      prober_ = index;
      return true;
    }
    return false;
  }

  std::optional<std::size_t> prober() const noexcept { return prober_; }
  /// The prober's index after a reload renumbered the collections (nullopt: none any more).
  void set_prober(std::optional<std::size_t> index) noexcept { prober_ = index; }

 private:
  std::optional<cycle_outcome> outcome_;
  std::optional<steady_time> until_;
  std::optional<std::size_t> prober_;
};

}  // namespace refreshd::daemon
