// depends_on over the mock clock and the in-memory cluster (docs/SCHEDULES.md "depends_on"): a
// dependent refreshes once after every upstream became ready again, at once (woken by the
// upstream's end), never per re-check; a failed upstream holds it; after a restart, what it last
// refreshed from is read from its newest job.
#include <algorithm>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <gtest/gtest.h>

#include "runtime_fixture.hpp"

namespace refreshd::daemon {
namespace {

class DependsOnRuntime : public Runtime {
 protected:
  /// ext_0 every 10m, ext_1 every 30m, ext_2 depends on both (jobs of ~1 s).
  void two_upstreams() {
    auto& c = cluster(3, "every 10m");
    c.collections[1].settings.edit().schedule = "every 30m";
    auto& s = c.collections[2].settings.edit();
    s.schedule.clear();
    s.depends_on = {"prod/default/ext_0", "prod/default/ext_1"};
  }
  /// ext_1 depends on ext_0 (every 10m).
  void one_upstream() {
    auto& c = cluster(2, "every 10m");
    auto& s = c.collections[1].settings.edit();
    s.schedule.clear();
    s.depends_on = {"prod/default/ext_0"};
  }
  /// run --once to its end (ten minutes at most: the jobs take up to a minute).
  std::vector<once_result> run_once_all() {
    auto results = run_once(10min);
    EXPECT_TRUE(results.has_value());
    return results.value_or(std::vector<once_result>{});
  }
  std::vector<mock_clock::time_point> created(const std::string& collection) const {
    std::vector<mock_clock::time_point> out;
    for (const auto& j : model_.jobs) {
      if (j.collection == collection) {
        out.push_back(j.created);
      }
    }
    return out;
  }
};

TEST_F(DependsOnRuntime, ADependentRefreshesOnceAfterEveryUpstreamBecameReadyAgain) {
  two_upstreams();
  start();
  run_for(2h + 5min, 1s);
  // Both upstreams start with the catch-up of the 10:00 slot.
  EXPECT_EQ(model_.triggers_of("ext_0"), 13);
  EXPECT_EQ(model_.triggers_of("ext_1"), 5);
  const auto dependent = created("ext_2");
  const auto slow = created("ext_1");
  ASSERT_EQ(dependent.size(), 5U) << "once per change of the slower upstream, not per re-check";
  for (std::size_t i = 0; i < dependent.size(); ++i) {
    EXPECT_GT(dependent[i], slow[i]) << "after the upstream, refresh " << i;
    EXPECT_LE(dependent[i] - slow[i], 5s) << "woken by the upstream's end, not a re-check";
  }
  EXPECT_EQ(rt_->upstream_state(2).wait, upstream_wait::waiting);
  EXPECT_EQ(rt_->upstream_state(0).wait, upstream_wait::ready) << "not a dependent";
  EXPECT_EQ(model_.overlapping, 0);
}

TEST_F(DependsOnRuntime, AFailedUpstreamHoldsTheDependentUntilItSucceeds) {
  one_upstream();
  model_.collections["ext_0"].fail = true;
  cfg_->clusters[0].collections[0].settings.edit().retries = 0;
  start();
  run_for(25min, 1s);
  EXPECT_EQ(model_.triggers_of("ext_0"), 3);  // 10:00 (catch-up), 10:10, 10:20
  EXPECT_EQ(model_.triggers_of("ext_1"), 0);
  const auto gate = rt_->upstream_state(1);
  EXPECT_EQ(gate.wait, upstream_wait::held);
  EXPECT_EQ(gate.upstream, 0U);
  model_.collections["ext_0"].fail = false;
  run_for(10min, 1s);
  EXPECT_EQ(model_.triggers_of("ext_1"), 1) << "released by the upstream's success";
  EXPECT_EQ(rt_->upstream_state(1).wait, upstream_wait::waiting);
}

TEST_F(DependsOnRuntime, AfterARestartTheDependentsNewestJobSaysWhatItAlreadyRefreshedFrom) {
  one_upstream();
  model_.start_job("ext_0");  // ready after about a second
  run_for(5s, 1s);
  model_.start_job("ext_1");  // started after ext_0 was ready: nothing new to take
  run_for(5s, 1s);
  start();
  run_for(5min, 1s);
  EXPECT_EQ(model_.triggers_of("ext_1"), 1) << "only the job made before the start";
  EXPECT_EQ(rt_->upstream_state(1).wait, upstream_wait::waiting);
  run_for(6min, 1s);  // ext_0's slot at 10:10
  EXPECT_EQ(model_.triggers_of("ext_1"), 2);
}

TEST_F(DependsOnRuntime, ADependentListedAfterItsUpstreamIsNotRefreshedAtStartup) {
  // Another database: its own startup list, a second later (rate limit 1/s). Woken by the
  // upstream's list before its own is in, it must not take "no job known" for "never refreshed".
  auto& c = cluster(2, "every 10m", 1.0);
  c.collections[1].database = "other";
  auto& s = c.collections[1].settings.edit();
  s.schedule.clear();
  s.depends_on = {"prod/default/ext_0"};
  model_.start_job("ext_0");
  run_for(5s, 1s);
  model_.start_job("ext_1");  // after ext_0 was ready: nothing new to take
  run_for(5s, 1s);
  start();
  run_for(5min, 1s);
  EXPECT_EQ(model_.triggers_of("ext_1"), 1) << "only the job made before the start";
}

TEST_F(DependsOnRuntime, AnUpstreamReadyAfterTheDependentsLastJobTriggersItAtStartup) {
  one_upstream();
  model_.start_job("ext_1");
  run_for(5s, 1s);
  model_.start_job("ext_0");  // ready after ext_1's job: ext_1 has not seen it
  run_for(5s, 1s);
  start();
  run_for(30s, 1s);
  EXPECT_EQ(model_.triggers_of("ext_1"), 2) << "the job before the start, and one now";
  EXPECT_EQ(model_.triggers_of("ext_0"), 1) << "its next slot is at 10:10";
}

TEST_F(DependsOnRuntime, MinIntervalSpacesADependentsRefreshes) {
  one_upstream();
  cfg_->clusters[0].collections[0].settings.edit().schedule = "every 1m";
  cfg_->clusters[0].collections[1].settings.edit().min_interval = 5min;
  start();
  run_for(30min, 1s);
  EXPECT_EQ(model_.triggers_of("ext_0"), 31);
  const auto dependent = created("ext_1");
  ASSERT_GE(dependent.size(), 5U);
  EXPECT_LE(dependent.size(), 6U);
  for (std::size_t i = 1; i < dependent.size(); ++i) {
    EXPECT_GE(dependent[i] - dependent[i - 1], 5min);
  }
}

TEST_F(DependsOnRuntime, RunOnceRefreshesUpstreamsFirst) {
  two_upstreams();
  model_.collections["ext_0"].running = 30s;
  model_.collections["ext_1"].running = 60s;
  const auto results = run_once_all();
  ASSERT_EQ(results.size(), 3U);
  for (const auto& r : results) {
    EXPECT_EQ(r.outcome.kind, outcome_kind::completed) << r.collection->name;
  }
  const auto dependent = created("ext_2");
  ASSERT_EQ(dependent.size(), 1U);
  EXPECT_GE(dependent[0] - created("ext_1")[0], 60s) << "after the slower upstream ended";
}

TEST_F(DependsOnRuntime, RunOnceDoesNotRefreshADependentOfAFailedUpstream) {
  auto& c = cluster(3, "every 10m");
  for (const int i : {1, 2}) {  // ext_2 depends on ext_1, which depends on ext_0
    auto& s = c.collections[static_cast<std::size_t>(i)].settings.edit();
    s.schedule.clear();
    s.depends_on = {"prod/default/ext_" + std::to_string(i - 1)};
  }
  c.collections[0].settings.edit().retries = 0;
  model_.collections["ext_0"].fail = true;
  const auto results = run_once_all();
  ASSERT_EQ(results.size(), 3U);
  EXPECT_EQ(results[0].outcome.kind, outcome_kind::failed);
  EXPECT_EQ(results[1].outcome.kind, outcome_kind::gave_up);
  EXPECT_EQ(results[1].outcome.message,
            "not refreshed: upstream prod/default/ext_0 did not complete");
  EXPECT_EQ(results[2].outcome.message,
            "not refreshed: upstream prod/default/ext_1 did not complete");
  EXPECT_EQ(model_.triggers_of("ext_1") + model_.triggers_of("ext_2"), 0);
}

}  // namespace
}  // namespace refreshd::daemon
