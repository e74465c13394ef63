#include <algorithm>
#include <map>
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
      timer_(ex) {
  if (options_.replica_id.empty() || options_.replica_id.find('/') != std::string::npos) {
    throw std::invalid_argument("coordination: the replica id must be non-empty, without '/'");
  }
}

void coordinator::set_collections(std::vector<std::string> keys) {
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  collections_ = std::make_shared<const std::vector<std::string>>(std::move(keys));
}

std::string coordinator::owner_key(std::string_view key) const {
  return options_.prefix + "/owners/" + std::string(key);
}

bool coordinator::owns(std::string_view key, clock::time_point now) const {
  return keeper_.valid_lease(now) != 0 && owned_.find(key) != owned_.end();
}

awaitable<void> coordinator::run() {
  auto ex = co_await net::this_coro::executor;
  net::co_spawn(ex, keeper_.run(), [this](const std::exception_ptr&) {
    keeper_ended_ = true;
    timer_.cancel();
  });
  while (!stopped_) {
    if (keeper_.valid_lease(clock::now()) != 0) {
      co_await sync();
    } else {
      owned_.clear();  // nothing may be driven without a valid lease
    }
    if (stopped_) {
      break;
    }
    timer_.expires_after(options_.ttl / 3);
    (void)co_await timer_.async_wait(use_nothrow);
  }
  // Revoking the lease (the keeper does at its end) deletes the member key and every claim at
  // once: the others take them over at their next sync.
  owned_.clear();
  keeper_.stop();
  while (!keeper_ended_) {
    timer_.expires_at(net::steady_timer::time_point::max());
    (void)co_await timer_.async_wait(use_nothrow);
  }
}

void coordinator::stop() {
  stopped_ = true;
  timer_.cancel();
}

awaitable<bool> coordinator::sync() {
  const std::int64_t lease = keeper_.valid_lease(clock::now());
  if (lease == 0) {
    co_return false;
  }
  const std::string& me = options_.replica_id;
  if (member_lease_ != lease) {
    // Named, not a braced temporary in the co_await: g++ 12 destroys such temporaries twice.
    put_request member{options_.prefix + "/members/" + me, me, lease};
    auto put = co_await etcd_.put(std::move(member));
    if (std::holds_alternative<etcd_error>(put)) {
      co_return false;
    }
    member_lease_ = lease;
  }
  range_request members_range = prefix_range(options_.prefix + "/members/");
  auto members = co_await etcd_.range(std::move(members_range));
  range_request owners_range = prefix_range(options_.prefix + "/owners/");
  auto owners = co_await etcd_.range(std::move(owners_range));
  if (std::holds_alternative<etcd_error>(members) || std::holds_alternative<etcd_error>(owners)) {
    co_return false;
  }
  members_.clear();
  for (const auto& kv : std::get<range_result>(members).kvs) {
    members_.push_back(kv.value);
  }
  std::sort(members_.begin(), members_.end());
  // Who holds what: owner key -> (replica, lease).
  std::map<std::string, std::pair<std::string, std::int64_t>, std::less<>> held;
  for (auto& kv : std::get<range_result>(owners).kvs) {
    held.emplace(std::move(kv.key), std::make_pair(std::move(kv.value), kv.lease));
  }
  const auto mine = [&](const std::string& okey) {
    const auto it = held.find(okey);
    return it != held.end() && it->second.first == me && it->second.second == lease;
  };
  std::set<std::string, std::less<>> owned;
  // A reload may replace the list while this sync waits for etcd: it goes on with its own.
  const auto collections = collections_;
  for (const auto& key : *collections) {
    const auto okey = owner_key(key);
    const bool should_own = !members_.empty() && members_[rendezvous_owner(members_, key)] == me;
    if (should_own && mine(okey)) {
      owned.insert(key);
    } else if (should_own && held.find(okey) == held.end()) {
      co_await claim(key, lease);
      if (owned_.count(key) != 0U) {
        owned.insert(key);
      }
    } else if (!should_own && mine(okey)) {
      co_await release(key, lease);  // another member's now: it claims it at its next sync
    }
    // Held by another (or by an old lease of ours): it is released or expires first.
  }
  // Claims on collections no longer configured go too.
  const std::set<std::string, std::less<>> wanted(collections->begin(), collections->end());
  const auto owners_prefix = options_.prefix + "/owners/";
  for (const auto& [okey, holder] : held) {
    const auto key = std::string_view(okey).substr(owners_prefix.size());
    if (holder.first == me && holder.second == lease && wanted.find(key) == wanted.end()) {
      const std::string gone(key);
      co_await release(gone, lease);
    }
  }
  owned_ = std::move(owned);
  ++syncs_;
  co_return true;
}

awaitable<void> coordinator::claim(const std::string& key, std::int64_t lease) {
  txn_request t;
  t.compares.push_back({compare::target::create, compare::result::equal, owner_key(key), 0, {}});
  t.success.push_back(put_request{owner_key(key), options_.replica_id, lease});
  auto r = co_await etcd_.txn(std::move(t));
  if (const auto* ok = std::get_if<txn_result>(&r); ok != nullptr && ok->succeeded) {
    owned_.insert(key);
  }
  // Lost the race, or an error (maybe applied): the next sync reads what etcd holds.
}

awaitable<void> coordinator::release(const std::string& key, std::int64_t lease) {
  owned_.erase(key);  // stop driving it before etcd hears of it
  txn_request t;
  t.compares.push_back(
      {compare::target::value, compare::result::equal, owner_key(key), 0, options_.replica_id});
  t.compares.push_back({compare::target::lease, compare::result::equal, owner_key(key), lease, {}});
  t.success.push_back(delete_request{owner_key(key), {}});
  (void)co_await etcd_.txn(std::move(t));
}

awaitable<bool> coordinator::fence(std::string key) {
  const std::int64_t lease = keeper_.valid_lease(clock::now());
  if (lease == 0 || owned_.find(key) == owned_.end()) {
    co_return false;
  }
  txn_request t;
  t.compares.push_back(
      {compare::target::value, compare::result::equal, owner_key(key), 0, options_.replica_id});
  t.compares.push_back({compare::target::lease, compare::result::equal, owner_key(key), lease, {}});
  auto r = co_await etcd_.txn(std::move(t));
  const auto* ok = std::get_if<txn_result>(&r);
  // The lease must still be valid once the answer is here: the trigger follows at once.
  co_return ok != nullptr && ok->succeeded&& keeper_.valid_lease(clock::now()) == lease;
}

}  // namespace refreshd::coord
