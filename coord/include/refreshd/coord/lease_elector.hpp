#pragma once
// Leader election with a Kubernetes Lease, as client-go's leaderelection runs it
// (docs/COORDINATION.md "Kubernetes Lease"): every retry period, read the Lease and create,
// take over or renew it (next_election_step); a leader that has not renewed for the renew
// deadline stops leading, before a standby may take over (lease duration, counted on the
// standby's clock from when it saw the last change). On stop, a leader releases the Lease.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include <boost/asio/steady_timer.hpp>

#include <refreshd/coord/kube_lease_client.hpp>
#include <refreshd/net/asio.hpp>

namespace refreshd::coord {

struct election_timings {
  std::chrono::seconds lease_duration{15};
  std::chrono::milliseconds renew_deadline{10000};
  std::chrono::milliseconds retry_period{2000};
};

class lease_elector {
 public:
  using clock = std::chrono::steady_clock;
  lease_elector(executor ex, kube_lease_client& api, std::string identity,
                election_timings timings);
  /// Tries to acquire and renews until stop(); then releases the Lease if it leads.
  awaitable<void> run();
  void stop();
  /// Leading now: the last renewal that succeeded was started less than the renew deadline ago.
  [[nodiscard]] bool leading(clock::time_point now) const noexcept {
    return leader_ && now < renewed_ + timings_.renew_deadline;
  }
  /// Right before a trigger: the Lease, read now, still names this candidate, and it still
  /// leads. Asked again while the API server does not answer and it leads; false otherwise.
  awaitable<bool> confirm();
  /// Confirmations waiting for the API server give up (shutdown: no trigger follows).
  void cancel_confirms() noexcept;
  [[nodiscard]] const std::string& identity() const noexcept { return identity_; }
  [[nodiscard]] std::uint64_t renewals() const noexcept { return renewals_; }
  [[nodiscard]] std::uint64_t failures() const noexcept { return failures_; }
  [[nodiscard]] std::uint64_t acquired() const noexcept { return acquired_; }
  [[nodiscard]] std::uint64_t lost() const noexcept { return lost_; }
  [[nodiscard]] std::uint64_t refusals() const noexcept { return refusals_; }

  std::function<void()> on_started_leading;
  std::function<void(const std::string& why)> on_stopped_leading;

 private:
  /// One tryAcquireOrRenew; true when this candidate holds the Lease afterwards.
  awaitable<bool> try_acquire_or_renew();
  void stop_leading(const std::string& why);

  kube_lease_client& api_;
  net::steady_timer timer_;
  std::string identity_;
  election_timings timings_;
  lease_observation seen_;
  kube_lease held_;  ///< what this candidate last wrote
  bool leader_ = false;
  clock::time_point renewed_{};
  bool stopped_ = false;
  bool confirms_cancelled_ = false;
  std::uint64_t renewals_ = 0;
  std::uint64_t failures_ = 0;
  std::uint64_t acquired_ = 0;
  std::uint64_t lost_ = 0;
  std::uint64_t refusals_ = 0;
};

}  // namespace refreshd::coord
