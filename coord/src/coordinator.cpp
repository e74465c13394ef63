#include <algorithm>
#include <stdexcept>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>

#include <refreshd/coord/coordinator.hpp>
#include <refreshd/coord/rendezvous.hpp>

namespace refreshd::coord {

coordinator::coordinator(executor ex, etcd_client& etcd, coordinator_options options)
    : etcd_(etcd),
      options_(std::move(options)),
      keeper_(ex, etcd, options_.ttl, options_.margin),
      timer_(ex),
      watch_pause_(ex) {
  keeper_.on_granted = [this](std::int64_t id) {
    if (on_lease_granted) {
      on_lease_granted(id);
    }
  };
  keeper_.on_grant_failed = [this](const std::string& why) {
    if (on_lease_grant_failed) {
      on_lease_grant_failed(why);
    }
  };
  keeper_.on_lost = [this](std::int64_t id, const std::string& why) {
    if (on_lease_lost) {
      on_lease_lost(id, why);
    }
  };
  if (options_.replica_id.empty() || options_.replica_id.find('/') != std::string::npos) {
    throw std::invalid_argument("coordination: the replica id must be non-empty, without '/'");
  }
}

void coordinator::set_collections(std::vector<std::string> keys,
                                  std::map<std::string, std::string, std::less<>> placement) {
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  collections_ = std::make_shared<const std::vector<std::string>>(std::move(keys));
  placement_ =
      std::make_shared<const std::map<std::string, std::string, std::less<>>>(std::move(placement));
}

std::string coordinator::owner_key(std::string_view key) const {
  return options_.prefix + "/owners/" + std::string(key);
}

bool coordinator::owns(std::string_view key, clock::time_point now) const {
  // Claims made with an earlier lease do not count: they went (or go) with it.
  const std::int64_t lease = keeper_.valid_lease(now);
  return lease != 0 && lease == owned_lease_ && owned_.find(key) != owned_.end();
}

awaitable<void> coordinator::run() {
  auto ex = co_await net::this_coro::executor;
  net::co_spawn(ex, keeper_.run(), [this](const std::exception_ptr&) {
    keeper_ended_ = true;
    timer_.cancel();
  });
  watch_ended_ = false;
  net::co_spawn(ex, watch_members(), [this](const std::exception_ptr&) {
    watch_ended_ = true;
    timer_.cancel();
  });
  while (!stopped_) {
    wake_ = false;
    if (keeper_.valid_lease(clock::now()) != 0) {
      co_await sync();
      report();
    } else {
      // Nothing may be driven without a valid lease. The lease may come back (a renewal sent
      // before its deadline answered after it): its claims are then still in etcd, so they
      // become doubtful, to be claimed again or released, and the sync is no longer settled.
      doubtful_.insert(owned_.begin(), owned_.end());
      owned_.clear();
      settled_collections_.reset();
      claims_pending_ = false;
    }
    if (stopped_) {
      break;
    }
    if (!wake_) {
      timer_.expires_after(next_sync_delay());
      (void)co_await timer_.async_wait(use_nothrow);
    }
  }
  // Revoking the lease (the keeper does at its end) deletes the member key and every claim at
  // once: the others take them over at their next sync.
  owned_.clear();
  keeper_.stop();
  etcd_.cancel_watch();
  watch_pause_.cancel();
  while (!keeper_ended_ || !watch_ended_) {
    timer_.expires_at(net::steady_timer::time_point::max());
    (void)co_await timer_.async_wait(use_nothrow);
  }
}

void coordinator::cancel_fences() noexcept {
  fences_cancelled_ = true;
}

void coordinator::stop() {
  stopped_ = true;
  timer_.cancel();
  etcd_.cancel_watch();
  watch_pause_.cancel();
}

coordinator::clock::duration coordinator::next_sync_delay() noexcept {
  // Claims another member still holds (it releases them at its sync after seeing this one
  // join): asked again soon, 250 ms doubling up to the usual TTL/3, so a hand-off on scale-up
  // takes about the releasing member's reaction rather than a whole period
  // (docs/COORDINATION.md "Membership and ownership").
  const clock::duration period = options_.ttl / 3;
  if (!claims_pending_) {
    pending_retry_ = {};
    return period;
  }
  pending_retry_ = pending_retry_ == clock::duration{}
                       ? clock::duration(std::chrono::milliseconds(250))
                       : std::min<clock::duration>(2 * pending_retry_, period);
  return std::min(pending_retry_, period);
}

void coordinator::wake() noexcept {
  wake_ = true;
  timer_.cancel();
}

awaitable<void> coordinator::watch_members() {
  std::int64_t seen = 0;  // every change up to this revision was delivered
  while (!stopped_) {
    const std::int64_t from = std::max(seen, members_revision_);
    if (from > 0) {
      range_request members = prefix_range(options_.prefix + "/members/");
      // Named, not a temporary in the co_await: g++ 12 destroys such temporaries twice.
      std::function<bool(const watch_response&)> on_message = [this,
                                                               &seen](const watch_response& w) {
        for (const auto& e : w.events) {
          seen = std::max(seen, e.kv.mod_revision);
        }
        if (!w.events.empty()) {
          ++watched_changes_;
          wake();
        } else if (!w.created && !w.canceled) {
          seen = std::max(seen, w.revision);  // a progress notification: all before it seen
        }
        if (w.canceled) {
          seen = 0;  // compacted away, say: from the next sync's read on
          wake();
        }
        return !stopped_ && !w.canceled;
      };
      (void)co_await etcd_.watch(std::move(members), from + 1, watch_idle, std::move(on_message));
    }
    if (stopped_) {
      break;
    }
    // Before the first sync, and after a watch ended: again shortly (not in a tight loop when
    // etcd cannot be reached; the syncs go on meanwhile).
    watch_pause_.expires_after(
        std::min<clock::duration>(options_.ttl / 3, std::chrono::seconds(1)));
    (void)co_await watch_pause_.async_wait(use_nothrow);
  }
}

awaitable<void> coordinator::sync() {
  claims_pending_ = false;  // set again below when claims wait for another member
  const std::int64_t lease = keeper_.valid_lease(clock::now());
  if (lease == 0) {
    co_return;
  }
  const std::string& me = options_.replica_id;
  if (member_lease_ != lease) {
    // Named, not a braced temporary in the co_await: g++ 12 destroys such temporaries twice.
    put_request member{options_.prefix + "/members/" + me, me, lease};
    auto put = co_await etcd_.put(std::move(member));
    if (std::holds_alternative<etcd_error>(put)) {
      co_return;
    }
    member_lease_ = lease;
  }
  range_request members_range = prefix_range(options_.prefix + "/members/");
  auto members = co_await etcd_.range(std::move(members_range));
  if (std::holds_alternative<etcd_error>(members)) {
    co_return;
  }
  members_.clear();
  members_revision_ = std::get<range_result>(members).revision;
  for (const auto& kv : std::get<range_result>(members).kvs) {
    members_.push_back(kv.value);
  }
  std::sort(members_.begin(), members_.end());
  // Claims live on the lease they were made with: after a new lease there are none.
  if (owned_lease_ != lease) {
    owned_.clear();
    doubtful_.clear();
    owned_lease_ = lease;
    settled_collections_.reset();
  }
  // A reload may replace the list while this sync waits for etcd: it goes on with its own.
  const auto collections = collections_;
  const auto placement = placement_;
  if (collections == settled_collections_ && members_ == settled_members_) {
    co_return;  // nothing changed since everything was claimed: no hashing, no request
  }
  // Only changes cost requests: a claim for what it should own and does not hold, a release
  // for what it holds and should not; each batched (docs/COORDINATION.md "Claims").
  std::vector<std::string> to_claim;
  std::vector<std::string> to_release;
  for (const auto& key : *collections) {
    const auto placed = placement->find(key);
    const std::string_view hashed = placed == placement->end() ? key : placed->second;
    const bool should_own = !members_.empty() && members_[rendezvous_owner(members_, hashed)] == me;
    const bool owned = owned_.find(key) != owned_.end();
    if (should_own && !owned) {
      to_claim.push_back(key);  // fails while another holds it: tried again next sync
    } else if (!should_own && owned) {
      to_release.push_back(key);  // another member's now: it claims it at its next sync
    }
  }
  co_await claim(to_claim, lease);
  const bool pending = std::any_of(to_claim.begin(), to_claim.end(),
                                   [&](const std::string& k) { return !owned_.contains(k); });
  claims_pending_ = pending;
  // Claims on collections no longer configured go too (the list is sorted), and claims that
  // may be in etcd without being tracked (a claim or release whose answer was lost) unless this
  // replica should own them (then the claims above took them again).
  for (const auto& key : owned_) {
    if (!std::binary_search(collections->begin(), collections->end(), key)) {
      to_release.push_back(key);
    }
  }
  for (const auto& key : doubtful_) {
    if (!owned_.contains(key)) {
      to_release.push_back(key);
    }
  }
  co_await release(to_release, lease);
  if (!pending && doubtful_.empty() && owned_lease_ == lease) {
    settled_members_ = members_;
    settled_collections_ = collections;
  } else {
    settled_collections_.reset();
  }
}

txn_request coordinator::batch_txn(std::span<const std::string> keys, bool claims,
                                   std::int64_t lease) const {
  txn_request batch;
  for (const auto& key : keys) {
    auto one = std::make_shared<txn_request>();
    std::string okey = owner_key(key);
    if (claims) {  // create the key if absent, on our lease; else tell who holds it
      one->compares.push_back({compare::target::create, compare::result::equal, okey, 0, {}});
      one->success.push_back(put_request{okey, options_.replica_id, lease});
      one->failure.push_back(key_range(okey));
    } else {  // delete it if it is ours, on this lease
      one->compares.push_back(
          {compare::target::value, compare::result::equal, okey, 0, options_.replica_id});
      one->compares.push_back({compare::target::lease, compare::result::equal, okey, lease, {}});
      one->success.push_back(delete_request{std::move(okey), {}});
    }
    batch.success.push_back(nested_txn{std::move(one)});
  }
  return batch;
}

awaitable<const txn_result*> coordinator::send_batch(txn_request batch,
                                                     std::optional<txn_result>& answer) {
  const std::size_t n = batch.success.size();
  auto r = co_await etcd_.txn(std::move(batch));
  if (auto* ok = std::get_if<txn_result>(&r); ok != nullptr && ok->txns.size() == n) {
    answer = std::move(*ok);
    co_return &*answer;
  }
  if (const auto* e = std::get_if<etcd_error>(&r);
      e != nullptr && !e->transport && e->wire.code == code_invalid_argument && batch_ > 1) {
    batch_ /= 2;  // etcd runs with a lower --max-txn-ops: smaller batches from now on
  }
  co_return nullptr;
}

awaitable<void> coordinator::claim(std::span<const std::string> keys, std::int64_t lease) {
  for (std::size_t at = 0; at < keys.size();) {
    const auto part = keys.subspan(at, std::min(batch_, keys.size() - at));
    at += part.size();
    std::optional<txn_result> answer;
    txn_request batch = batch_txn(part, true, lease);  // named: g++ 12 and temporaries
    const txn_result* r = co_await send_batch(std::move(batch), answer);
    for (std::size_t i = 0; i < part.size(); ++i) {
      const std::string& key = part[i];
      if (r == nullptr) {
        doubtful_.insert(key);  // an error (maybe applied): claimed again or released later
        continue;
      }
      doubtful_.erase(key);
      const txn_result& one = r->txns[i];
      bool ours = one.succeeded;
      if (!ours && !one.ranges.empty() && !one.ranges[0].kvs.empty()) {
        // Held: by us already when an earlier claim's answer was lost, else by another.
        const auto& holder = one.ranges[0].kvs[0];
        ours = holder.value == options_.replica_id && holder.lease == lease;
      }
      if (ours && keeper_.valid_lease(clock::now()) == lease && owned_.insert(key).second) {
        ++claims_;
        claimed_now_.push_back(key);
      }
    }
  }
}

awaitable<void> coordinator::release(std::span<const std::string> keys, std::int64_t lease) {
  for (const auto& key : keys) {
    if (owned_.erase(key) != 0) {  // stop driving it before etcd hears of it
      ++releases_;
      released_now_.push_back(key);
    }
  }
  for (std::size_t at = 0; at < keys.size();) {
    const auto part = keys.subspan(at, std::min(batch_, keys.size() - at));
    at += part.size();
    std::optional<txn_result> answer;
    txn_request batch = batch_txn(part, false, lease);  // named: g++ 12 and temporaries
    const txn_result* r = co_await send_batch(std::move(batch), answer);
    const bool answered = r != nullptr;
    for (const auto& key : part) {
      if (answered) {
        doubtful_.erase(key);  // deleted, or not ours (any more): either way settled
      } else {
        doubtful_.insert(key);  // still held in etcd perhaps: released again at the next sync
      }
    }
  }
}

awaitable<bool> coordinator::fence(std::string key) {
  const std::int64_t lease = keeper_.valid_lease(clock::now());
  if (lease == 0 || owned_.find(key) == owned_.end()) {
    ++fence_refusals_;
    co_return false;
  }
  txn_request t;
  t.compares.push_back(
      {compare::target::value, compare::result::equal, owner_key(key), 0, options_.replica_id});
  t.compares.push_back({compare::target::lease, compare::result::equal, owner_key(key), lease, {}});
  // A transaction of compares alone is answered from the member's own store, like a
  // serializable read: a member cut off from the others would say yes. A linearizable range in
  // it makes etcd confirm its leadership with a quorum first (docs/COORDINATION.md "The fence").
  t.success.push_back(key_range(owner_key(key)));
  // etcd unreachable (a leader election, a member down) is not a refusal: ask again while the
  // lease is valid, so the trigger is late rather than lost (docs/COORDINATION.md "The fence").
  auto ex = co_await net::this_coro::executor;
  net::steady_timer pause(ex);
  for (;;) {
    txn_request attempt = t;
    auto r = co_await etcd_.txn(std::move(attempt));
    const auto* ok = std::get_if<txn_result>(&r);
    // The lease must still be valid once the answer is here, and the claim still ours (a
    // release may have run meanwhile): the trigger follows at once.
    const bool valid = keeper_.valid_lease(clock::now()) == lease && owned_.contains(key);
    if (ok != nullptr && !ok->succeeded && owned_.erase(key) != 0) {
      // etcd says the claim is not ours (deleted behind our back): stop driving it, and let
      // the next sync claim it again.
      settled_collections_.reset();
    }
    if (ok != nullptr || !valid || stopped_ || fences_cancelled_) {
      const bool held = ok != nullptr && ok->succeeded && valid;
      fence_refusals_ += held ? 0 : 1;
      co_return held;
    }
    pause.expires_after(fence_retry);
    (void)co_await pause.async_wait(use_nothrow);
  }
}

void coordinator::report() {
  if (!claimed_now_.empty() && on_claimed) {
    on_claimed(claimed_now_);
  }
  if (!released_now_.empty() && on_released) {
    on_released(released_now_);
  }
  claimed_now_.clear();
  released_now_.clear();
}

}  // namespace refreshd::coord
