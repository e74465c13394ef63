// coordinator: three replicas share 300 collections through a real 3-member etcd cluster
// (skipped, saying so, only without the etcd binary). Each replica has an io_context of its
// own, so one can be frozen (a hung or killed process: its lease is no longer renewed) while
// the others run. Checks that every collection has exactly one owner, that a graceful stop hands
// over at once and a frozen replica's collections are taken over after its lease, and that the
// fence refuses a replica that lost its claim.
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <gtest/gtest.h>

#include <refreshd/coord/coordinator.hpp>
#include <refreshd/net/base64.hpp>
#include <refreshd/test/etcd_cluster.hpp>

#include "../client/loopback_server.hpp"

namespace refreshd::coord {
namespace {

using namespace std::chrono_literals;
using clock = coordinator::clock;
using test::etcd_cluster;

constexpr std::chrono::seconds ttl{3};

struct replica {
  net::io_context ioc;
  std::unique_ptr<etcd_client> etcd;
  std::unique_ptr<coordinator> coord;
  bool ended = false;
  bool frozen = false;
};

class Coordinator : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!etcd_cluster::binary()) {
      GTEST_SKIP() << etcd_cluster::missing;
    }
    cluster_ = std::make_unique<etcd_cluster>(3);
    for (int i = 0; i < 300; ++i) {
      keys_.push_back("prod/default/ext_" + std::to_string(i));
    }
    for (const char* id : {"r1", "r2", "r3"}) {
      add(id);
    }
  }

  void TearDown() override {
    for (auto& r : replicas_) {
      r->frozen = false;
      r->coord->stop();
    }
    run_until(
        [this] {
          for (auto& r : replicas_) {
            if (!r->ended) {
              return false;
            }
          }
          return true;
        },
        10s);
  }

  replica& add(const std::string& id) {
    auto r = std::make_unique<replica>();
    etcd_options o;
    o.endpoints = cluster_->client_urls();
    o.request_timeout = 1s;  // etcd fsyncs: a slow CI disk must not look like a dead member
    r->etcd = std::make_unique<etcd_client>(r->ioc.get_executor(), o);
    r->coord = std::make_unique<coordinator>(r->ioc.get_executor(), *r->etcd,
                                             coordinator_options{"/t", id, ttl, 500ms});
    r->coord->set_collections(keys_);
    net::co_spawn(r->ioc, r->coord->run(),
                  [p = r.get()](const std::exception_ptr&) { p->ended = true; });
    replicas_.push_back(std::move(r));
    return *replicas_.back();
  }

  // Runs every replica that is not frozen until `pred` holds or `limit` passes.
  template <class Pred>
  bool run_until(Pred pred, std::chrono::milliseconds limit) {
    const auto give_up = clock::now() + limit;
    while (!pred() && clock::now() < give_up) {
      for (auto& r : replicas_) {
        if (!r->frozen) {
          r->ioc.poll();
        }
      }
      // Wait for I/O on the busiest loop for a moment (no sleeping: a timer or a socket wakes it).
      replicas_.front()->frozen ? (void)0 : (void)replicas_.front()->ioc.run_one_for(5ms);
    }
    return pred();
  }

  // Every key owned by exactly one of the running replicas given, and each of them sees
  // exactly those as members (else it is a passing state: one has not joined yet).
  bool partitioned(const std::vector<replica*>& owners) {
    const auto now = clock::now();
    for (auto* r : owners) {
      if (r->coord->members().size() != owners.size()) {
        return false;
      }
    }
    for (const auto& k : keys_) {
      int n = 0;
      for (auto* r : owners) {
        n += r->coord->owns(k, now) ? 1 : 0;
      }
      if (n != 1) {
        return false;
      }
    }
    return true;
  }

  std::vector<replica*> all() {
    std::vector<replica*> out;
    for (auto& r : replicas_) {
      out.push_back(r.get());
    }
    return out;
  }

  std::unique_ptr<etcd_cluster> cluster_;
  std::vector<std::string> keys_;
  std::vector<std::unique_ptr<replica>> replicas_;
};

TEST_F(Coordinator, EveryCollectionHasExactlyOneOwner) {
  ASSERT_TRUE(run_until([this] { return partitioned(all()); }, 15s))
      << "owned: " << replicas_[0]->coord->owned() << " " << replicas_[1]->coord->owned() << " "
      << replicas_[2]->coord->owned();
  for (auto& r : replicas_) {
    EXPECT_EQ(r->coord->members().size(), 3U);
    EXPECT_NEAR(static_cast<double>(r->coord->owned()), 100.0, 30.0) << "rendezvous spreads";
  }
}

TEST_F(Coordinator, ACollectionGroupOfDependsOnIsOwnedByOneReplica) {
  // 100 of the 300 in one group (a depends_on graph), placed by the group's key.
  std::map<std::string, std::string, std::less<>> placement;
  for (int i = 0; i < 100; ++i) {
    placement.emplace("prod/default/ext_" + std::to_string(i * 3), "prod/default/ext_0");
  }
  for (auto& r : replicas_) {
    r->coord->set_collections(keys_, placement);
  }
  const auto grouped = [&] {
    const auto now = clock::now();
    for (auto& r : replicas_) {
      int n = 0;
      for (const auto& [key, group] : placement) {
        n += r->coord->owns(key, now) ? 1 : 0;
      }
      if (n != 0 && n != 100) {
        return false;
      }
    }
    return true;
  };
  ASSERT_TRUE(run_until([&] { return partitioned(all()) && grouped(); }, 15s))
      << "owned: " << replicas_[0]->coord->owned() << " " << replicas_[1]->coord->owned() << " "
      << replicas_[2]->coord->owned();
}

TEST_F(Coordinator, AGracefulStopHandsOverAtOnce) {
  ASSERT_TRUE(run_until([this] { return partitioned(all()); }, 15s));
  auto& leaving = *replicas_[1];
  leaving.coord->stop();
  ASSERT_TRUE(run_until([&] { return leaving.ended; }, 5s));
  const auto t0 = clock::now();
  ASSERT_TRUE(run_until(
      [this] {
        return partitioned({replicas_[0].get(), replicas_[2].get()});
      },
      10s));
  // The stop revoked the lease, nothing waited for its TTL; the others' watches of the members
  // saw its key go and woke their syncs at once (no wait for the next one, TTL/3 later).
  EXPECT_LT(clock::now() - t0, ttl);
  EXPECT_GT(replicas_[0]->coord->watched_changes(), 0U);
  EXPECT_GT(replicas_[2]->coord->watched_changes(), 0U);
}

TEST_F(Coordinator, AFrozenReplicasCollectionsAreTakenOverAfterItsLease) {
  ASSERT_TRUE(run_until([this] { return partitioned(all()); }, 15s));
  auto& hung = *replicas_[2];
  const auto now = clock::now();
  std::string one_of_its;
  for (const auto& k : keys_) {
    if (hung.coord->owns(k, now)) {
      one_of_its = k;
      break;
    }
  }
  ASSERT_FALSE(one_of_its.empty());
  hung.frozen = true;
  const auto t0 = clock::now();
  ASSERT_TRUE(run_until(
      [this] {
        return partitioned({replicas_[0].get(), replicas_[1].get()});
      },
      15s));
  EXPECT_LT(clock::now() - t0, ttl + 3s) << "within TTL + 3 s";
  EXPECT_FALSE(hung.coord->owns(one_of_its, clock::now()))
      << "its lease's deadline passed: it does not act on its claims any more";
  // Thawed, its fence refuses what another replica now holds.
  hung.frozen = false;
  bool fenced = true;
  bool done = false;
  net::co_spawn(hung.ioc, hung.coord->fence(one_of_its), [&](const std::exception_ptr&, bool ok) {
    fenced = ok;
    done = true;
  });
  ASSERT_TRUE(run_until([&] { return done; }, 5s));
  EXPECT_FALSE(fenced);
}

TEST_F(Coordinator, TheOwnersFencePassesAndAnotherReplicasDoesNot) {
  ASSERT_TRUE(run_until([this] { return partitioned(all()); }, 15s));
  const auto& key = keys_[7];
  const auto now = clock::now();
  for (auto& r : replicas_) {
    bool result = false;
    bool done = false;
    net::co_spawn(r->ioc, r->coord->fence(key), [&](const std::exception_ptr&, bool ok) {
      result = ok;
      done = true;
    });
    ASSERT_TRUE(run_until([&] { return done; }, 5s));
    EXPECT_EQ(result, r->coord->owns(key, now));
  }
}

// A claim deleted behind the owner's back (etcdctl del, a restore) while its lease lives: the
// fence refuses, the owner stops driving it, and its next sync claims it again.
TEST_F(Coordinator, AClaimDeletedBehindTheOwnersBackIsRefusedThenClaimedAgain) {
  ASSERT_TRUE(run_until([this] { return partitioned(all()); }, 15s));
  const auto& key = keys_[11];
  replica* owner = nullptr;
  for (auto& r : replicas_) {
    if (r->coord->owns(key, clock::now())) {
      owner = r.get();
    }
  }
  ASSERT_NE(owner, nullptr);
  cluster_->post(0, "kv/deleterange", {{"key", base64_encode("/t/owners/" + key)}});
  bool result = true;
  bool done = false;
  net::co_spawn(owner->ioc, owner->coord->fence(key), [&](const std::exception_ptr&, bool ok) {
    result = ok;
    done = true;
  });
  ASSERT_TRUE(run_until([&] { return done; }, 5s));
  EXPECT_FALSE(result) << "etcd no longer holds the claim";
  EXPECT_FALSE(owner->coord->owns(key, clock::now())) << "so it is no longer driven";
  EXPECT_TRUE(run_until([&] { return owner->coord->owns(key, clock::now()); }, 5s))
      << "claimed again at the next sync (hashing still gives it to this replica)";
  EXPECT_TRUE(partitioned(all()));
}

// What owns() says always holds in etcd: a claim of this replica on its current lease, also
// while a lease is being replaced (the claims of the old one went with it).
TEST_F(Coordinator, OwnsOnlyWhatIsClaimedOnTheCurrentLease) {
  ASSERT_TRUE(run_until([this] { return partitioned(all()); }, 15s));
  auto& r = *replicas_[0];
  etcd_options o;
  o.endpoints = cluster_->client_urls();
  o.request_timeout = 1s;
  net::io_context observer_ioc;
  etcd_client observer(observer_ioc.get_executor(), o);
  const auto claims_hold = [&] {
    range_request all_owners = prefix_range("/t/owners/");
    const auto owners =
        std::get<range_result>(test::run_task(observer_ioc, observer.range(all_owners)));
    std::map<std::string, std::pair<std::string, std::int64_t>> held;
    for (const auto& kv : owners.kvs) {
      held[kv.key] = {kv.value, kv.lease};
    }
    const auto now = clock::now();
    for (const auto& k : keys_) {
      if (!r.coord->owns(k, now)) {
        continue;
      }
      const auto it = held.find("/t/owners/" + k);
      if (it == held.end() || it->second.first != "r1") {
        ADD_FAILURE() << k << " owned by r1 but held in etcd by "
                      << (it == held.end() ? std::string("nobody") : it->second.first);
        return false;
      }
    }
    return true;
  };
  EXPECT_TRUE(claims_hold());
  // Its lease revoked behind its back: the keeper finds it gone and takes a new one.
  range_request member = key_range("/t/members/r1");
  const auto lease =
      std::get<range_result>(test::run_task(observer_ioc, observer.range(member))).kvs.at(0).lease;
  ASSERT_TRUE(
      std::holds_alternative<bool>(test::run_task(observer_ioc, observer.lease_revoke(lease))));
  // Until its keeper learns of it (the next renewal), it still believes it owns them: that is
  // what the fence before each trigger is for.
  const auto some_key = [&] {
    const auto now = clock::now();
    for (const auto& k : keys_) {
      if (r.coord->owns(k, now)) {
        return k;
      }
    }
    return std::string();
  }();
  ASSERT_FALSE(some_key.empty());
  bool fenced = true;
  bool done = false;
  net::co_spawn(r.ioc, r.coord->fence(some_key), [&](const std::exception_ptr&, bool ok) {
    fenced = ok;
    done = true;
  });
  ASSERT_TRUE(run_until([&] { return done; }, 5s));
  EXPECT_FALSE(fenced) << "the claim went with the lease: the fence refuses";
  ASSERT_TRUE(run_until([&] { return r.coord->lease() != 0 && r.coord->lease() != lease; }, 10s))
      << "its keeper found the lease gone and took a new one";
  ASSERT_TRUE(run_until([this] { return partitioned(all()); }, 15s))
      << "claimed again: " << r.coord->owned() << " " << r.coord->members().size();
  EXPECT_TRUE(claims_hold());
}

}  // namespace
}  // namespace refreshd::coord
