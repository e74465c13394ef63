#include <gtest/gtest.h>

#include <refreshd/schedule/schedule.hpp>

namespace refreshd::schedule {
namespace {

using std::chrono::seconds;

TEST(ParseSchedule, RecognisesCronEveryAndAfter) {
  const auto c = parse_schedule("*/15 * * * *");
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c->kind(), schedule_kind::cron);
  ASSERT_NE(c->cron(), nullptr);
  EXPECT_EQ(c->text, "*/15 * * * *");

  const auto e = parse_schedule("every 1h30m");
  ASSERT_TRUE(e.ok()) << e.error();
  EXPECT_EQ(e->kind(), schedule_kind::every);
  EXPECT_EQ(e->cron(), nullptr);
  EXPECT_EQ(std::get<every_spec>(e->spec).interval, seconds{5400});

  const auto a = parse_schedule("  AFTER   6h ");
  ASSERT_TRUE(a.ok()) << a.error();
  EXPECT_EQ(a->kind(), schedule_kind::after);
  EXPECT_EQ(std::get<after_spec>(a->spec).delay, seconds{21600});
  EXPECT_EQ(a->text, "AFTER   6h");

  const auto m = parse_schedule("@hourly");
  ASSERT_TRUE(m.ok()) << m.error();
  EXPECT_TRUE(m->cron()->hour_star);
}

struct error_case {
  const char* text;
  const char* message;
};

TEST(ParseSchedule, RejectsBadSchedulesWithPreciseMessages) {
  const error_case cases[] = {
      {"", "empty schedule (write a cron expression, \"every D\" or \"after D\")"},
      {"every", "every: missing duration (e.g. \"every 30m\")"},
      {"after  ", "after: missing duration (e.g. \"after 30m\")"},
      {"every 5x", "every: bad duration \"5x\": unknown unit \"x\" (use d, h, m, s or ms)"},
      {"every 1h 30m", "every: expected one duration, got \"1h 30m\""},
      {"every 250ms",
       "every: the interval must be a whole number of seconds, at least 1s (got 250ms)"},
      {"every 1s500ms",
       "every: the interval must be a whole number of seconds, at least 1s (got 1s500ms)"},
      {"every 0s", "every: the interval must be a whole number of seconds, at least 1s (got 0s)"},
      {"after 0", "after: the delay must be a whole number of seconds, at least 1s (got 0s)"},
      {"after -1h",
       "after: bad duration \"-1h\": a sign is not allowed (durations are never negative)"},
      {"everyday", "cron: expected 5 fields (minute hour day-of-month month day-of-week), got 1"},
      {"61 * * * *", "minute field: 61 is out of range 0-59"},
  };
  for (const auto& c : cases) {
    const auto parsed = parse_schedule(c.text);
    ASSERT_FALSE(parsed.ok()) << "accepted: " << c.text;
    EXPECT_EQ(parsed.error(), c.message) << c.text;
  }
}

}  // namespace
}  // namespace refreshd::schedule
