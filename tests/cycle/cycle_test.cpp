// The refresh cycle, steps 1-5 of docs/CYCLE.md (list, trigger, confirm, duplicates, ambiguous
// failures). Steps 6-8 are in cycle_outcome_test.cpp, the error-class table in
// cycle_errors_test.cpp, the randomized invariant test in cycle_random_test.cpp.
#include <gtest/gtest.h>

#include <refreshd/cycle/cycle.hpp>

#include "cycle_harness.hpp"

namespace refreshd::daemon {
namespace {

using namespace cycle_testing;

using Cycle = cycle_fixture;

constexpr std::int64_t id1 = 449503829274509311;
constexpr std::int64_t id2 = 449503829274509999;

// ---- step 1: list first --------------------------------------------------------------------

TEST_F(Cycle, Step1ListsTheCollectionFirst) {
  make({}, target("ext_movies", "media"));
  start();
  ASSERT_TRUE(is<list_action>(step));
  EXPECT_EQ(as<list_action>(step).request.database, "media");
  EXPECT_EQ(as<list_action>(step).request.collection, "ext_movies");
}

TEST_F(Cycle, Step1AdoptsAnActiveJobInsteadOfTriggering) {
  start();
  list(listed({job(id1, job_state::in_progress, 42, clock.wall_ms() - 60'000)}));
  ASSERT_TRUE(is<wait_action>(step));
  const auto* a = find_event<events::adopted>(events);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->reason, adopt_reason::already_running);
  EXPECT_EQ(a->job.id.value, id1);
  EXPECT_EQ(a->job.progress, 42);
  fire();
  ASSERT_TRUE(is<describe_action>(step));
  EXPECT_EQ(as<describe_action>(step).id.value, id1);
}

TEST_F(Cycle, Step1IgnoresOtherCollectionsJobsWhenTheServerIgnoresTheFilter) {
  start();
  list(listed({job(id2, job_state::in_progress, 10, clock.wall_ms(), 0, "ext_movies"),
               job(id1, job_state::completed, 100, clock.wall_ms() - 9'000'000,
                   clock.wall_ms() - 8'000'000)}));
  EXPECT_TRUE(is<refresh_action>(step));
  EXPECT_EQ(count_events<events::adopted>(events), 0);
}

TEST_F(Cycle, Step1AdoptsTheNewestActiveJobAndTreatsUnknownStatesAsActive) {
  start();
  auto odd = job(id2, job_state::unknown, 0, clock.wall_ms() - 1'000);
  odd.state_text = "RefreshQueued";
  list(listed({job(id1, job_state::pending, 0, clock.wall_ms() - 5'000), odd}));
  const auto* a = find_event<events::adopted>(events);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->job.id.value, id2);
  EXPECT_EQ(a->job.state_text, "RefreshQueued");
}

TEST(JobSnapshot, KeepsOnlyAnUnusualSpellingOfTheState) {
  client::job_info j;
  j.state = job_state::completed;
  j.state_text = "RefreshCompleted";
  EXPECT_FALSE(snapshot_of(j).state_text) << "derived from the state when shown";
  EXPECT_EQ(state_name(snapshot_of(j)), "RefreshCompleted");
  j.state_text = "REFRESHCOMPLETED";
  EXPECT_EQ(snapshot_of(j).state_text, "REFRESHCOMPLETED");
  EXPECT_EQ(state_name(snapshot_of(j)), "REFRESHCOMPLETED");
}

// ---- step 2: trigger -----------------------------------------------------------------------

TEST_F(Cycle, Step2TriggersWithTheCollectionsRequestWhenNothingIsActive) {
  auto t = target("ext_movies", "media");
  t.external_source = "volume://lake/movies/";
  t.external_spec = R"({"format":"parquet"})";
  make({}, t);
  start();
  list(listed({job(id1, job_state::failed, 60, clock.wall_ms() - 90'000, clock.wall_ms())}));
  ASSERT_TRUE(is<refresh_action>(step));
  const auto& r = as<refresh_action>(step).request;
  EXPECT_EQ(r.database, "media");
  EXPECT_EQ(r.collection, "ext_movies");
  EXPECT_EQ(r.external_source, t.external_source);
  EXPECT_EQ(r.external_spec, t.external_spec);
  refresh(new_id(id2));
  const auto* tr = find_event<events::triggered>(events);
  ASSERT_NE(tr, nullptr);
  EXPECT_EQ(tr->id.value, id2);
  EXPECT_EQ(tr->at, clock.now.wall);
  EXPECT_EQ(tr->attempt, 1);
  EXPECT_FALSE(tr->resend);
}

// ---- step 3: confirm -----------------------------------------------------------------------

TEST_F(Cycle, Step3ConfirmsTheJobIdWithDescribeAfterPollInitial) {
  start();
  list(listed());
  refresh(new_id(id1));
  ASSERT_TRUE(is<wait_action>(step));
  EXPECT_EQ(wait_left(), 2s);
  fire();
  ASSERT_TRUE(is<describe_action>(step));
  EXPECT_EQ(as<describe_action>(step).id.value, id1);
}

TEST_F(Cycle, Step3NotFoundAfterTriggerListsAndAdoptsTheActiveJob) {
  trigger_job(id2);
  describe(error(error_class::job_not_found, "refresh job not found"));
  ASSERT_TRUE(is<list_action>(step));
  list(listed({job(id1, job_state::in_progress, 5, clock.wall_ms() - 30'000)}));
  const auto* a = find_event<events::adopted>(events);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->reason, adopt_reason::dropped_trigger);
  EXPECT_EQ(a->job.id.value, id1);
  EXPECT_EQ(count_events<events::trigger_lost>(events), 0);
}

TEST_F(Cycle, Step3NotFoundAndNothingListedCountsTriggerLostAndTriggersOnceMore) {
  trigger_job(id2);
  describe(error(error_class::job_not_found));
  list(listed());
  ASSERT_TRUE(is<refresh_action>(step));  // straight after the list that showed nothing
  const auto* lost = find_event<events::trigger_lost>(events);
  ASSERT_NE(lost, nullptr);
  EXPECT_EQ(lost->id.value, id2);
  EXPECT_TRUE(lost->will_resend);
  refresh(new_id(id1));
  ASSERT_EQ(count_events<events::triggered>(events), 2);
  EXPECT_TRUE(std::get<events::triggered>(events.back()).resend);
}

TEST_F(Cycle, Step3ASecondLostTriggerGivesUpForTheSlot) {
  trigger_job(id2);
  describe(error(error_class::job_not_found));
  list(listed());
  refresh(new_id(id1));
  fire();
  describe(error(error_class::job_not_found));
  list(listed());
  ASSERT_TRUE(is<finish_action>(step));
  EXPECT_EQ(outcome().kind, outcome_kind::gave_up);
  EXPECT_EQ(outcome().triggers, 2);
  EXPECT_EQ(count_events<events::trigger_lost>(events), 2);
  EXPECT_TRUE(outcome().not_before.has_value());
}

TEST_F(Cycle, Step3NotFoundButTheJobIsListedContinuesWithIt) {
  trigger_job(id1);
  describe(error(error_class::job_not_found));
  list(listed({job(id1, job_state::in_progress, 3, clock.wall_ms() - 2'000)}));
  ASSERT_TRUE(is<wait_action>(step));
  fire();
  EXPECT_EQ(as<describe_action>(step).id.value, id1);
  EXPECT_EQ(count_events<events::adopted>(events), 0);
}

// ---- step 4: duplicates --------------------------------------------------------------------

TEST_F(Cycle, Step4DuplicateRejectionListsAndAdoptsTheOtherActorsJob) {
  start();
  list(listed());
  refresh(error(error_class::duplicate, "refresh job is already in progress"));
  ASSERT_TRUE(is<list_action>(step));
  list(listed({job(id1, job_state::pending, 0, clock.wall_ms())}));
  const auto* a = find_event<events::adopted>(events);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->reason, adopt_reason::duplicate);
  EXPECT_EQ(cycle->error_streak(), 0);
}

TEST_F(Cycle, Step4DuplicateWhoseJobJustEndedAdoptsThatOutcome) {
  start();
  list(listed());
  refresh(error(error_class::duplicate));
  list(listed({job(id1, job_state::completed, 100, clock.wall_ms() - 500, clock.wall_ms())}));
  ASSERT_TRUE(is<finish_action>(step));
  EXPECT_EQ(outcome().kind, outcome_kind::completed);
  EXPECT_EQ(outcome().job->id.value, id1);
  EXPECT_EQ(outcome().triggers, 0);
}

TEST_F(Cycle, Step4DuplicateWithNothingListedRetriesOnceThenGivesUp) {
  start();
  list(listed());
  refresh(error(error_class::duplicate));
  list(listed());
  ASSERT_TRUE(is<wait_action>(step));
  const auto* r = find_event<events::retry_scheduled>(events);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->cause, retry_cause::duplicate_without_job);
  fire();
  ASSERT_TRUE(is<list_action>(step));
  list(listed());
  ASSERT_TRUE(is<refresh_action>(step));
  refresh(error(error_class::duplicate));
  list(listed());
  ASSERT_TRUE(is<finish_action>(step));
  EXPECT_EQ(outcome().kind, outcome_kind::gave_up);
}

// ---- step 5: ambiguous failures ------------------------------------------------------------

TEST_F(Cycle, Step5AmbiguousFailureListsBeforeAnythingElse) {
  start();
  list(listed());
  refresh(error(error_class::transient, "server error (HTTP 503)", true));
  EXPECT_TRUE(is<list_action>(step));
}

TEST_F(Cycle, Step5AmbiguousFailureAdoptsTheJobThatStartedAfterTheAttempt) {
  start();
  list(listed());
  const std::int64_t sent = clock.wall_ms();
  refresh(error(error_class::transient, "reset after send", true));
  clock.advance(300ms);
  list(listed({job(id1, job_state::pending, 0, sent + 100)}));
  const auto* a = find_event<events::adopted>(events);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->reason, adopt_reason::ambiguous);
  ASSERT_TRUE(a->attempt_at.has_value());
  EXPECT_EQ(a->attempt_at->time_since_epoch().count(), sent);
}

TEST_F(Cycle, Step5AmbiguousFailureAdoptsAFinishedJobOfTheAttemptWithoutResending) {
  start();
  list(listed());
  const std::int64_t sent = clock.wall_ms();
  refresh(error(error_class::transient, "HTTP 408", true));
  clock.advance(5s);
  // The server's clock runs 10 s behind ours: within the skew allowance.
  list(listed({job(id1, job_state::completed, 100, sent - 10'000, sent - 6'000)}));
  ASSERT_TRUE(is<finish_action>(step));
  EXPECT_EQ(outcome().kind, outcome_kind::completed);
}

TEST_F(Cycle, Step5AmbiguousFailureIgnoresJobsListedBeforeTheAttempt) {
  start();
  const auto before =
      job(id1, job_state::completed, 100, clock.wall_ms() - 20'000, clock.wall_ms() - 1'000);
  list(listed({before}));
  refresh(error(error_class::transient, "HTTP 502", true));
  list(listed({before}));
  ASSERT_TRUE(is<wait_action>(step));  // no trace of the attempt: retry after a backoff
  fire();
  EXPECT_TRUE(is<list_action>(step));
  list(listed({before}));
  EXPECT_TRUE(is<refresh_action>(step));
}

TEST_F(Cycle, Step5ListFailureAfterAnAmbiguousRefreshKeepsLookingForTheAttemptsJob) {
  start();
  list(listed());
  const std::int64_t sent = clock.wall_ms();
  refresh(error(error_class::transient, "HTTP 504", true));
  list(error(error_class::transient, "connection refused"));
  fire();
  ASSERT_TRUE(is<list_action>(step));
  // The attempt's job already finished: it must be recognised, not re-triggered.
  list(listed({job(id1, job_state::completed, 100, sent + 50, clock.wall_ms())}));
  ASSERT_TRUE(is<finish_action>(step));
  EXPECT_EQ(outcome().kind, outcome_kind::completed);
}

}  // namespace
}  // namespace refreshd::daemon
