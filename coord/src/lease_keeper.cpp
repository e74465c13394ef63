#include <algorithm>
#include <stdexcept>
#include <utility>

#include <refreshd/coord/lease_keeper.hpp>

namespace refreshd::coord {

lease_keeper::lease_keeper(executor ex, etcd_client& etcd, std::chrono::seconds ttl,
                           std::chrono::milliseconds margin)
    : etcd_(etcd), timer_(std::move(ex)), ttl_(ttl), margin_(margin) {
  if (ttl_.count() < 2 || margin_ <= std::chrono::milliseconds::zero() || margin_ >= ttl_) {
    throw std::invalid_argument("lease: the TTL must be at least 2 s and the margin in (0, TTL)");
  }
}

awaitable<bool> lease_keeper::wait_until(clock::time_point t) {
  timer_.expires_at(t);
  (void)co_await timer_.async_wait(use_nothrow);
  co_return !stopped_;
}

awaitable<void> lease_keeper::grant() {
  const auto sent = clock::now();
  auto r = co_await etcd_.lease_grant(ttl_);
  if (const auto* g = std::get_if<lease_grant_result>(&r)) {
    id_ = g->id;
    deadline_ = sent + std::chrono::seconds(g->ttl) - margin_;
    next_renewal_ = sent + ttl_ / 3;
    ++grants_;
    if (on_granted) {
      on_granted(id_);
    }
    co_return;
  }
  // No lease: try again a renewal period later.
  if (on_grant_failed) {
    on_grant_failed(std::get<etcd_error>(r).message);
  }
  next_renewal_ = clock::now() + ttl_ / 3;
}

awaitable<void> lease_keeper::lose(std::string why) {
  const std::int64_t old = std::exchange(id_, 0);
  deadline_ = {};
  if (on_lost) {
    on_lost(old, why);
  }
  // Its keys should not wait for the TTL where etcd can still be reached; an error changes
  // nothing (the lease then expires on its own).
  (void)co_await etcd_.lease_revoke(old);
}

awaitable<void> lease_keeper::renew() {
  const auto sent = clock::now();
  auto r = co_await etcd_.lease_keepalive(id_);
  if (stopped_) {
    co_return;
  }
  if (const auto* ttl = std::get_if<std::optional<std::int64_t>>(&r)) {
    if (!*ttl) {
      ++renewal_failures_;
      std::string why = "etcd says the lease is gone (expired or revoked)";
      co_await lose(std::move(why));
      co_return;
    }
    ++renewals_;
    deadline_ = sent + std::chrono::seconds(**ttl) - margin_;
    next_renewal_ = sent + ttl_ / 3;
    co_return;
  }
  ++renewal_failures_;
  // Not renewed: the deadline stands; try again soon (a third of what is left, at least the
  // request timeout's worth of spacing comes from the request itself).
  const auto now = clock::now();
  if (now >= deadline_) {
    std::string why =
        "the lease could not be renewed before its deadline: " + std::get<etcd_error>(r).message;
    co_await lose(std::move(why));
    co_return;
  }
  next_renewal_ =
      now + std::max<clock::duration>((deadline_ - now) / 3, std::chrono::milliseconds(100));
}

awaitable<void> lease_keeper::run() {
  while (!stopped_) {
    if (id_ == 0) {
      co_await grant();
      if (id_ == 0) {
        const bool waited = co_await wait_until(next_renewal_);  // not inside && (g++ 12)
        if (!waited) {
          break;
        }
      }
      continue;
    }
    // Wake for the next renewal, or at the deadline if that comes first.
    if (!co_await wait_until(std::min(next_renewal_, deadline_))) {
      break;
    }
    if (clock::now() >= deadline_) {
      std::string why = "the lease could not be renewed before its deadline";
      co_await lose(std::move(why));
      continue;
    }
    co_await renew();
  }
  if (id_ != 0) {
    const std::int64_t old = std::exchange(id_, 0);
    (void)co_await etcd_.lease_revoke(old);
  }
}

void lease_keeper::stop() {
  stopped_ = true;
  timer_.cancel();
}

}  // namespace refreshd::coord
