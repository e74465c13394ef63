// Startup reconciliation (docs/DAEMON.md "Startup reconciliation"): adoption, catch-up, and one
// `list` per database with the per-collection fallback, over the mock clock and the model.
#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "runtime_fixture.hpp"

namespace refreshd::daemon {
namespace {

TEST_F(Runtime, StartupAdoptsARunningJobInsteadOfTriggering) {
  cluster(1, "every 1h");
  model_.collections["ext_0"] = model_cluster::behaviour{100ms, 20s, false};
  const auto running = model_.start_job("ext_0");
  start();
  run_for(5s);
  EXPECT_EQ(model_.triggers, 0);
  ASSERT_TRUE(col(0).state.job.has_value());
  EXPECT_EQ(col(0).state.job->id, running);
  EXPECT_EQ(col(0).state.current, status::running);
  run_for(30s);
  EXPECT_EQ(model_.triggers, 0) << "the next slot is at 11:00";
  EXPECT_EQ(col(0).state.current, status::idle);
  EXPECT_EQ(col(0).state.counters.finished.completed, 1u);
  EXPECT_TRUE(rt_->ready());
}

TEST_F(Runtime, CatchUpRunsMissedSlotsOnceSpreadOverTime) {
  mock_clock::reset(t10 + 7min);
  cluster(3, "*/15 * * * *");  // 10:00 was missed (no job known)
  start();
  run_for(100ms);
  EXPECT_EQ(model_.triggers, 1) << "the first catch-up at once";
  run_for(1s);
  EXPECT_EQ(model_.triggers, 2) << "the next one a second later";
  run_for(1s);
  EXPECT_EQ(model_.triggers, 3);
  run_for(5min);
  EXPECT_EQ(model_.triggers, 3) << "one catch-up per collection, then the 10:15 slot";
  run_for(3min);
  EXPECT_EQ(model_.triggers, 6);
}

TEST_F(Runtime, NoCatchUpWhenTheNewestJobStartedAfterTheSlot) {
  mock_clock::reset(t10 + 7min);
  cluster(1, "*/15 * * * *");
  model_.start_job("ext_0");  // finishes 1.1 s later, started 10:07 > 10:00
  run_for(5s);
  start();
  run_for(5s);
  EXPECT_EQ(model_.triggers, 0);
}

TEST_F(Runtime, StartupListsEachDatabaseOnceAndDecidesEveryCollectionFromThatAnswer) {
  mock_clock::reset(t10 + 7min);
  auto& c = cluster(4, "*/15 * * * *");     // 10:00 was missed unless a newer job is known
  c.collections[3].database = "analytics";  // alone in its database: its own list
  auto& paused = c.collections.emplace_back(c.collections[0]);
  paused.name = "ext_paused";
  paused.suspend = true;
  model_.collections["ext_0"] = model_cluster::behaviour{100ms, 20s, false};
  const auto running = model_.start_job("ext_0");  // active: adopted
  model_.start_job("ext_1");                       // ends 10:07:02: no catch-up needed
  run_for(5s);
  start();
  run_for(200ms);
  EXPECT_TRUE(rt_->ready());
  EXPECT_EQ(model_.database_lists, 1) << "ext_0..ext_2 share the default database";
  ASSERT_TRUE(col(0).state.job.has_value());
  EXPECT_EQ(col(0).state.job->id, running);
  EXPECT_EQ(col(0).state.current, status::running);
  ASSERT_TRUE(col(1).state.last_success.has_value()) << "its newest job, from the database list";
  EXPECT_EQ(col(1).state.job->state, client::job_state::completed);
  EXPECT_EQ(col(4).state.current, status::suspended);
  run_for(5s);
  EXPECT_EQ(model_.triggers_of("ext_1"), 1) << "only the job started before the daemon";
  EXPECT_EQ(model_.triggers_of("ext_2"), 1) << "a catch-up of 10:00";
  EXPECT_EQ(model_.triggers_of("ext_3"), 1) << "a catch-up of 10:00";
  EXPECT_EQ(model_.triggers_of("ext_paused"), 0);
  EXPECT_EQ(model_.database_lists, 1);
}

TEST_F(Runtime, AFailedDatabaseListFallsBackToOneListPerCollection) {
  for (auto& c : cluster(3, "every 1h").collections) {
    c.settings.edit().catch_up = false;
  }
  model_.collections["ext_1"] = model_cluster::behaviour{100ms, 20s, false};
  const auto running = model_.start_job("ext_1");
  client::api_error e;
  e.kind = client::error_class::bad_response;
  e.message = "the response body is larger than 8388608 bytes";
  model_.database_list_error = e;
  start();
  run_for(1s);
  EXPECT_TRUE(rt_->ready());
  EXPECT_EQ(model_.database_lists, 1);
  EXPECT_GE(model_.collection_lists, 3) << "each collection listed its own jobs";
  ASSERT_TRUE(col(1).state.job.has_value());
  EXPECT_EQ(col(1).state.job->id, running);
  EXPECT_EQ(col(1).state.current, status::running);
  EXPECT_EQ(col(0).state.current, status::idle);
  EXPECT_EQ(model_.triggers, 0);
}

}  // namespace
}  // namespace refreshd::daemon
