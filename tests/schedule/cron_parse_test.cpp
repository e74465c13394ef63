#include <array>
#include <string>

#include <gtest/gtest.h>

#include <refreshd/schedule/cron.hpp>

#include "helpers.hpp"

namespace refreshd::schedule {
namespace {

using test::bits_text;

// One field under test, the other four "*".
struct field_case {
  int field;  // 0 minute, 1 hour, 2 day-of-month, 3 month, 4 day-of-week
  const char* token;
  const char* values;
};

std::string with_field(int field, const char* token) {
  std::array<std::string, 5> parts{"*", "*", "*", "*", "*"};
  parts[static_cast<std::size_t>(field)] = token;
  return parts[0] + " " + parts[1] + " " + parts[2] + " " + parts[3] + " " + parts[4];
}

std::string field_values(const cron_expr& e, int field) {
  switch (field) {
    case 0:
      return bits_text(e.minutes, 0, 59);
    case 1:
      return bits_text(e.hours, 0, 23);
    case 2:
      return bits_text(e.days_of_month, 1, 31);
    case 3:
      return bits_text(e.months, 1, 12);
    default:
      return bits_text(e.days_of_week, 0, 6);
  }
}

TEST(ParseCron, ExpandsEveryFieldSyntax) {
  const field_case cases[] = {
      {0, "0", "0"},
      {0, "59", "59"},
      {0, "05", "5"},
      {0, "1,2,3", "1,2,3"},
      {0, "3,1,3", "1,3"},
      {0, "10-12", "10,11,12"},
      {0, "*/15", "0,15,30,45"},
      {0, "*/7", "0,7,14,21,28,35,42,49,56"},
      {0, "*/60", "0"},
      {0, "10-30/10", "10,20,30"},
      {0, "10-31/10", "10,20,30"},
      {0, "50/3", "50,53,56,59"},
      {0, "0-59/30,5", "0,5,30"},
      {0, "7-7", "7"},
      {1, "*", "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23"},
      {1, "*/6", "0,6,12,18"},
      {1, "1-3", "1,2,3"},
      {1, "23", "23"},
      {1, "22/1", "22,23"},
      {2, "1", "1"},
      {2, "31", "31"},
      {2, "*/10", "1,11,21,31"},
      {2, "1-7,15", "1,2,3,4,5,6,7,15"},
      {3, "JAN", "1"},
      {3, "dec", "12"},
      {3, "Jun-AUG", "6,7,8"},
      {3, "jan-jun/2", "1,3,5"},
      {3, "*/3", "1,4,7,10"},
      {3, "MAR,10", "3,10"},
      {3, "feb/5", "2,7,12"},
      {4, "0", "0"},
      {4, "7", "0"},
      {4, "0,7", "0"},
      {4, "SUN", "0"},
      {4, "sat", "6"},
      {4, "MON-FRI", "1,2,3,4,5"},
      {4, "1-5", "1,2,3,4,5"},
      {4, "5-7", "0,5,6"},
      {4, "FRI-SUN", "0,5,6"},
      {4, "SUN-SAT", "0,1,2,3,4,5,6"},
      {4, "*/2", "0,2,4,6"},
      {4, "1/2", "0,1,3,5"},
      {4, "mon,wed,FRI", "1,3,5"},
      {4, "*", "0,1,2,3,4,5,6"},
  };
  for (const auto& c : cases) {
    const std::string text = with_field(c.field, c.token);
    const auto parsed = parse_cron(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.error();
    EXPECT_EQ(field_values(*parsed, c.field), c.values) << text;
  }
}

TEST(ParseCron, RecordsStarFlagsForTheVixieAndDstRules) {
  struct flags_case {
    const char* text;
    bool hour_star;
    bool dom_star;
    bool dow_star;
  };
  const flags_case cases[] = {
      {"* * * * *", true, true, true},       {"0 */1 * * *", false, true, true},
      {"0 0-23 * * *", false, true, true},   {"0 * 1 * *", true, false, true},
      {"0 0 */2 * MON", false, true, false}, {"0 0 1 * MON", false, false, false},
      {"0 0 * * */2", false, true, true},    {"@hourly", true, true, true},
      {"@daily", false, true, true},         {"@weekly", false, true, false},
  };
  for (const auto& c : cases) {
    const auto parsed = parse_cron(c.text);
    ASSERT_TRUE(parsed.ok()) << c.text << ": " << parsed.error();
    EXPECT_EQ(parsed->hour_star, c.hour_star) << c.text;
    EXPECT_EQ(parsed->dom_star, c.dom_star) << c.text;
    EXPECT_EQ(parsed->dow_star, c.dow_star) << c.text;
  }
}

TEST(ParseCron, ExpandsEveryMacroCaseInsensitively) {
  struct macro_case {
    const char* macro;
    const char* expansion;
  };
  const macro_case cases[] = {
      {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
      {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
      {"@hourly", "0 * * * *"}, {"@HOURLY", "0 * * * *"},   {" @Daily\t", "0 0 * * *"},
  };
  for (const auto& c : cases) {
    const auto macro = parse_cron(c.macro);
    const auto expanded = parse_cron(c.expansion);
    ASSERT_TRUE(macro.ok()) << c.macro << ": " << macro.error();
    ASSERT_TRUE(expanded.ok());
    auto same = *macro;
    same.text = expanded->text;
    EXPECT_EQ(same, *expanded) << c.macro;
  }
}

TEST(ParseCron, KeepsTheOriginalTextForDisplay) {
  EXPECT_EQ(parse_cron("  */15  *\t* * *  ")->text, "*/15  *\t* * *");
  EXPECT_EQ(parse_cron("@HOURLY")->text, "@HOURLY");
}

TEST(ParseCron, AcceptsExtraWhiteSpaceBetweenFields) {
  const auto parsed = parse_cron("0\t12   *  * 1-5");
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  EXPECT_EQ(bits_text(parsed->hours, 0, 23), "12");
  EXPECT_EQ(bits_text(parsed->days_of_week, 0, 6), "1,2,3,4,5");
}

struct error_case {
  const char* text;
  const char* message;
};

TEST(ParseCron, RejectsEveryErrorWithFieldTokenAndRange) {
  const error_case cases[] = {
      {"", "cron: empty expression"},
      {"   ", "cron: empty expression"},
      {"* * * *", "cron: expected 5 fields (minute hour day-of-month month day-of-week), got 4"},
      {"0 * * * * *",
       "cron: expected 5 fields (minute hour day-of-month month day-of-week), got 6 (seconds and "
       "year fields are not supported)"},
      {"0 0 1 1 * 2026 x",
       "cron: expected 5 fields (minute hour day-of-month month day-of-week), got 7"},
      {"61 * * * *", "minute field: 61 is out of range 0-59"},
      {"60 * * * *", "minute field: 60 is out of range 0-59"},
      {"* 24 * * *", "hour field: 24 is out of range 0-23"},
      {"* * 0 * *", "day-of-month field: 0 is out of range 1-31"},
      {"* * 32 * *", "day-of-month field: 32 is out of range 1-31"},
      {"* * * 0 *", "month field: 0 is out of range 1-12"},
      {"* * * 13 *", "month field: 13 is out of range 1-12"},
      {"* * * * 8", "day-of-week field: 8 is out of range 0-7"},
      {"99999999999999999999 * * * *", "minute field: 99999999999999999999 is out of range 0-59"},
      {"x * * * *", "minute field: \"x\" is not a number (0-59)"},
      {"MON * * * *", "minute field: \"MON\" is not a number (0-59)"},
      {"* -1 * * *", "hour field: bad range \"-1\" (write e.g. 1-5)"},
      {"* * * FOO *", "month field: \"FOO\" is not a month (JAN-DEC or 1-12)"},
      {"* * * JANUARY *", "month field: \"JANUARY\" is not a month (JAN-DEC or 1-12)"},
      {"* * * MON *", "month field: \"MON\" is not a month (JAN-DEC or 1-12)"},
      {"* * * * FOO", "day-of-week field: \"FOO\" is not a day (SUN-SAT or 0-7)"},
      {"* * * * JAN", "day-of-week field: \"JAN\" is not a day (SUN-SAT or 0-7)"},
      {"* * ? * *", "day-of-month field: \"?\" is not a number (1-31)"},
      {"* * L * *", "day-of-month field: \"L\" is not a number (1-31)"},
      {"* * * * 5#3", "day-of-week field: \"5#3\" is not a day (SUN-SAT or 0-7)"},
      {"1,,2 * * * *", "minute field: empty list element in \"1,,2\""},
      {"1, * * * *", "minute field: empty list element in \"1,\""},
      {",1 * * * *", "minute field: empty list element in \",1\""},
      {"30-10 * * * *", "minute field: range \"30-10\" is reversed (start must not exceed end)"},
      {"* * * DEC-JAN *", "month field: range \"DEC-JAN\" is reversed (start must not exceed end)"},
      {"* * * * SAT-MON",
       "day-of-week field: range \"SAT-MON\" is reversed (start must not exceed end)"},
      {"1- * * * *", "minute field: bad range \"1-\" (write e.g. 1-5)"},
      {"1-2-3 * * * *", "minute field: bad range \"1-2-3\" (write e.g. 1-5)"},
      {"*-5 * * * *", "minute field: \"*\" cannot be part of a range in \"*-5\""},
      {"1-61 * * * *", "minute field: 61 is out of range 0-59"},
      {"*/0 * * * *", "minute field: step 0 in \"*/0\" is out of range 1-60"},
      {"*/61 * * * *", "minute field: step 61 in \"*/61\" is out of range 1-60"},
      {"* */25 * * *", "hour field: step 25 in \"*/25\" is out of range 1-24"},
      {"* * * * */9", "day-of-week field: step 9 in \"*/9\" is out of range 1-8"},
      {"*/ * * * *", "minute field: missing step after \"/\" in \"*/\""},
      {"*/x * * * *", "minute field: step \"x\" in \"*/x\" is not a number"},
      {"*/1/2 * * * *", "minute field: step \"1/2\" in \"*/1/2\" is not a number"},
      {"/5 * * * *", "minute field: missing value before \"/\" in \"/5\""},
      {"0 0 30 2 *",
       "cron: day-of-month \"30\" never occurs in month \"2\", so the schedule never fires"},
      {"0 0 31 4,6,9,11 *",
       "cron: day-of-month \"31\" never occurs in month \"4,6,9,11\", so the schedule never fires"},
      {"0 0 30-31 FEB */2",
       "cron: day-of-month \"30-31\" never occurs in month \"FEB\", so the schedule never fires"},
      {"@reboot",
       "cron: unknown macro \"@reboot\" (use @yearly, @annually, @monthly, @weekly, @daily, "
       "@midnight or @hourly)"},
      {"@",
       "cron: unknown macro \"@\" (use @yearly, @annually, @monthly, @weekly, @daily, "
       "@midnight or @hourly)"},
      {"@daily 5", "cron: a macro takes no fields (\"@daily 5\")"},
  };
  for (const auto& c : cases) {
    const auto parsed = parse_cron(c.text);
    ASSERT_FALSE(parsed.ok()) << "accepted: " << c.text;
    EXPECT_EQ(parsed.error(), c.message) << c.text;
  }
}

TEST(ParseCron, AcceptsImpossibleDayOfMonthWhenDayOfWeekCanStillMatch) {
  // Both day fields restricted: either matches (Vixie), so Mondays in February still fire.
  EXPECT_TRUE(parse_cron("0 0 30 2 MON").ok());
  EXPECT_TRUE(parse_cron("0 0 29 2 *").ok());  // leap years
  EXPECT_TRUE(parse_cron("0 0 31 * *").ok());
}

}  // namespace
}  // namespace refreshd::schedule
