#include <sstream>

#include <gtest/gtest.h>

#include <refreshd/schedule/cron.hpp>

#include "helpers.hpp"

namespace refreshd::schedule {
namespace {

using test::cron;

date::local_seconds local(std::string_view text) {
  return date::local_seconds{test::utc(text).time_since_epoch()};
}

std::string text_of(date::local_seconds t) {
  return date::format("%FT%T", t);
}

struct match_case {
  const char* expr;
  const char* from;
  const char* expected;  // "none" if nothing before the limit
};

// Local wall-clock search, no time zone involved. 2026-01-01 is a Thursday.
TEST(NextLocalMatch, JumpsFieldByFieldToTheFirstMatch) {
  const match_case cases[] = {
      {"* * * * *", "2026-01-01T00:00:00", "2026-01-01T00:00:00"},
      {"* * * * *", "2026-01-01T00:00:01", "2026-01-01T00:01:00"},
      {"*/15 * * * *", "2026-01-01T00:16:00", "2026-01-01T00:30:00"},
      {"*/15 * * * *", "2026-01-01T23:50:00", "2026-01-02T00:00:00"},
      {"30 2 * * *", "2026-01-01T02:30:00", "2026-01-01T02:30:00"},
      {"30 2 * * *", "2026-01-01T02:31:00", "2026-01-02T02:30:00"},
      {"0 0 1 * *", "2026-01-01T00:00:30", "2026-02-01T00:00:00"},
      {"0 0 31 * *", "2026-02-01T00:00:00", "2026-03-31T00:00:00"},
      {"0 0 31 * *", "2026-04-01T00:00:00", "2026-05-31T00:00:00"},
      {"0 0 29 2 *", "2026-01-01T00:00:00", "2028-02-29T00:00:00"},
      {"0 0 29 2 *", "2096-03-01T00:00:00", "2104-02-29T00:00:00"},     // 2100 is no leap year
      {"0 12 * * 1-5", "2026-01-02T12:00:01", "2026-01-05T12:00:00"},   // Fri → Mon
      {"0 0 1 * MON", "2026-01-02T00:00:00", "2026-01-05T00:00:00"},    // either: Monday 5th
      {"0 0 1 * MON", "2026-01-27T00:00:00", "2026-02-01T00:00:00"},    // either: the 1st
      {"0 0 */2 * MON", "2026-01-01T00:00:00", "2026-01-05T00:00:00"},  // both: odd Mondays
      {"0 0 */2 * MON", "2026-01-06T00:00:00", "2026-01-19T00:00:00"},
      {"0 0 13 * FRI", "2026-01-01T00:00:00", "2026-01-02T00:00:00"},  // Friday 2nd (either)
      {"0 0 * * */7", "2026-01-01T00:00:00", "2026-01-04T00:00:00"},   // Sundays only
      {"0 9 * JUN *", "2026-07-01T00:00:00", "2027-06-01T09:00:00"},
      {"59 23 31 12 *", "2026-01-01T00:00:00", "2026-12-31T23:59:00"},
      {"0 0 29 2 SUN", "2026-01-01T00:00:00", "2026-02-01T00:00:00"},  // either: a Sunday
      {"0 0 29 2 */7", "2026-01-01T00:00:00", "2032-02-29T00:00:00"},  // both: Sunday 29 Feb
      {"@yearly", "2026-01-01T00:00:01", "2027-01-01T00:00:00"},
      {"@weekly", "2026-01-01T00:00:00", "2026-01-04T00:00:00"},
  };
  const auto far = local("2200-01-01T00:00:00");
  for (const auto& c : cases) {
    const auto found = next_local_match(cron(c.expr), local(c.from), far);
    EXPECT_EQ(found ? text_of(*found) : "none", c.expected) << c.expr << " from " << c.from;
  }
}

TEST(NextLocalMatch, StopsAtTheExclusiveLimit) {
  const auto expr = cron("30 2 * * *");
  EXPECT_FALSE(next_local_match(expr, local("2026-01-01T00:00:00"), local("2026-01-01T02:30:00")));
  EXPECT_TRUE(next_local_match(expr, local("2026-01-01T00:00:00"), local("2026-01-01T02:30:01")));
}

TEST(NextLocalMatch, NeverMatchesADefaultConstructedExpression) {
  EXPECT_FALSE(
      next_local_match(cron_expr{}, local("2026-01-01T00:00:00"), local("2030-01-01T00:00:00")));
}

TEST(CronMatches, AppliesTheVixieEitherOrBothDayRule) {
  // 2026-01-05 is a Monday, 2026-01-01 a Thursday, 2026-01-06 a Tuesday.
  const auto either = cron("0 0 1 * MON");
  EXPECT_TRUE(cron_matches(either, local("2026-01-01T00:00:00")));
  EXPECT_TRUE(cron_matches(either, local("2026-01-05T00:00:00")));
  EXPECT_FALSE(cron_matches(either, local("2026-01-06T00:00:00")));
  const auto both = cron("0 0 */2 * MON");  // dom starts with '*': both must match
  EXPECT_FALSE(cron_matches(both, local("2026-01-01T00:00:00")));
  EXPECT_TRUE(cron_matches(both, local("2026-01-05T00:00:00")));
  EXPECT_FALSE(cron_matches(both, local("2026-01-12T00:00:00")));
  const auto only_dow = cron("0 0 * * MON");
  EXPECT_FALSE(cron_matches(only_dow, local("2026-01-01T00:00:00")));
  EXPECT_TRUE(cron_matches(only_dow, local("2026-01-12T00:00:00")));
}

TEST(CronMatches, IgnoresSecondsWithinTheMinute) {
  const auto expr = cron("30 2 * * *");
  EXPECT_TRUE(cron_matches(expr, local("2026-01-01T02:30:59")));
  EXPECT_FALSE(cron_matches(expr, local("2026-01-01T02:31:00")));
}

}  // namespace
}  // namespace refreshd::schedule
