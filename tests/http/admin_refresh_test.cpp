// The runtime's admin "run now" (basic_runtime::async_refresh_now) on the mock clock against the
// in-memory cluster model: same overlap rules as a due slot, job slots, the job followed to its
// end, and every refusal.
#include "http_fixture.hpp"

namespace refreshd::daemon::test_http {
namespace {

using kind = admin_refresh_result::kind;

class AdminRefresh : public runtime_fixture {
 protected:
  std::optional<admin_refresh_result> refresh_now(std::size_t index,
                                                  mock_clock::duration limit = 30s) {
    return run_awaitable(rt_->async_refresh_now(index), limit);
  }
};

TEST_F(AdminRefresh, TriggersOneJobAndFollowsItToTheEnd) {
  cluster(2);
  start();
  ASSERT_EQ(model_.triggers, 0);
  auto r = refresh_now(0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->what, kind::triggered) << r->message;
  ASSERT_EQ(model_.jobs.size(), 1u);
  ASSERT_TRUE(r->job);
  EXPECT_EQ(r->job->id, model_.jobs[0].id);
  EXPECT_EQ(col(0).state.current, status::running);
  run_for(5s);
  EXPECT_EQ(col(0).state.counters.triggers, 1u);
  EXPECT_EQ(col(0).state.counters.finished.completed, 1u);
  EXPECT_EQ(col(0).state.current, status::idle);
  EXPECT_FALSE(col(0).running);
  ASSERT_TRUE(col(0).state.next_run);
  EXPECT_EQ(*col(0).state.next_run, std::chrono::floor<std::chrono::milliseconds>(t10 + 14h))
      << "the next regular @daily slot (midnight) follows the manual run";
  EXPECT_EQ(model_.triggers_of("ext_1"), 0);
}

TEST_F(AdminRefresh, AdoptsAJobStartedByAnotherActorInsteadOfTriggering) {
  cluster(1);
  start();
  const auto other = model_.start_job("ext_0");
  auto r = refresh_now(0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->what, kind::already_running) << r->message;
  ASSERT_TRUE(r->job);
  EXPECT_EQ(r->job->id, other);
  EXPECT_EQ(model_.triggers, 0) << "no refresh was sent";
  run_for(5s);
  EXPECT_EQ(col(0).state.counters.finished.completed, 1u) << "the adopted job was followed";
  EXPECT_EQ(col(0).state.counters.skipped.already_running, 1u);
}

TEST_F(AdminRefresh, ASecondRequestJoinsTheRunningCycleWithItsJob) {
  cluster(1);
  model_.collections["ext_0"].running = 20s;
  start();
  auto first = refresh_now(0);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->what, kind::triggered);
  run_for(2s);
  auto second = refresh_now(0);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->what, kind::already_running);
  ASSERT_TRUE(second->job);
  EXPECT_EQ(second->job->id, first->job->id);
  EXPECT_EQ(model_.triggers, 1);
  EXPECT_EQ(model_.overlapping, 0);
}

TEST_F(AdminRefresh, ScheduledCycleWithoutAJobYetIsJoinedNotDoubled) {
  // max_running_jobs 1: ext_1's due slot waits for ext_0's job slot; a request for ext_1 joins
  // that waiting cycle.
  cluster(2, "every 10s", 1);
  model_.collections["ext_0"].running = 60s;
  start();
  ASSERT_EQ(refresh_now(0)->what, kind::triggered);
  run_for(10s);  // ext_1's 10:00:10 slot is due and waits for the slot
  ASSERT_TRUE(col(1).running);
  runtime_options unused;
  auto r = refresh_now(1, unused.admin_wait + 5s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->what, kind::already_running);
  EXPECT_FALSE(r->job) << "the waiting cycle has no job yet";
  EXPECT_EQ(model_.triggers_of("ext_1"), 0);
}

TEST_F(AdminRefresh, WaitsForAJobSlotThenAnswersQueuedAndTriggersLater) {
  cluster(2, "@daily", 1);
  model_.collections["ext_0"].running = 30s;
  runtime_options o;
  o.admin_wait = 3s;
  start(true, o);
  ASSERT_EQ(refresh_now(0)->what, kind::triggered);
  auto r = refresh_now(1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->what, kind::queued) << r->message;
  EXPECT_EQ(model_.triggers_of("ext_1"), 0) << "max_running_jobs = 1";
  run_for(40s);
  EXPECT_EQ(model_.triggers_of("ext_1"), 1) << "triggered once ext_0's job ended";
  EXPECT_LE(model_.max_active, 1);
  EXPECT_EQ(model_.overlapping, 0);
}

TEST_F(AdminRefresh, SuspendedCollectionIsRefusedWithoutARequest) {
  cluster(1).collections[0].suspend = true;
  start();
  const auto before = model_.request_times.size();
  auto r = refresh_now(0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->what, kind::suspended);
  EXPECT_EQ(model_.request_times.size(), before);
}

TEST_F(AdminRefresh, UnavailableBeforeReadyAndWhileStopping) {
  cluster(1);
  start(false);
  auto r = refresh_now(0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->what, kind::unavailable);
  rt_->start();
  run_for(1s);
  rt_->stop();
  r = refresh_now(0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->what, kind::unavailable);
  EXPECT_EQ(model_.triggers, 0);
}

TEST_F(AdminRefresh, ApiErrorIsAnsweredAsFailedWithItsClass) {
  cluster(1);
  start();
  client::api_error e;
  e.kind = client::error_class::transient;
  e.http_status = 503;
  e.message = "upstream unavailable";
  model_.broken = e;
  auto r = refresh_now(0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->what, kind::failed);
  ASSERT_TRUE(r->error);
  EXPECT_EQ(r->error->kind, client::error_class::transient);
  EXPECT_NE(r->message.find("upstream unavailable"), std::string::npos) << r->message;
  EXPECT_EQ(model_.triggers, 0);
}

TEST_F(AdminRefresh, BlockedClusterAnswersWithTheClustersError) {
  cluster(1);
  client::api_error e;
  e.kind = client::error_class::unsupported;
  e.http_status = 404;
  e.message = "Not Found";
  model_.broken = e;
  start();
  auto r = refresh_now(0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->what, kind::failed);
  ASSERT_TRUE(r->error);
  EXPECT_EQ(r->error->kind, client::error_class::unsupported);
}

}  // namespace
}  // namespace refreshd::daemon::test_http
