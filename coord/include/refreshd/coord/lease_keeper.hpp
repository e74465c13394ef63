#pragma once
// The replica's etcd lease (docs/COORDINATION.md "The lease"): granted, renewed with one
// keepalive request every TTL/3, and acted on only until its deadline: the send time of the
// last renewal etcd confirmed, plus the TTL etcd gave it, minus a safety margin. etcd cannot
// expire the lease before that moment (it counts the TTL from when it received that renewal,
// which is after it was sent), so a replica that stops at its deadline has stopped before its
// claims can pass to another. A lease that is gone or past its deadline is never used again: the
// keeper revokes it (best effort) and grants a new one.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include <boost/asio/steady_timer.hpp>

#include <refreshd/coord/etcd_client.hpp>
#include <refreshd/net/asio.hpp>

namespace refreshd::coord {

class lease_keeper {
 public:
  using clock = std::chrono::steady_clock;

  /// `margin` must be below `ttl`; the deadline is sent + TTL - margin.
  lease_keeper(executor ex, etcd_client& etcd, std::chrono::seconds ttl,
               std::chrono::milliseconds margin);

  /// Grants and renews until stop(); then revokes the lease (a graceful hand-off: its claims go
  /// at once instead of after the TTL).
  awaitable<void> run();
  void stop();

  /// The lease id while it may be acted on (`now` before its deadline), else 0.
  [[nodiscard]] std::int64_t valid_lease(clock::time_point now) const noexcept {
    return id_ != 0 && now < deadline_ ? id_ : 0;
  }
  [[nodiscard]] std::int64_t lease() const noexcept { return id_; }
  [[nodiscard]] clock::time_point deadline() const noexcept { return deadline_; }
  /// Leases granted so far (a new one after every loss).
  [[nodiscard]] int grants() const noexcept { return grants_; }
  /// Renewals etcd confirmed, and renewals that failed (no answer, an error, the lease gone).
  [[nodiscard]] std::uint64_t renewals() const noexcept { return renewals_; }
  [[nodiscard]] std::uint64_t renewal_failures() const noexcept { return renewal_failures_; }

  /// Called with the new lease's id after each grant.
  std::function<void(std::int64_t)> on_granted;
  /// Called when the keeper gives the current lease up, with the reason. Acting on it stops
  /// earlier, at deadline() (valid_lease()): a renewal in flight then may still be failing.
  std::function<void(std::int64_t, const std::string&)> on_lost;
  /// Called when a grant fails, with etcd's or the transport's message (no secret).
  std::function<void(const std::string&)> on_grant_failed;

 private:
  awaitable<void> grant();
  awaitable<void> renew();
  awaitable<void> lose(std::string why);
  /// Waits until `t` (or stop()); false once stopped.
  awaitable<bool> wait_until(clock::time_point t);

  etcd_client& etcd_;
  net::steady_timer timer_;
  std::chrono::seconds ttl_;
  std::chrono::milliseconds margin_;
  std::int64_t id_ = 0;
  clock::time_point deadline_{};
  clock::time_point next_renewal_{};
  int grants_ = 0;
  std::uint64_t renewals_ = 0;
  std::uint64_t renewal_failures_ = 0;
  bool stopped_ = false;
};

}  // namespace refreshd::coord
