// ready_when over the mock clock and the in-memory cluster (docs/CYCLE.md "ready_when"): a
// completed refresh counts as done when its indexes caught up (indexed) and the collection is
// loaded (loaded); last_success is that moment; /status's phase follows; a failed index fails
// the refresh with its reason; a cluster without the routes degrades to completed, once.
#include <gtest/gtest.h>

#include "runtime_fixture.hpp"

namespace refreshd::daemon {
namespace {

class ReadyWhen : public Runtime {
 protected:
  /// One collection "every 1m" (catch-up off), its job 100 ms pending + 1 s running, then
  /// `indexing` and `loading` (model_cluster).
  void one(config::ready_condition when, std::chrono::milliseconds indexing,
           std::chrono::milliseconds loading = 0ms, std::string fail = {}) {
    auto& c = cluster(1, "every 1m");
    c.collections[0].settings.edit().ready_when = when;
    c.collections[0].settings.edit().catch_up = false;
    model_.collections["ext_0"] =
        model_cluster::behaviour{100ms, 1s, false, indexing, loading, std::move(fail)};
    start();
  }
};

TEST_F(ReadyWhen, IndexedCountsTheRefreshDoneWhenItsIndexCaughtUp) {
  one(config::ready_condition::indexed, 20s);
  run_for(61s);  // the slot at 1 min; the job ends at about 61.1 s
  ASSERT_EQ(model_.triggers, 1);
  run_for(5s);
  EXPECT_EQ(col(0).state.counters.finished.completed, 1u) << "the job completed";
  EXPECT_EQ(col(0).state.current, status::running) << "but it is not servable yet";
  EXPECT_EQ(col(0).state.ready, ready_stage::indexing);
  EXPECT_GT(col(0).state.ready_progress, 10);
  EXPECT_LT(col(0).state.ready_progress, 50);
  EXPECT_FALSE(col(0).state.last_success.has_value()) << "not before it is servable";
  run_for(20s);
  EXPECT_EQ(col(0).state.current, status::idle);
  EXPECT_EQ(col(0).state.ready, ready_stage::none);
  ASSERT_TRUE(col(0).state.last_success.has_value());
  const auto servable = *col(0).state.last_success;
  ASSERT_TRUE(col(0).state.job && col(0).state.job->end);
  const auto job_end = *col(0).state.job->end;
  EXPECT_GE(servable, job_end + 20s) << "the moment the index caught up";
  EXPECT_LE(servable, job_end + 20s + 5s) << "polled within poll.max of it";
  EXPECT_GT(model_.servability_requests, 2);
  EXPECT_EQ(model_.triggers, 1);
}

TEST_F(ReadyWhen, LoadedAlsoWaitsForTheLoadAndNextSlotsGoOn) {
  one(config::ready_condition::loaded, 5s, 10s);
  run_for(61s + 8s);
  EXPECT_EQ(col(0).state.ready, ready_stage::loading) << "indexed, now loading";
  run_for(15s);
  EXPECT_EQ(col(0).state.current, status::idle);
  ASSERT_TRUE(col(0).state.last_success.has_value());
  ASSERT_TRUE(col(0).state.job && col(0).state.job->end);
  EXPECT_GE(*col(0).state.last_success, *col(0).state.job->end + 15s) << "indexed, then loaded";
  run_for(60s);
  EXPECT_EQ(model_.triggers, 2) << "the next slot as usual";
}

TEST_F(ReadyWhen, AFailedIndexFailsTheRefreshWithItsReasonVerbatim) {
  one(config::ready_condition::indexed, 3s, 0ms, "dim mismatch: 768 != 1024");
  run_for(61s + 10s);
  EXPECT_EQ(col(0).state.current, status::failing);
  ASSERT_TRUE(col(0).state.last_failure_reason.has_value());
  EXPECT_EQ(*col(0).state.last_failure_reason, "dim mismatch: 768 != 1024");
  EXPECT_EQ(col(0).state.consecutive_failures, 1);
  EXPECT_FALSE(col(0).state.last_success.has_value());
}

TEST_F(ReadyWhen, AClusterWithoutTheRoutesDegradesToCompletedOnce) {
  model_.servability_absent = true;
  one(config::ready_condition::loaded, 30s);
  run_for(61s + 3s);
  EXPECT_EQ(col(0).state.current, status::idle);
  EXPECT_EQ(col(0).state.ready, ready_stage::degraded);
  ASSERT_TRUE(col(0).state.last_success.has_value());
  ASSERT_TRUE(col(0).state.job && col(0).state.job->end);
  EXPECT_EQ(*col(0).state.last_success, *col(0).state.job->end) << "the job's end";
  EXPECT_EQ(model_.servability_requests, 1) << "one 404, then the cluster is known";
  run_for(60s);
  EXPECT_EQ(model_.triggers, 2);
  EXPECT_EQ(model_.servability_requests, 1) << "not asked again";
  EXPECT_EQ(col(0).state.ready, ready_stage::degraded);
}

TEST_F(ReadyWhen, CompletedAsksNothingMore) {
  one(config::ready_condition::completed, 30s);
  run_for(61s + 3s);
  EXPECT_EQ(col(0).state.current, status::idle);
  EXPECT_EQ(model_.servability_requests, 0);
  EXPECT_EQ(col(0).state.ready, ready_stage::none);
}

}  // namespace
}  // namespace refreshd::daemon
