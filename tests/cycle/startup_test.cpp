// Startup decisions and the spreading rule (cycle/startup.hpp), without an event loop.
#include <gtest/gtest.h>

#include <refreshd/cycle/startup.hpp>

namespace refreshd::daemon {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

// 2026-11-22T10:00:00Z
const wall_time t10 = wall_time(1'795'341'600'000ms);

slot_plan plan(std::string schedule, bool catch_up = true) {
  config::collection c;
  c.settings.edit().catch_up = catch_up;
  c.name = "ext_books";
  c.database = "default";
  c.settings.edit().schedule = std::move(schedule);
  c.settings.edit().timezone = "UTC";
  c.settings.edit().jitter = 0ms;
  c.settings.edit().starting_deadline = 1h;
  return make_slot_plan("prod", c);
}

client::job_info job(std::int64_t id, client::job_state state, wall_time start,
                     std::optional<wall_time> end, std::string name = "ext_books") {
  client::job_info j;
  j.id = client::job_id{id};
  j.collection_name = std::move(name);
  j.state = state;
  j.start_time_ms = start.time_since_epoch().count();
  j.end_time_ms = end ? end->time_since_epoch().count() : 0;
  return j;
}

TEST(RunSpreader, TheKthRunStartsKSpacingsAfterTheStartButNeverBeforeItsBound) {
  run_spreader s(t10, 1s, 60s, 3);
  EXPECT_EQ(s.spacing(), 1s);
  EXPECT_EQ(s.peek(t10), t10) << "peek takes no place";
  EXPECT_EQ(s.take(t10), t10);
  EXPECT_EQ(s.take(t10), t10 + 1s);
  EXPECT_EQ(s.take(t10 + 10s), t10 + 10s) << "a later bound wins, and the place is used";
  EXPECT_EQ(s.take(t10), t10 + 3s);
}

TEST(RunSpreader, ManyRunsAllStartWithinTheWindow) {
  run_spreader s(t10, 1s, 60s, 600);
  EXPECT_EQ(s.spacing(), 100ms);
  wall_time last{};
  for (int i = 0; i < 600; ++i) {
    last = s.take(t10);
  }
  EXPECT_LT(last, t10 + 60s);
  EXPECT_EQ(run_spreader(t10, 1s, 60s, 0).spacing(), 1s) << "count unknown: not capped";
}

TEST(DecideStartup, AnActiveJobIsAdoptedAndNothingIsScheduled) {
  run_spreader s(t10, 1s, 60s, 1);
  const std::vector<client::job_info> jobs = {
      job(2, client::job_state::in_progress, t10 - 5min, std::nullopt),
      job(1, client::job_state::completed, t10 - 2h, t10 - 2h + 3min)};
  auto d = decide_startup(plan("every 15m"), "ext_books", jobs, t10, s, 0);
  EXPECT_EQ(d.what, startup_decision::action::adopt);
  ASSERT_TRUE(d.newest);
  EXPECT_EQ(d.newest->id, client::job_id{2});
  EXPECT_EQ(s.peek(t10), t10) << "adoption takes no catch-up place";
}

TEST(DecideStartup, AMissedSlotIsCaughtUpOnceAndSpread) {
  run_spreader s(t10, 1s, 60s, 2);
  // "0 * * * *": the 10:00 slot passed 30 s ago; the newest job started at 09:00.
  const std::vector<client::job_info> jobs = {
      job(1, client::job_state::completed, t10 - 1h, t10 - 1h + 2min)};
  auto a = decide_startup(plan("0 * * * *"), "ext_books", jobs, t10 + 30s, s, 0);
  EXPECT_EQ(a.what, startup_decision::action::catch_up);
  EXPECT_EQ(a.slot.nominal, t10);
  EXPECT_EQ(a.slot.due, t10 + 30s);
  ASSERT_TRUE(a.newest);
  EXPECT_EQ(a.newest->end, t10 - 1h + 2min);
  auto b = decide_startup(plan("0 * * * *"), "ext_books", jobs, t10 + 30s, s, 0);
  EXPECT_EQ(b.what, startup_decision::action::catch_up);
  EXPECT_EQ(b.slot.due, t10 + 30s) << "not before now: the spreader started at t10";
  run_spreader later(t10 + 30s, 1s, 60s, 2);
  later.take(t10 + 30s);
  auto c = decide_startup(plan("0 * * * *"), "ext_books", jobs, t10 + 30s, later, 0);
  EXPECT_EQ(c.slot.due, t10 + 31s) << "the second catch-up one spacing later";
}

TEST(DecideStartup, NoCatchUpWhenTheNewestJobStartedAfterTheSlot) {
  run_spreader s(t10, 1s, 60s, 1);
  const std::vector<client::job_info> jobs = {
      job(1, client::job_state::completed, t10 + 5s, t10 + 20s)};
  auto d = decide_startup(plan("0 * * * *"), "ext_books", jobs, t10 + 30s, s, 0);
  EXPECT_EQ(d.what, startup_decision::action::schedule);
  EXPECT_EQ(d.slot.nominal, t10 + 1h);
}

TEST(DecideStartup, ACatchUpThatTheSpreadPushesPastTheNextSlotIsLeftToIt) {
  // every 1m: the slot 10:00 was missed; the spreader already placed 90 runs 1 s apart, so this
  // one would start after the next regular slot (10:01), which stands in for it.
  run_spreader s(t10, 1s, 1000s, 100);
  for (int i = 0; i < 90; ++i) {
    s.take(t10);
  }
  const std::vector<client::job_info> jobs = {
      job(1, client::job_state::completed, t10 - 10min, t10 - 9min)};
  auto d = decide_startup(plan("every 1m"), "ext_books", jobs, t10 + 1s, s, 0);
  EXPECT_EQ(d.what, startup_decision::action::schedule);
  EXPECT_EQ(d.slot.nominal, t10 + 1min);
}

TEST(DecideStartup, AnOverdueAfterRunIsSpreadAndJobsOfOtherCollectionsAreIgnored) {
  run_spreader s(t10, 1s, 60s, 3);
  s.take(t10);
  const std::vector<client::job_info> jobs = {
      job(9, client::job_state::in_progress, t10 - 1min, std::nullopt, "ext_other"),
      job(1, client::job_state::failed, t10 - 3h, t10 - 2h)};
  auto d = decide_startup(plan("after 30m"), "ext_books", jobs, t10, s, 0);
  EXPECT_EQ(d.what, startup_decision::action::schedule) << "the other collection's job is not ours";
  EXPECT_EQ(d.slot.due, t10 + 1s);
  ASSERT_TRUE(d.newest);
  EXPECT_EQ(d.newest->id, client::job_id{1});
}

TEST(DecideStartup, WithoutJobsASlotMissedWithinTheDeadlineIsCaughtUpUnlessCatchUpIsOff) {
  run_spreader s(t10, 1s, 60s, 2);
  auto d = decide_startup(plan("*/15 * * * *"), "ext_books", {}, t10 + 1s, s, 0);
  EXPECT_EQ(d.what, startup_decision::action::catch_up) << "never ran: the 10:00 slot is missed";
  EXPECT_FALSE(d.newest);
  EXPECT_EQ(d.slot.nominal, t10);
  EXPECT_EQ(d.slot.due, t10 + 1s);
  auto e = decide_startup(plan("*/15 * * * *", false), "ext_books", {}, t10 + 1s, s, 0);
  EXPECT_EQ(e.what, startup_decision::action::schedule);
  EXPECT_EQ(e.slot.nominal, t10 + 15min);
}

}  // namespace
}  // namespace refreshd::daemon
