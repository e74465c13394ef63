// Due-time computation of the scheduler (pure).
#include <gtest/gtest.h>

#include <refreshd/cycle/slot_plan.hpp>

namespace refreshd::daemon {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

// 2026-11-22T10:00:00Z
const wall_time t10 = wall_time(1'795'341'600'000ms);

slot_plan plan(std::string schedule, std::string jitter_mode = "random", milliseconds jitter = 0ms,
               std::string zone = "UTC") {
  config::collection c;
  c.name = "ext_books";
  c.database = "default";
  c.settings.edit().schedule = std::move(schedule);
  c.settings.edit().timezone = std::move(zone);
  c.settings.edit().jitter = jitter;
  c.settings.edit().jitter_mode =
      jitter_mode == "fixed" ? config::jitter_kind::fixed : config::jitter_kind::random;
  c.settings.edit().starting_deadline = 1h;
  return make_slot_plan("prod", c);
}

TEST(SlotPlan, CronFirstSlotIsTheNextMatchingMinute) {
  auto p = plan("*/15 * * * *");
  auto s = first_slot(p, t10 + 1s, std::nullopt, 0);
  EXPECT_EQ(s.nominal, t10 + 15min);
  EXPECT_EQ(s.due, s.nominal);
  EXPECT_EQ(first_slot(p, t10 - 1ms, std::nullopt, 0).nominal, t10);
}

TEST(SlotPlan, PlansWithEqualTimingSettingsShareOneSetOfRules) {
  auto a = plan("*/15 * * * *");
  auto a2 = plan("*/15 * * * *");
  auto b = plan("*/15 * * * *", "fixed", 30s);
  auto c = plan("*/10 * * * *");
  EXPECT_EQ(a.rules.get(), a2.rules.get()) << "one parsed schedule and zone for both";
  EXPECT_NE(a.rules.get(), b.rules.get()) << "another jitter: other rules";
  EXPECT_NE(a.rules.get(), c.rules.get());
  EXPECT_EQ(a.sched().text, "*/15 * * * *");
  EXPECT_EQ(b.sched().text, "*/15 * * * *");
  EXPECT_EQ(c.sched().text, "*/10 * * * *");
  EXPECT_EQ(b.rules->jitter_mode, config::jitter_kind::fixed);
  EXPECT_EQ(a.rules->jitter_mode, config::jitter_kind::random);
  // Once no plan holds them, a new plan parses the text again and still computes the same slots.
  const auto first = first_slot(a, t10 + 1s, std::nullopt, 0);
  a = plan("every 1h");
  a2 = plan("every 1h");
  b = plan("every 1h");
  auto again = plan("*/15 * * * *");
  EXPECT_EQ(first_slot(again, t10 + 1s, std::nullopt, 0).nominal, first.nominal);
  for (int i = 0; i < 200; ++i) {  // many distinct texts: the table prunes what expired
    EXPECT_EQ(plan("every " + std::to_string(i + 1) + "m").sched().text,
              "every " + std::to_string(i + 1) + "m");
  }
  EXPECT_EQ(again.sched().text, "*/15 * * * *");
}

TEST(SlotPlan, CronIsEvaluatedInTheCollectionsZone) {
  auto p = plan("0 12 * * *", "random", 0ms, "Europe/Berlin");  // UTC+1 in November
  EXPECT_EQ(first_slot(p, t10, std::nullopt, 0).nominal, t10 + 1h);
}

TEST(SlotPlan, FixedJitterShiftsEverySlotByTheSameStableOffset) {
  auto p = plan("every 1m", "fixed", 30s);
  ASSERT_GE(p.fixed_offset, 0ms);
  ASSERT_LE(p.fixed_offset, 30s);
  EXPECT_EQ(p.fixed_offset, plan("every 1m", "fixed", 30s).fixed_offset) << "stable";
  auto a = first_slot(p, t10 + 1ms, std::nullopt, 123);
  EXPECT_EQ(a.due - a.nominal, p.fixed_offset);
  auto b = next_slot(p, a.nominal, a.due + 5s, std::nullopt, 456);
  EXPECT_EQ(b.nominal, a.nominal + 1min);
  EXPECT_EQ(b.due - b.nominal, p.fixed_offset);
}

TEST(SlotPlan, FixedJitterKeepsASlotWhoseNominalTimePassedButIsNotDueYet) {
  auto p = plan("every 1m", "fixed", 59s);
  const auto off = p.fixed_offset;
  ASSERT_GT(off, 1s) << "the hash of this name gives a usable offset";
  // At t10 + 1ms the slot t10 is still ahead (due t10 + off).
  EXPECT_EQ(first_slot(p, t10 + 1ms, std::nullopt, 0).nominal, t10);
}

TEST(SlotPlan, RandomJitterIsDrawnPerFiringWithinBounds) {
  auto p = plan("every 10m", "random", 60s);
  auto a = first_slot(p, t10 + 1s, std::nullopt, 0);
  EXPECT_EQ(a.due, a.nominal);
  auto b = first_slot(p, t10 + 1s, std::nullopt, 60'000);
  EXPECT_EQ(b.due, b.nominal + 60s);
  auto c = first_slot(p, t10 + 1s, std::nullopt, 60'001);
  EXPECT_EQ(c.due, c.nominal);
}

TEST(SlotPlan, NextSlotSkipsSlotsThatPassedWhileRunning) {
  auto p = plan("every 1m");
  auto n = next_slot(p, t10, t10 + 3min + 10s, std::nullopt, 0);
  EXPECT_EQ(n.nominal, t10 + 4min);
  EXPECT_EQ(count_passed(p, t10, t10 + 3min + 10s), 3);
  EXPECT_EQ(next_slot(p, t10, t10 + 5s, std::nullopt, 0).nominal, t10 + 1min);
  EXPECT_EQ(count_passed(p, t10, t10 + 5s), 0);
}

TEST(SlotPlan, CountPassedWorksForCronAndIsCapped) {
  auto p = plan("*/15 * * * *");
  EXPECT_EQ(count_passed(p, t10, t10 + 1h), 4);
  EXPECT_EQ(count_passed(p, t10, t10 + 1h - 1ms), 3);
  EXPECT_EQ(count_passed(plan("* * * * *"), t10, t10 + 24h, 100), 100);
  EXPECT_EQ(count_passed(plan("every 1s"), t10, t10 + 24h, 100), 100);
}

TEST(SlotPlan, AfterScheduleCountsFromTheLastJobEnd) {
  auto p = plan("after 2h");
  EXPECT_EQ(first_slot(p, t10, t10 - 30min, 0).nominal, t10 + 90min);
  EXPECT_EQ(first_slot(p, t10, std::nullopt, 0).nominal, t10) << "never ran: due now";
  EXPECT_EQ(next_slot(p, t10, t10 + 5min, t10 + 4min, 0).nominal, t10 + 2h + 4min);
  EXPECT_EQ(next_slot(p, t10, t10 + 5min, std::nullopt, 0).nominal, t10 + 2h + 5min)
      << "after a cycle without a job end: D from now";
  EXPECT_EQ(count_passed(p, t10, t10 + 24h), 0);
}

TEST(SlotPlan, CatchUpRunsAMissedSlotOnlyOnce) {
  auto p = plan("*/15 * * * *");
  // Newest job started 09:31; slots 09:45 and 10:00 passed; now 10:05 → the 10:00 slot.
  EXPECT_EQ(catch_up(p, t10 - 29min, t10 + 5min), t10);
  // The newest job started after the last slot: nothing missed.
  EXPECT_EQ(catch_up(p, t10 + 1min, t10 + 5min), std::nullopt);
  // Outside starting_deadline (1h).
  EXPECT_EQ(catch_up(plan("0 8 * * *"), std::nullopt, t10), std::nullopt);
}

TEST(SlotPlan, CatchUpLeavesASlotStillPendingThroughFixedJitterToTheRegularRun) {
  auto p = plan("every 1m", "fixed", 59s);
  const auto off = p.fixed_offset;
  EXPECT_EQ(catch_up(p, std::nullopt, t10 + off / 2), t10 - 1min)
      << "t10 is pending (due t10 + off); t10 - 1min was missed";
  EXPECT_EQ(first_slot(p, t10 + off / 2, std::nullopt, 0).nominal, t10);
}

}  // namespace
}  // namespace refreshd::daemon
