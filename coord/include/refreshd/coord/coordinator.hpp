#pragma once
// Sharing the collections among replicas through etcd (docs/COORDINATION.md "Ownership"): each
// replica keeps PREFIX/members/<id> on its lease (lease_keeper), reads the live members every
// TTL/3 and at once when its watch of them reports a change, and claims the collections that
// rendezvous hashing gives it with a transaction on PREFIX/owners/<collection> (create it if
// absent, on its lease). It releases a claim that hashing now gives another member (a graceful
// hand-off; the other claims it at its next sync), and a dead replica's claims go with its lease. A
// replica drives a collection only while owns() says so, and fence() checks the claim in etcd right
// before a trigger.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
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
  /// Claims and releases per transaction: half of etcd's default --max-txn-ops (128); halved
  /// again while etcd refuses a batch as too large (InvalidArgument).
  static constexpr std::size_t max_batch = 64;
  static constexpr int code_invalid_argument = 3;
  /// A watch of the members that says nothing for this long is made again (a quiet etcd sends
  /// nothing unless it runs with a progress-notify interval; a frozen member neither).
  static constexpr std::chrono::seconds watch_idle{60};
  using clock = lease_keeper::clock;

  /// Throws std::invalid_argument for an empty replica id or one with '/'.
  coordinator(executor ex, etcd_client& etcd, coordinator_options options);

  /// The collections to share (keys such as "cluster/database/name"), replaced at a reload.
  /// `placement` maps a key to the key its owner is hashed by (absent: itself): collections
  /// linked by depends_on share one, so one replica drives them all (docs/COORDINATION.md
  /// "depends_on").
  void set_collections(std::vector<std::string> keys,
                       std::map<std::string, std::string, std::less<>> placement = {});

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
  /// Member changes the watch reported (each wakes a sync at once).
  [[nodiscard]] std::uint64_t watched_changes() const noexcept { return watched_changes_; }

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
  /// Watches PREFIX/members/ from the last sync's revision on; a change wakes a sync at once
  /// (the sync every TTL/3 stays: a watch that broke or stalled only delays a change).
  awaitable<void> watch_members();
  void wake() noexcept;
  /// Until the next sync: TTL/3, or sooner while claims wait for another member's release.
  clock::duration next_sync_delay() noexcept;
  /// Hands the sync's claims and releases to on_claimed / on_released.
  void report();
  /// One transaction of nested ones, one per key: claims (create the owner key on `lease`
  /// where absent) or releases (delete it where it is ours on `lease`).
  [[nodiscard]] txn_request batch_txn(std::span<const std::string> keys, bool claims,
                                      std::int64_t lease) const;
  /// The batch's answer (kept in `answer`), or nullptr when it failed or was malformed.
  awaitable<const txn_result*> send_batch(txn_request batch, std::optional<txn_result>& answer);
  awaitable<void> claim(std::span<const std::string> keys, std::int64_t lease);
  awaitable<void> release(std::span<const std::string> keys, std::int64_t lease);
  [[nodiscard]] std::string owner_key(std::string_view key) const;

  etcd_client& etcd_;
  coordinator_options options_;
  lease_keeper keeper_;
  net::steady_timer timer_;
  std::shared_ptr<const std::vector<std::string>> collections_ =
      std::make_shared<const std::vector<std::string>>();
  std::shared_ptr<const std::map<std::string, std::string, std::less<>>> placement_ =
      std::make_shared<const std::map<std::string, std::string, std::less<>>>();
  std::vector<std::string> members_;
  std::set<std::string, std::less<>> owned_;
  // Claims that may be in etcd without being in owned_: a claim or a release whose answer was
  // lost, or claims of a lease that was briefly past its deadline. Claimed again or released.
  std::set<std::string, std::less<>> doubtful_;
  net::steady_timer watch_pause_;
  std::int64_t members_revision_ = 0;  // the store's revision of the last members read
  bool wake_ = false;                  // a sync is due at once (the watch saw a change)
  bool claims_pending_ = false;        // the last sync could not claim all it should own
  clock::duration pending_retry_{};    // the current wait while claims are pending
  bool watch_ended_ = true;
  std::uint64_t watched_changes_ = 0;
  std::int64_t member_lease_ = 0;  // the lease the member key was written with
  std::int64_t owned_lease_ = 0;   // the lease the claims in owned_ were made with
  // The members and collections of the last sync that left nothing to claim: the next sync
  // with the same ones has nothing to compute either.
  std::vector<std::string> settled_members_;
  std::shared_ptr<const std::vector<std::string>> settled_collections_;
  std::vector<std::string> claimed_now_;  // by the sync running now
  std::vector<std::string> released_now_;
  std::size_t batch_ = max_batch;
  std::uint64_t claims_ = 0;
  std::uint64_t releases_ = 0;
  std::uint64_t fence_refusals_ = 0;
  bool stopped_ = false;
  bool fences_cancelled_ = false;
  bool keeper_ended_ = false;
};

}  // namespace refreshd::coord
