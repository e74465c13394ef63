#include <gtest/gtest.h>

#include <refreshd/config/diagnostic.hpp>
#include <refreshd/config/loader.hpp>

namespace refreshd::config {
namespace {

TEST(Diagnostic, FormatsWithPositionAndPath) {
  EXPECT_EQ(to_string(diagnostic{"c.yaml", 3, 7, "clusters[0].name", "bad"}),
            "c.yaml:3:7: clusters[0].name: bad");
}

TEST(Diagnostic, OmitsEmptyPath) {
  EXPECT_EQ(to_string(diagnostic{"c.yaml", 2, 1, "", "YAML syntax error: x"}),
            "c.yaml:2:1: YAML syntax error: x");
}

TEST(Diagnostic, OmitsPositionForWholeFileMessages) {
  EXPECT_EQ(to_string(diagnostic{"c.yaml", 0, 0, "", "cannot read: Permission denied"}),
            "c.yaml: cannot read: Permission denied");
}

TEST(Diagnostic, ListsOnePerLineWithPrefix) {
  const std::vector<diagnostic> list{{"a", 1, 2, "x", "m1"}, {"a", 3, 4, "", "m2"}};
  EXPECT_EQ(to_string(list, "warning: "), "a:1:2: warning: x: m1\na:3:4: warning: m2\n");
  EXPECT_EQ(to_string(std::vector<diagnostic>{}), "");
}

TEST(ConfigLoadError, WhatJoinsErrorsWithoutTrailingNewline) {
  const config_load_error e({{"a", 1, 1, "version", "m1"}, {"a", 2, 1, "", "m2"}});
  EXPECT_STREQ(e.what(), "a:1:1: version: m1\na:2:1: m2");
  EXPECT_EQ(e.errors().size(), 2u);
}

TEST(BasicScheduleCheck, AcceptsEverySchedule) {
  for (const char* s :
       {"*/15 * * * *", "0 3 * * mon-fri", "0 0 1 JAN,jul *", "@hourly", "@yearly", "@annually",
        "@monthly", "@weekly", "@daily", "@midnight", "every 30m", "every 1h30m", "after 2h",
        "after  5m", "0 0 * * 7", "@HOURLY" /* macros are case-insensitive */}) {
    EXPECT_EQ(basic_schedule_check(s), std::nullopt) << s;
  }
}

TEST(BasicScheduleCheck, RejectsBadSchedulesIncludingRanges) {
  for (const char* s : {"", "* * * *", "* * * * * *", "@every 5m", "every", "every 0", "after -5m",
                        "every 5", "each 5m", "* * * * %", "61 * * * *", "0 0 30 2 *"}) {
    EXPECT_NE(basic_schedule_check(s), std::nullopt) << s;
  }
}

}  // namespace
}  // namespace refreshd::config
