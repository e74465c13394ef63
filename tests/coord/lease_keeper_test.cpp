// lease_keeper against a real 3-member etcd cluster (skipped, saying so, only without the etcd
// binary): it keeps its lease past the TTL with one keepalive per TTL/3, stops acting on it
// before etcd could expire it when etcd cannot be reached, never reuses a lost lease, and
// revokes it when stopped (a graceful hand-off).
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <gtest/gtest.h>

#include <refreshd/coord/lease_keeper.hpp>
#include <refreshd/test/etcd_cluster.hpp>

#include "../client/loopback_server.hpp"

namespace refreshd::coord {
namespace {

using namespace std::chrono_literals;
using clock = lease_keeper::clock;
using test::etcd_cluster;
using test::run_task;

class LeaseKeeper : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!etcd_cluster::binary()) {
      GTEST_SKIP() << etcd_cluster::missing;
    }
    cluster_ = std::make_unique<etcd_cluster>(3);
    etcd_options o;
    o.endpoints = cluster_->client_urls();
    o.request_timeout = 1s;  // etcd fsyncs: a slow CI disk must not look like a dead member
    etcd_ = std::make_unique<etcd_client>(ioc_.get_executor(), o);
    observer_ = std::make_unique<etcd_client>(ioc_.get_executor(), o);
    keeper_ = std::make_unique<lease_keeper>(ioc_.get_executor(), *etcd_, 2s, 300ms);
    keeper_->on_granted = [this](std::int64_t id) { granted_.push_back(id); };
    keeper_->on_lost = [this](std::int64_t id, const std::string& why) {
      lost_.push_back(id);
      lost_at_.push_back(clock::now());
      why_.push_back(why);
    };
    net::co_spawn(ioc_, keeper_->run(), [this](const std::exception_ptr&) { ended_ = true; });
  }

  void TearDown() override {
    if (keeper_) {
      keeper_->stop();
      run_until([this] { return ended_; }, 10s);
    }
  }

  // Runs the loop until `pred` holds or `limit` passes; returns pred(). (run_task stops the
  // loop when its task ends: the keeper's task goes on here.)
  template <class Pred>
  bool run_until(Pred pred, std::chrono::milliseconds limit) {
    ioc_.restart();
    const auto give_up = clock::now() + limit;
    while (!pred() && clock::now() < give_up) {
      ioc_.run_one_for(20ms);
    }
    return pred();
  }

  std::optional<std::string> value_of(const std::string& key) {
    auto r = run_task(ioc_, observer_->range(key_range(key)));
    const auto& kvs = std::get<range_result>(r).kvs;
    return kvs.empty() ? std::nullopt : std::optional<std::string>(kvs[0].value);
  }

  net::io_context ioc_;
  std::unique_ptr<etcd_cluster> cluster_;
  std::unique_ptr<etcd_client> etcd_;
  std::unique_ptr<etcd_client> observer_;
  std::unique_ptr<lease_keeper> keeper_;
  std::vector<std::int64_t> granted_;
  std::vector<std::int64_t> lost_;
  std::vector<clock::time_point> lost_at_;
  std::vector<std::string> why_;
  bool ended_ = false;
};

TEST_F(LeaseKeeper, KeepsItsLeasePastTheTtl) {
  ASSERT_TRUE(run_until([this] { return keeper_->lease() != 0; }, 5s));
  const auto id = keeper_->lease();
  ASSERT_TRUE(std::holds_alternative<std::int64_t>(
      run_task(ioc_, observer_->put({"/lk/member", "me", id}))));
  const auto start = clock::now();
  // Three TTLs: the key stays because the keeper renews.
  run_until([&] { return clock::now() - start > 6s; }, 7s);
  EXPECT_EQ(value_of("/lk/member"), "me");
  EXPECT_EQ(keeper_->lease(), id);
  EXPECT_EQ(keeper_->valid_lease(clock::now()), id);
  EXPECT_EQ(keeper_->grants(), 1);
  EXPECT_TRUE(lost_.empty());
  EXPECT_GT(keeper_->deadline(), clock::now()) << "renewed: the deadline moves ahead";
}

TEST_F(LeaseKeeper, StopsBeforeEtcdCouldExpireTheLeaseAndNeverReusesIt) {
  ASSERT_TRUE(run_until([this] { return keeper_->lease() != 0; }, 5s));
  const auto id = keeper_->lease();
  // Every member stops answering: no renewal gets through.
  const auto cut = clock::now();
  for (int i = 0; i < 3; ++i) {
    cluster_->pause(i);
  }
  // The last renewal etcd confirmed was sent before the cut: etcd keeps the lease at least
  // until that send + TTL, so the deadline (that send + TTL - margin) comes before cut + TTL.
  const auto deadline = keeper_->deadline();
  EXPECT_LT(deadline, cut + 2s - 300ms + 1ms);
  ASSERT_TRUE(run_until([this] { return keeper_->valid_lease(clock::now()) == 0; }, 5s));
  const auto stopped_at = clock::now();
  EXPECT_GE(stopped_at, deadline) << "not before its deadline";
  EXPECT_LT(stopped_at, cut + 2s) << "stopped acting before etcd could expire the lease";
  // The keeper gives the lease up once its renewal in flight has failed too.
  // (Up to three 1 s request timeouts, one per endpoint.)
  ASSERT_TRUE(run_until([this] { return !lost_.empty(); }, 10s)) << "the loss was reported";
  EXPECT_EQ(lost_[0], id);
  EXPECT_EQ(keeper_->valid_lease(clock::now()), 0);
  for (int i = 0; i < 3; ++i) {
    cluster_->resume(i);
  }
  ASSERT_TRUE(run_until([this] { return keeper_->lease() != 0; }, 10s));
  EXPECT_NE(keeper_->lease(), id) << "a new lease, never the old one";
  EXPECT_EQ(keeper_->grants(), 2);
}

TEST_F(LeaseKeeper, ALeaseRevokedElsewhereIsReplaced) {
  ASSERT_TRUE(run_until([this] { return keeper_->lease() != 0; }, 5s));
  const auto id = keeper_->lease();
  ASSERT_TRUE(std::holds_alternative<bool>(run_task(ioc_, observer_->lease_revoke(id))));
  ASSERT_TRUE(run_until([this] { return !lost_.empty(); }, 10s));
  EXPECT_NE(why_[0].find("gone"), std::string::npos) << why_[0];
  ASSERT_TRUE(run_until([this] { return keeper_->grants() == 2; }, 5s));
  EXPECT_NE(keeper_->lease(), id);
}

TEST_F(LeaseKeeper, StoppingRevokesTheLease) {
  ASSERT_TRUE(run_until([this] { return keeper_->lease() != 0; }, 5s));
  ASSERT_TRUE(std::holds_alternative<std::int64_t>(
      run_task(ioc_, observer_->put({"/lk/claim", "me", keeper_->lease()}))));
  keeper_->stop();
  ASSERT_TRUE(run_until([this] { return ended_; }, 5s));
  EXPECT_EQ(value_of("/lk/claim"), std::nullopt) << "its keys went at once, not after the TTL";
}

}  // namespace
}  // namespace refreshd::coord
