// The refresh cycle: one test per row of docs/CYCLE.md's error-class table, plus backoff bounds.
#include <gtest/gtest.h>

#include <refreshd/cycle/cycle.hpp>

#include "cycle_harness.hpp"

namespace refreshd::daemon {
namespace {

using namespace cycle_testing;

using CycleErrors = cycle_fixture;

constexpr std::int64_t id1 = 449503829274509311;

TEST_F(CycleErrors, UnsupportedFinishesUnsupportedAndRetriesTheClusterInTenMinutes) {
  start();
  auto e = error(error_class::unsupported, "404 page not found");
  e.http_status = 404;
  list(e);
  ASSERT_TRUE(is<finish_action>(step));
  EXPECT_EQ(outcome().kind, outcome_kind::unsupported);
  EXPECT_NE(outcome().message.find("upgrade the cluster"), std::string::npos);
  ASSERT_TRUE(outcome().not_before.has_value());
  EXPECT_EQ(*outcome().not_before - clock.now.steady, 10min);
}

TEST_F(CycleErrors, UnauthenticatedFinishesAuthFailedAndNeverSpins) {
  start();
  refresh_result r = error(error_class::unauthenticated, "should be authenticated");
  list(listed());
  refresh(r);
  ASSERT_TRUE(is<finish_action>(step));
  EXPECT_EQ(outcome().kind, outcome_kind::auth_failed);
  ASSERT_TRUE(outcome().not_before.has_value());
  EXPECT_GE(*outcome().not_before - clock.now.steady, 1min);
}

TEST_F(CycleErrors, NotFoundFinishesMisconfiguredWithTheServerMessage) {
  start();
  list(error(error_class::not_found, "collection ext_books is not an external collection"));
  ASSERT_TRUE(is<finish_action>(step));
  EXPECT_EQ(outcome().kind, outcome_kind::misconfigured);
  EXPECT_NE(outcome().message.find("is not an external collection"), std::string::npos);
  EXPECT_EQ(outcome().triggers, 0);
}

TEST_F(CycleErrors, NoPersistedSourceFinishesMisconfiguredAndSaysWhatToSet) {
  start();
  list(listed());
  refresh(error(error_class::no_source, "no persisted external_source/external_spec"));
  ASSERT_TRUE(is<finish_action>(step));
  EXPECT_EQ(outcome().kind, outcome_kind::misconfigured);
  EXPECT_NE(outcome().message.find("no persisted external_source/external_spec"),
            std::string::npos);
  EXPECT_NE(outcome().message.find("set external_source and external_spec"), std::string::npos);
}

TEST_F(CycleErrors, InvalidRequestFinishesMisconfigured) {
  start();
  list(listed());
  refresh(error(error_class::invalid, "invalid parameter[expected=collectionName]"));
  ASSERT_TRUE(is<finish_action>(step));
  EXPECT_EQ(outcome().kind, outcome_kind::misconfigured);
  EXPECT_TRUE(outcome().error.has_value());
}

TEST_F(CycleErrors, RateLimitedRetriesWithBackoffAndListsAgainFirst) {
  start();
  list(listed());
  refresh(error(error_class::rate_limited, "rate limit exceeded"));
  ASSERT_TRUE(is<wait_action>(step));
  EXPECT_GE(wait_left(), 1s);
  fire();
  EXPECT_TRUE(is<list_action>(step));
}

TEST_F(CycleErrors, TransientErrorsRetryWithExponentialBackoffAndJitter) {
  start();
  std::vector<milliseconds> waits;
  for (int i = 0; i < 12; ++i) {
    list(error(error_class::transient, "connection refused"));
    ASSERT_TRUE(is<wait_action>(step));
    waits.push_back(wait_left());
    fire();
  }
  for (std::size_t i = 0; i < waits.size(); ++i) {
    const milliseconds nominal = std::min<milliseconds>(1s * (1LL << i), 5min);
    EXPECT_GE(waits[i], nominal) << i;
    EXPECT_LT(waits[i], nominal + nominal / 2) << i;
  }
  EXPECT_EQ(cycle->error_streak(), 12);
}

TEST_F(CycleErrors, BadResponseRetriesLikeTransient) {
  start();
  list(error(error_class::bad_response, "malformed JSON"));
  ASSERT_TRUE(is<wait_action>(step));
  fire();
  list(listed());
  EXPECT_TRUE(is<refresh_action>(step));
}

TEST_F(CycleErrors, RetryableErrorsGiveUpAtTheDeadlineWithNotBefore) {
  start(clock.now.steady + 20s);
  int lists = 0;
  while (is<list_action>(step)) {
    ++lists;
    list(error(error_class::transient, "connection refused"));
    if (is<wait_action>(step)) {
      fire();
    }
  }
  ASSERT_TRUE(is<finish_action>(step));
  EXPECT_EQ(outcome().kind, outcome_kind::gave_up);
  EXPECT_LE(lists, 5);  // 1 + 2 + 4 + 8 s (each up to x1.5) fits 20 s at most 4 times
  EXPECT_TRUE(outcome().not_before.has_value());
}

TEST_F(CycleErrors, JobNotFoundWhilePollingListsAndAdoptsOrTreatsTheJobAsLost) {
  start();
  list(listed({job(id1, job_state::in_progress, 30, clock.wall_ms())}));
  fire();
  describe(error(error_class::job_not_found));
  ASSERT_TRUE(is<list_action>(step));
  list(listed({job(id1, job_state::completed, 100, clock.wall_ms() - 100, clock.wall_ms())}));
  EXPECT_EQ(outcome().kind, outcome_kind::completed);
}

TEST_F(CycleErrors, DescribeAuthFailureWhilePollingFinishesAuthFailed) {
  trigger_job(id1);
  describe(error(error_class::unauthenticated, "should be authenticated"));
  ASSERT_TRUE(is<finish_action>(step));
  EXPECT_EQ(outcome().kind, outcome_kind::auth_failed);
  EXPECT_EQ(outcome().job->id.value, id1);
}

TEST_F(CycleErrors, ErrorStreakSurvivesTheCycleAndResetsOnSuccess) {
  start(clock.now.steady + 2s);
  list(error(error_class::transient));
  ASSERT_TRUE(is<wait_action>(step));
  fire();
  list(error(error_class::transient));
  ASSERT_TRUE(is<finish_action>(step));
  EXPECT_EQ(cycle->error_streak(), 2);
  start();
  list(error(error_class::transient));
  EXPECT_GE(wait_left(), 4s);  // the third failure in a row
  fire();
  list(listed());
  refresh(new_id(id1));
  EXPECT_EQ(cycle->error_streak(), 0);
}

TEST_F(CycleErrors, RepeatedErrorOutcomesPushNotBeforeFurtherOut) {
  std::vector<milliseconds> gaps;
  for (int i = 0; i < 12; ++i) {
    start();
    list(error(error_class::not_found, "collection not found"));
    ASSERT_TRUE(is<finish_action>(step));
    gaps.push_back(
        std::chrono::duration_cast<milliseconds>(*outcome().not_before - clock.now.steady));
  }
  EXPECT_LT(gaps.front(), 2s);
  EXPECT_GE(gaps.back(), 5min);
  EXPECT_LT(gaps.back(), 7min + 30s);
}

}  // namespace
}  // namespace refreshd::daemon
