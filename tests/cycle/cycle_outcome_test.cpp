// The refresh cycle, steps 6-8 of docs/CYCLE.md (poll, stuck, outcome), the driver contract and the
// observe mode. Steps 1-5 are in cycle_test.cpp.
#include <stdexcept>

#include <gtest/gtest.h>

#include <refreshd/cycle/cycle.hpp>

#include "cycle_harness.hpp"

namespace refreshd::daemon {
namespace {

using namespace cycle_testing;

using Cycle = cycle_fixture;

constexpr std::int64_t id1 = 449503829274509311;
constexpr std::int64_t id2 = 449503829274509999;

// ---- step 6: poll --------------------------------------------------------------------------

TEST_F(Cycle, Step6PollsWithinBoundsUntilTheJobCompletes) {
  trigger_job(id1);
  const std::int64_t start_ms = clock.wall_ms() - 2'000;
  int progress = 0;
  while (is<describe_action>(step)) {
    progress = std::min(progress + 7, 100);
    const bool done = progress == 100;
    describe(job(id1, done ? job_state::completed : job_state::in_progress, progress, start_ms,
                 done ? clock.wall_ms() : 0));
    if (is<wait_action>(step)) {
      EXPECT_GE(wait_left(), 2s);
      EXPECT_LE(wait_left(), 60s);
      fire();
    }
  }
  ASSERT_TRUE(is<finish_action>(step));
  EXPECT_EQ(outcome().kind, outcome_kind::completed);
}

TEST_F(Cycle, Step6DescribeErrorsWhilePollingBackOffAndKeepPolling) {
  trigger_job(id1);
  describe(job(id1, job_state::in_progress, 10, clock.wall_ms()));
  fire();
  std::vector<milliseconds> waits;
  for (int i = 0; i < 8; ++i) {
    describe(error(error_class::transient, "timeout"));
    ASSERT_TRUE(is<wait_action>(step));
    waits.push_back(wait_left());
    fire();
    ASSERT_TRUE(is<describe_action>(step));
  }
  EXPECT_GE(waits.front(), 2s);
  EXPECT_EQ(waits.back(), 60s);
  describe(job(id1, job_state::completed, 100, clock.wall_ms() - 1'000, clock.wall_ms()));
  EXPECT_EQ(outcome().kind, outcome_kind::completed);
}

// ---- step 7: stuck -------------------------------------------------------------------------

TEST_F(Cycle, Step7PendingLongerThanPendingTimeoutIsStuckAndPolledAtPollMax) {
  start();
  list(listed({job(id1, job_state::pending, 0, clock.wall_ms() - 31 * 60'000)}));
  const auto* st = find_event<events::stuck>(events);
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(st->why, stuck_reason::pending_timeout);
  EXPECT_EQ(wait_left(), 60s);
  fire();
  describe(job(id1, job_state::in_progress, 1, clock.wall_ms() - 32 * 60'000));
  EXPECT_EQ(count_events<events::unstuck>(events), 1);
}

TEST_F(Cycle, Step7RunningLongerThanTimeoutIsStuck) {
  start();
  list(listed({job(id1, job_state::in_progress, 50, clock.wall_ms() - 7 * 3'600'000)}));
  const auto* st = find_event<events::stuck>(events);
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(st->why, stuck_reason::timeout);
  EXPECT_EQ(wait_left(), 60s);
}

TEST_F(Cycle, Step7NoProgressForStallTimeoutIsStuckUntilProgressMoves) {
  trigger_job(id1);
  const std::int64_t start_ms = clock.wall_ms() - 2'000;
  describe(job(id1, job_state::in_progress, 99, start_ms));
  for (int i = 0; count_events<events::stuck>(events) == 0; ++i) {
    ASSERT_LT(i, 100);
    fire();
    describe(job(id1, job_state::in_progress, 99, start_ms));
  }
  EXPECT_EQ(find_event<events::stuck>(events)->why, stuck_reason::no_progress);
  EXPECT_GE(find_event<events::stuck>(events)->age, 30min);
  EXPECT_EQ(wait_left(), 60s);
  fire();
  describe(job(id1, job_state::completed, 100, start_ms, clock.wall_ms()));
  EXPECT_EQ(outcome().kind, outcome_kind::completed);
}

// ---- step 8: outcome -----------------------------------------------------------------------

TEST_F(Cycle, Step8CompletedJobFinishesWithItsDuration) {
  trigger_job(id1);
  const std::int64_t start_ms = clock.wall_ms() - 2'000;
  describe(job(id1, job_state::completed, 100, start_ms, start_ms + 1'500));
  const auto* c = find_event<events::completed>(events);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->duration, 1500ms);
  EXPECT_EQ(outcome().kind, outcome_kind::completed);
  EXPECT_EQ(outcome().triggers, 1);
  EXPECT_FALSE(outcome().not_before.has_value());
}

TEST_F(Cycle, Step8FailedJobsAreRetriggeredUpToRetriesWithDoublingBackoff) {
  trigger_job(id1);
  const std::string reason = "timeout, last failure: explore external files failed: NoSuchBucket";
  std::vector<milliseconds> backoffs;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto failed =
        job(id1 + attempt - 1, job_state::failed, 60, clock.wall_ms() - 2'000, clock.wall_ms());
    failed.reason = reason;
    describe(failed);
    const auto* f = find_event<events::failed>(step.events);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->reason, reason);  // verbatim
    if (attempt == 3) {
      break;
    }
    ASSERT_TRUE(is<wait_action>(step));
    backoffs.push_back(wait_left());
    fire();
    ASSERT_TRUE(is<list_action>(step));  // list again before re-triggering
    list(listed({failed}));
    ASSERT_TRUE(is<refresh_action>(step));
    refresh(new_id(id1 + attempt));
    fire();
  }
  ASSERT_TRUE(is<finish_action>(step));
  EXPECT_EQ(outcome().kind, outcome_kind::failed);
  EXPECT_EQ(outcome().message, reason);
  EXPECT_EQ(outcome().triggers, 3);
  ASSERT_EQ(backoffs.size(), 2U);
  EXPECT_GE(backoffs[0], 60s);
  EXPECT_LT(backoffs[0], 90s);
  EXPECT_GE(backoffs[1], 120s);
  EXPECT_LT(backoffs[1], 180s);
}

TEST_F(Cycle, Step8RetryAdoptsAJobAnotherActorStartedMeanwhile) {
  trigger_job(id1);
  describe(job(id1, job_state::failed, 10, clock.wall_ms() - 2'000, clock.wall_ms()));
  fire();
  list(listed({job(id2, job_state::in_progress, 1, clock.wall_ms())}));
  const auto* a = find_event<events::adopted>(events);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->reason, adopt_reason::already_running);
}

TEST_F(Cycle, Step8NoRetryIsScheduledPastTheDeadline) {
  start(clock.now.steady + 30s);
  list(listed());
  refresh(new_id(id1));
  fire();
  describe(job(id1, job_state::failed, 10, clock.wall_ms() - 2'000, clock.wall_ms()));
  ASSERT_TRUE(is<finish_action>(step));
  EXPECT_EQ(outcome().kind, outcome_kind::failed);
}

TEST_F(Cycle, Step8AJobThatVanishesWhilePolledIsLostAndRetried) {
  trigger_job(id1);
  describe(job(id1, job_state::in_progress, 20, clock.wall_ms()));
  fire();
  describe(error(error_class::job_not_found, "refresh job 1 not found: invalid parameter"));
  ASSERT_TRUE(is<list_action>(step));
  list(listed());
  EXPECT_EQ(count_events<events::job_lost>(events), 1);
  const auto* r = find_event<events::retry_scheduled>(events);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->cause, retry_cause::job_lost);
}

TEST_F(Cycle, Step8AJobReplacedWhilePolledIsAdopted) {
  trigger_job(id1);
  describe(job(id1, job_state::in_progress, 20, clock.wall_ms()));
  fire();
  describe(error(error_class::job_not_found));
  list(listed({job(id2, job_state::in_progress, 1, clock.wall_ms())}));
  const auto* a = find_event<events::adopted>(events);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->reason, adopt_reason::replaced);
}

// ---- driver contract and modes -------------------------------------------------------------

TEST_F(Cycle, AnInputThatDoesNotMatchTheActionIsALogicError) {
  start();
  EXPECT_THROW(cycle->on_refresh(new_id(id1), clock.now), std::logic_error);
  EXPECT_THROW(cycle->on_timer(clock.now), std::logic_error);
  EXPECT_THROW(cycle->start(clock.now), std::logic_error);
}

TEST_F(Cycle, ATimerFiredEarlyWaitsAgainForTheSameInstant) {
  trigger_job(id1);
  describe(job(id1, job_state::in_progress, 1, clock.wall_ms()));
  const steady_time until = as<wait_action>(step).until;
  clock.advance(1ms);
  keep(cycle->on_timer(clock.now));
  ASSERT_TRUE(is<wait_action>(step));
  EXPECT_EQ(as<wait_action>(step).until, until);
}

TEST_F(Cycle, ObserveModeAdoptsAnActiveJobButNeverTriggers) {
  start(std::nullopt, cycle_mode::observe);
  list(listed({job(id1, job_state::in_progress, 7, clock.wall_ms())}));
  EXPECT_EQ(find_event<events::adopted>(events)->reason, adopt_reason::observed);
  fire();
  describe(job(id1, job_state::failed, 7, clock.wall_ms() - 1'000, clock.wall_ms()));
  ASSERT_TRUE(is<finish_action>(step));  // no retry either
  EXPECT_EQ(outcome().kind, outcome_kind::failed);
}

TEST_F(Cycle, ObserveModeWithoutAnActiveJobReportsTheNewestJob) {
  start(std::nullopt, cycle_mode::observe);
  list(
      listed({job(id1, job_state::completed, 100, clock.wall_ms() - 9'000, clock.wall_ms()),
              job(id2, job_state::failed, 3, clock.wall_ms() - 90'000, clock.wall_ms() - 80'000)}));
  ASSERT_TRUE(is<finish_action>(step));
  EXPECT_EQ(outcome().kind, outcome_kind::idle);
  EXPECT_EQ(outcome().job->id.value, id1);
}

TEST_F(Cycle, TheSecretSpecNeverReachesEventsOrOutcomes) {
  auto t = target();
  t.external_source = "s3://bucket/books/";
  t.external_spec = R"({"format":"parquet","access_key_value":"SECRETKEY"})";
  make({}, t);
  trigger_job(id1);
  auto j = job(id1, job_state::failed, 10, clock.wall_ms() - 2'000, clock.wall_ms());
  j.external_spec = t.external_spec;
  describe(j);
  for (const auto& e : events) {
    EXPECT_EQ(to_log_line(e).find("SECRETKEY"), std::string::npos);
  }
}

}  // namespace
}  // namespace refreshd::daemon
