// The runtime under coordination (docs/COORDINATION.md "The runtime under coordination"): only
// what this replica owns is driven, a claim is reconciled like a startup, a lost claim stops
// the cycle, the fence stops a trigger. Over the mock clock and the model; the ownership here is
// a double of the runtime's own interface (the etcd coordinator behind it is tested against a
// real etcd in tests/coord and, with the real binaries, in tests/integration).
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <gtest/gtest.h>

#include "runtime_fixture.hpp"

namespace refreshd::daemon {
namespace {

class fake_ownership final : public ownership {
 public:
  std::set<std::string, std::less<>> owned;
  bool fence_holds = true;
  int fences = 0;
  std::vector<mock_clock::time_point> fence_times;

  [[nodiscard]] bool owns(std::string_view key) const override { return owned.contains(key); }
  awaitable<bool> fence(std::string key) override {
    ++fences;
    fence_times.push_back(mock_clock::now());
    const bool held = fence_holds && owned.contains(key);
    co_return held;
  }
  [[nodiscard]] coordination_status status() const override {
    coordination_status s;
    s.backend = "test";
    s.owned = owned.size();
    return s;
  }
};

class Ownership : public Runtime {
 protected:
  void start_owned(std::set<std::string, std::less<>> keys) {
    owner_.owned = std::move(keys);
    rt_ = mock_runtime::create(
        ioc_.get_executor(), cfg_,
        [this](executor, const config::cluster&, std::string) {
          return cluster_client{std::make_unique<test::model_api>(model_), {}};
        },
        runtime_options{.seed = 42});
    rt_->set_ownership(&owner_);
    rt_->start();
  }
  fake_ownership owner_;
};

TEST_F(Ownership, OnlyOwnedCollectionsAreDrivenAndEveryTriggerIsFenced) {
  cluster(3, "every 1m");
  start_owned({"prod/default/ext_1"});
  run_for(100ms);
  EXPECT_TRUE(rt_->ready()) << "ready at once: nothing is listed before it is claimed";
  EXPECT_EQ(model_.database_lists + model_.collection_lists, 0);
  run_for(150s);
  EXPECT_EQ(model_.triggers_of("ext_0"), 0);
  EXPECT_EQ(model_.triggers_of("ext_2"), 0);
  EXPECT_EQ(model_.triggers_of("ext_1"), 2);
  EXPECT_EQ(owner_.fences, 2) << "one fence per trigger";
  EXPECT_FALSE(rt_->drives(0));
  EXPECT_TRUE(rt_->drives(1));
  const auto& skipped = col(0).state.counters.skipped;
  EXPECT_EQ(skipped.already_running + skipped.suspended + skipped.limit, 0u)
      << "another replica's slots are not skips";
}

TEST_F(Ownership, AClaimedCollectionAdoptsTheJobItsPreviousOwnerStarted) {
  cluster(2, "every 1h");
  model_.collections["ext_1"] = model_cluster::behaviour{100ms, 20s, false};
  start_owned({});
  run_for(1s);
  const auto running = model_.start_job("ext_1");  // by the replica that owned it
  owner_.owned.insert("prod/default/ext_1");
  rt_->ownership_gained({"prod/default/ext_1"});
  run_for(1s);
  EXPECT_EQ(model_.triggers, 0);
  ASSERT_TRUE(col(1).state.job.has_value());
  EXPECT_EQ(col(1).state.job->id, running);
  EXPECT_EQ(col(1).state.current, status::running);
  run_for(30s);
  EXPECT_EQ(col(1).state.current, status::idle);
  EXPECT_EQ(col(1).state.counters.finished.completed, 1u) << "followed to its end here";
  EXPECT_EQ(model_.triggers, 0);
}

// Found by bench/coordination_faults.py: a collection claimed while its previous owner's job
// ran skipped its next slot once it had followed that job to its end (the adopted cycle took
// the upcoming slot, queued while another replica owned it, for the one it had run).
TEST_F(Ownership, AClaimedCollectionThatAdoptedAJobKeepsItsNextSlot) {
  cluster(1, "every 1m");
  model_.collections["ext_0"] = model_cluster::behaviour{100ms, 20s, false};
  start_owned({});
  run_for(30s);
  model_.start_job("ext_0");  // by the replica that owned it
  owner_.owned.insert("prod/default/ext_0");
  rt_->ownership_gained({"prod/default/ext_0"});
  run_for(25s);
  ASSERT_EQ(col(0).state.counters.finished.completed, 1u) << "adopted and followed to its end";
  EXPECT_EQ(model_.triggers, 0);
  run_for(10s);  // past the slot at 1 min
  EXPECT_EQ(model_.triggers, 1) << "the first slot after the adopted job is triggered";
}

TEST_F(Ownership, AClaimedCollectionCatchesUpTheSlotMissedWhileNobodyOwnedIt) {
  mock_clock::reset(t10 + 7min);
  cluster(1, "*/15 * * * *");  // 10:00 passed without a job
  start_owned({});
  run_for(10s);
  EXPECT_EQ(model_.triggers, 0);
  owner_.owned.insert("prod/default/ext_0");
  rt_->ownership_gained({"prod/default/ext_0"});
  run_for(2s);
  EXPECT_EQ(model_.triggers, 1) << "the missed 10:00 slot, caught up by the new owner";
}

TEST_F(Ownership, LosingTheClaimStopsPollingAndTheCollectionWaitsForItsNextSlot) {
  cluster(1, "every 1m");
  model_.collections["ext_0"] = model_cluster::behaviour{100ms, 50s, false};
  start_owned({"prod/default/ext_0"});
  run_for(65s);
  ASSERT_EQ(model_.triggers, 1);
  ASSERT_EQ(col(0).state.current, status::running);
  owner_.owned.clear();  // handed off (or the lease's deadline passed)
  const auto before = model_.request_times.size();
  run_for(10s);
  EXPECT_LE(model_.request_times.size(), before + 1) << "at most the describe in flight";
  EXPECT_FALSE(col(0).running) << "the cycle ended; the new owner follows the job";
  run_for(120s);
  EXPECT_EQ(model_.triggers, 1) << "never triggered while another replica owns it";
}

TEST_F(Ownership, LosingTheClaimWhileWaitingForServabilityStopsTheWait) {
  cluster(1, "every 1m").collections[0].settings.edit().ready_when =
      config::ready_condition::indexed;
  model_.collections["ext_0"] = model_cluster::behaviour{100ms, 1s, false, 60s};
  start_owned({"prod/default/ext_0"});
  run_for(65s);
  ASSERT_EQ(col(0).state.ready, ready_stage::indexing);
  owner_.owned.clear();
  run_for(10s);
  const int asked = model_.servability_requests;
  run_for(30s);
  EXPECT_LE(model_.servability_requests, asked + 1) << "at most the request in flight";
  EXPECT_EQ(col(0).state.ready, ready_stage::none);
  EXPECT_EQ(col(0).state.current, status::idle) << "the new owner does not follow this wait";
  EXPECT_FALSE(col(0).running);
}

TEST_F(Ownership, ARefusedFenceSendsNoTrigger) {
  cluster(1, "every 1m");
  start_owned({"prod/default/ext_0"});
  owner_.fence_holds = false;  // etcd says the claim is no longer ours
  run_for(130s);
  EXPECT_EQ(model_.triggers, 0);
  EXPECT_GE(owner_.fences, 2) << "each slot asks the fence again";
  owner_.fence_holds = true;
  run_for(60s);
  EXPECT_EQ(model_.triggers, 1);
}

TEST_F(Ownership, ACollectionAddedByAReloadIsListedOnlyWhenThisReplicaDrivesIt) {
  cluster(1, "every 1h").collections[0].settings.edit().catch_up = false;  // lists alone
  start_owned({"prod/default/ext_0", "prod/default/ext_2"});
  run_for(100ms);
  auto next = std::make_shared<config::config>(*cfg_);
  for (const char* name : {"ext_1", "ext_2"}) {
    auto& added = next->clusters[0].collections.emplace_back(next->clusters[0].collections[0]);
    added.name = name;
    model_.collections[name] = model_cluster::behaviour{};
  }
  ASSERT_TRUE(rt_->can_apply_config());
  const reload_summary summary = rt_->apply_config(next);
  EXPECT_EQ(summary.added, 2u);
  run_for(1s);
  EXPECT_EQ(model_.database_lists, 0);
  EXPECT_EQ(model_.collection_lists, 1) << "ext_2 (driven here) is listed; ext_1 waits for a claim";
  owner_.owned.insert("prod/default/ext_1");
  rt_->ownership_gained({"prod/default/ext_1"});
  run_for(1s);
  EXPECT_EQ(model_.collection_lists, 2) << "claimed: reconciled";
}

TEST_F(Ownership, TheFenceIsAskedAfterTheRateLimitTokenRightBeforeTheTrigger) {
  cluster(1, "every 1m", 0.5);  // one request every 2 s: the refresh waits for its token
  start_owned({"prod/default/ext_0"});
  run_for(70s);
  ASSERT_EQ(model_.triggers, 1) << model_.request_times.size() << " requests";
  ASSERT_EQ(owner_.fence_times.size(), 1u);
  ASSERT_GE(model_.request_times.size(), 2u);
  const auto list = model_.request_times[0];
  const auto refresh = model_.request_times[1];
  EXPECT_GE(refresh - list, 1500ms) << "the refresh waited for a token";
  EXPECT_GE(owner_.fence_times[0], refresh - 10ms) << "fenced after the wait, not before it";
}

TEST_F(Ownership, TheAdminTriggerOfAnotherReplicasCollectionIsRefused) {
  cluster(2, "every 1h");
  start_owned({"prod/default/ext_0"});
  run_for(100ms);
  auto r = std::make_shared<std::optional<admin_refresh_result>>();
  net::co_spawn(ioc_, rt_->async_refresh_now(1),
                [r](std::exception_ptr, admin_refresh_result value) { *r = std::move(value); });
  run_for(100ms);
  ASSERT_TRUE(r->has_value());
  const auto& answer = **r;
  EXPECT_EQ(answer.what, admin_refresh_result::kind::unavailable);
  EXPECT_NE(answer.message.find("another replica"), std::string::npos) << answer.message;
  EXPECT_EQ(model_.triggers, 0);
}

}  // namespace
}  // namespace refreshd::daemon
