#pragma once
// Sharing the collections among replicas through etcd (docs/COORDINATION.md "Ownership"): each
// replica keeps PREFIX/members/<id> on its lease (lease_keeper), reads the live members every
// TTL/3, and claims the collections that rendezvous hashing gives it with a transaction on
// PREFIX/owners/<collection> (create it if absent, on its lease). It releases a claim that
// hashing now gives another member (a graceful hand-off; the other claims it at its next sync),
// and a dead replica's claims go with its lease. A replica drives a collection only while
// owns() says so, and fence() checks the claim in etcd right before a trigger.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include <refreshd/coord/etcd_client.hpp>
#include <refreshd/coord/lease_keeper.hpp>
#include <refreshd/net/asio.hpp>

namespace refreshd::coord {

struct coordinator_options {
  std::string prefix = "/milvus-refreshd";
  std::string replica_id;  ///< unique among the replicas; the value of its member key and claims
  std::chrono::seconds ttl{10};
  std::chrono::milliseconds margin{1000};
};

class coordinator {
 public:
  static constexpr std::chrono::milliseconds fence_retry{200};
  using clock = lease_keeper::clock;

  /// Throws std::invalid_argument for an empty replica id or one with '/'.
  coordinator(executor ex, etcd_client& etcd, coordinator_options options);

  /// The collections to share (keys such as "cluster/database/name"), replaced at a reload.
  void set_collections(std::vector<std::string> keys);

  /// Keeps the lease, the member key and the claims until stop(); then releases every claim
  /// and the lease.
  awaitable<void> run();
  void stop();
  /// Fences waiting for etcd give up (the runtime is shutting down: no trigger follows).
  void cancel_fences() noexcept;

  /// Whether this replica holds the claim on `key` and may act on its lease now.
  [[nodiscard]] bool owns(std::string_view key, clock::time_point now) const;
  /// Right before a trigger: a transaction that succeeds only if the claim on `key` is still
  /// this replica's, on its current lease. While etcd cannot answer, asked again every
  /// `fence_retry` until the lease's deadline; false then, and when the claim is not ours.
  awaitable<bool> fence(std::string key);

  [[nodiscard]] const std::vector<std::string>& members() const noexcept { return members_; }
  /// The replica's current lease (0 while it has none).
  [[nodiscard]] std::int64_t lease() const noexcept { return keeper_.lease(); }
  [[nodiscard]] std::size_t owned() const noexcept { return owned_.size(); }
  [[nodiscard]] const lease_keeper& keeper() const noexcept { return keeper_; }
  /// Claims won and claims released (hand-offs) since the start; fences that refused.
  [[nodiscard]] std::uint64_t claims() const noexcept { return claims_; }
  [[nodiscard]] std::uint64_t releases() const noexcept { return releases_; }
  [[nodiscard]] std::uint64_t fence_refusals() const noexcept { return fence_refusals_; }

  /// After a sync that claimed collections: their keys (the runtime reconciles them).
  std::function<void(const std::vector<std::string>&)> on_claimed;
  /// After a sync that released collections (hand-offs, or no longer configured).
  std::function<void(const std::vector<std::string>&)> on_released;
  /// The lease's life (lease_keeper::on_granted / on_lost).
  std::function<void(std::int64_t)> on_lease_granted;
  std::function<void(std::int64_t, const std::string&)> on_lease_lost;
  std::function<void(const std::string&)> on_lease_grant_failed;

 private:
  awaitable<void> sync();
  /// Hands the sync's claims and releases to on_claimed / on_released.
  void report();
  awaitable<void> claim(const std::string& key, std::int64_t lease);
  awaitable<void> release(const std::string& key, std::int64_t lease);
  [[nodiscard]] std::string owner_key(std::string_view key) const;

  etcd_client& etcd_;
  coordinator_options options_;
  lease_keeper keeper_;
  net::steady_timer timer_;
  std::shared_ptr<const std::vector<std::string>> collections_ =
      std::make_shared<const std::vector<std::string>>();
  std::vector<std::string> members_;
  std::set<std::string, std::less<>> owned_;
  // Claims that may be in etcd without being in owned_: a claim or a release whose answer was
  // lost, or claims of a lease that was briefly past its deadline. Claimed again or released.
  std::set<std::string, std::less<>> doubtful_;
  std::int64_t member_lease_ = 0;  // the lease the member key was written with
  std::int64_t owned_lease_ = 0;   // the lease the claims in owned_ were made with
  // The members and collections of the last sync that left nothing to claim: the next sync
  // with the same ones has nothing to compute either.
  std::vector<std::string> settled_members_;
  std::shared_ptr<const std::vector<std::string>> settled_collections_;
  std::vector<std::string> claimed_now_;  // by the sync running now
  std::vector<std::string> released_now_;
  std::uint64_t claims_ = 0;
  std::uint64_t releases_ = 0;
  std::uint64_t fence_refusals_ = 0;
  bool stopped_ = false;
  bool fences_cancelled_ = false;
  bool keeper_ended_ = false;
};

}  // namespace refreshd::coord
