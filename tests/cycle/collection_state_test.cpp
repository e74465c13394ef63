// The per-collection status model: events and outcomes applied to collection_state.
#include <set>

#include <gtest/gtest.h>

#include <refreshd/cycle/collection_state.hpp>

#include "cycle_harness.hpp"

namespace refreshd::daemon {
namespace {

using namespace cycle_testing;

constexpr std::int64_t id1 = 449503829274509311;
const wall_time t_wall{milliseconds(epoch_ms)};

job_snapshot snap(job_state s, int progress, std::optional<wall_time> end = std::nullopt) {
  job_snapshot j;
  j.id = client::job_id{id1};
  j.state = s;
  j.progress = progress;
  j.start = t_wall - 10min;
  j.end = end;
  if (s == job_state::failed) {
    j.reason = "no files found in external source: s3://bucket/books/";
  }
  return j;
}

TEST(CollectionStatus, StatusNamesAreTheMetricLabelValues) {
  std::set<std::string_view> names;
  for (const status s : all_statuses) {
    names.insert(to_string(s));
  }
  const std::set<std::string_view> expected{"idle",        "running",       "stuck",
                                            "failing",     "misconfigured", "unsupported",
                                            "auth_failed", "suspended",     "paused"};
  EXPECT_EQ(names, expected);
  EXPECT_EQ(to_string(skip_reason::already_running), "already_running");
  EXPECT_EQ(to_string(skip_reason::limit), "limit");
}

TEST(CollectionStatus, TriggerThenCompletionRecordsSuccess) {
  collection_state s;
  apply(s, events::triggered{client::job_id{id1}, t_wall, 1, false});
  EXPECT_EQ(s.current, status::running);
  EXPECT_EQ(s.counters.triggers, 1U);
  EXPECT_EQ(s.last_trigger, t_wall);
  ASSERT_TRUE(s.job.has_value());
  EXPECT_EQ(s.job->state, job_state::pending);
  apply(s, events::job_progress{snap(job_state::in_progress, 40)});
  EXPECT_EQ(s.job->progress, 40);
  apply(s, events::completed{snap(job_state::completed, 100, t_wall + 1min), t_wall + 2min, 11min});
  EXPECT_EQ(s.current, status::idle);
  EXPECT_EQ(s.last_success, t_wall + 1min);  // the job's end, not when it was seen
  EXPECT_EQ(s.counters.finished.completed, 1U);
}

TEST(CollectionStatus, FailuresCountInARowAndKeepTheReasonVerbatim) {
  collection_state s;
  const auto failed = snap(job_state::failed, 60, t_wall);
  apply(s, events::failed{failed, *failed.reason, t_wall, std::nullopt});
  apply(s, events::failed{failed, *failed.reason, t_wall, std::nullopt});
  EXPECT_EQ(s.current, status::failing);
  EXPECT_EQ(s.consecutive_failures, 2);
  EXPECT_EQ(s.last_failure, t_wall);
  EXPECT_EQ(s.last_failure_reason, failed.reason);
  EXPECT_EQ(s.counters.finished.failed, 2U);
  apply(s, events::completed{snap(job_state::completed, 100, t_wall), t_wall, std::nullopt});
  EXPECT_EQ(s.consecutive_failures, 0);
  EXPECT_EQ(s.current, status::idle);
}

TEST(CollectionStatus, AdoptionsCountSkipsAndAmbiguousAdoptionsCountTriggers) {
  collection_state s;
  apply(s, events::adopted{snap(job_state::in_progress, 5), adopt_reason::already_running, {}});
  apply(s, events::adopted{snap(job_state::in_progress, 5), adopt_reason::duplicate, {}});
  apply(s, events::adopted{snap(job_state::pending, 0), adopt_reason::dropped_trigger, {}});
  EXPECT_EQ(s.counters.skipped.already_running, 2U);
  EXPECT_EQ(s.counters.triggers, 0U);
  apply(s, events::adopted{snap(job_state::pending, 0), adopt_reason::ambiguous, t_wall});
  EXPECT_EQ(s.counters.triggers, 1U);
  EXPECT_EQ(s.last_trigger, t_wall);
  EXPECT_EQ(s.current, status::running);
}

TEST(CollectionStatus, StuckAndUnstuck) {
  collection_state s;
  apply(s, events::stuck{snap(job_state::pending, 0), stuck_reason::pending_timeout, 31min});
  EXPECT_EQ(s.current, status::stuck);
  apply(s, events::job_progress{snap(job_state::pending, 0)});
  EXPECT_EQ(s.current, status::stuck);
  apply(s, events::unstuck{snap(job_state::in_progress, 1)});
  EXPECT_EQ(s.current, status::running);
}

TEST(CollectionStatus, TriggerLostAndJobLostAreCounted) {
  collection_state s;
  apply(s, events::trigger_lost{client::job_id{id1}, true});
  EXPECT_EQ(s.counters.triggers_lost, 1U);
  apply(s, events::job_lost{client::job_id{id1}, t_wall});
  EXPECT_EQ(s.current, status::failing);
  EXPECT_EQ(s.consecutive_failures, 1);
  EXPECT_EQ(s.last_failure, t_wall);
  EXPECT_EQ(s.counters.finished.failed, 0U);  // not observed to finish
}

TEST(CollectionStatus, ErrorOutcomesSetTheirStatusAndMessageUntilAHealthyCycle) {
  collection_state s;
  cycle_outcome o;
  o.kind = outcome_kind::misconfigured;
  o.message = "not_found: HTTP 200 code 100: collection not found";
  apply(s, o);
  EXPECT_EQ(s.current, status::misconfigured);
  EXPECT_EQ(s.message, o.message);
  o.kind = outcome_kind::unsupported;
  apply(s, o);
  EXPECT_EQ(s.current, status::unsupported);
  o.kind = outcome_kind::auth_failed;
  apply(s, o);
  EXPECT_EQ(s.current, status::auth_failed);
  o.kind = outcome_kind::gave_up;
  apply(s, o);
  EXPECT_EQ(s.current, status::failing);
  o = cycle_outcome{};
  o.kind = outcome_kind::auth_failed;
  apply(s, o);
  o.kind = outcome_kind::idle;  // observe mode found nothing to do: the cluster answers again
  apply(s, o);
  EXPECT_EQ(s.current, status::idle);
  EXPECT_TRUE(s.message.empty());
}

TEST(CollectionStatus, ALostTriggerLeavesNoPhantomJob) {
  collection_state s;
  apply(s, events::triggered{client::job_id{id1}, t_wall, 1, false});
  apply(s, events::trigger_lost{client::job_id{id1}, false});
  cycle_outcome o;
  o.kind = outcome_kind::gave_up;
  o.message = "the server dropped two triggers in a row";
  apply(s, o);
  EXPECT_FALSE(s.job.has_value());
  EXPECT_EQ(s.current, status::failing);
  EXPECT_EQ(s.counters.triggers, 1U);
  EXPECT_EQ(s.counters.triggers_lost, 1U);
}

TEST(CollectionStatus, ObserveOutcomeInitialisesLastSuccessFromTheNewestJob) {
  collection_state s;
  cycle_outcome o;
  o.kind = outcome_kind::idle;
  o.job = snap(job_state::completed, 100, t_wall - 5min);
  apply(s, o);
  EXPECT_EQ(s.last_success, t_wall - 5min);
  EXPECT_EQ(s.job->id.value, id1);
}

TEST(CollectionStatus, SuspendedOverridesAndResumeDerivesTheStatus) {
  collection_state s;
  set_suspended(s, true);
  record_skip(s, skip_reason::suspended);
  EXPECT_EQ(s.counters.skipped.suspended, 1U);
  apply(s, events::adopted{snap(job_state::in_progress, 5), adopt_reason::already_running, {}});
  EXPECT_EQ(s.current, status::suspended);  // its job is still tracked
  EXPECT_EQ(s.job->progress, 5);
  set_suspended(s, false);
  EXPECT_EQ(s.current, status::running);
  record_skip(s, skip_reason::limit);
  EXPECT_EQ(s.counters.skipped.limit, 1U);
}

TEST(CollectionStatus, PausedOverridesAllButSuspendedAndResumeDerivesTheStatus) {
  collection_state s;
  set_paused(s, true);
  EXPECT_EQ(s.current, status::paused);
  apply(s, events::failed{snap(job_state::failed, 0), "boom", t_wall, std::nullopt});
  EXPECT_EQ(s.current, status::paused) << "a job ending while paused is recorded, not shown";
  EXPECT_EQ(s.consecutive_failures, 1);
  set_suspended(s, true);
  EXPECT_EQ(s.current, status::suspended);
  set_suspended(s, false);
  EXPECT_EQ(s.current, status::paused) << "still paused";
  set_paused(s, false);
  EXPECT_EQ(s.current, status::failing);
  set_paused(s, false);
  EXPECT_EQ(s.current, status::failing) << "idempotent";
}

}  // namespace
}  // namespace refreshd::daemon
