#include <gtest/gtest.h>

#include <refreshd/schedule/duration.hpp>

namespace refreshd::schedule {
namespace {

using std::chrono::milliseconds;

struct good_case {
  const char* text;
  std::int64_t ms;
};

TEST(ParseDuration, AcceptsEveryUnitAndCombination) {
  const good_case cases[] = {
      {"0", 0},
      {"0s", 0},
      {"250ms", 250},
      {"90s", 90'000},
      {"15m", 900'000},
      {"1h30m", 5'400'000},
      {"2d", 172'800'000},
      {"1d12h", 129'600'000},
      {"1d2h3m4s5ms", 93'784'005},
      {"1h0m", 3'600'000},
      {"007s", 7'000},
      {"36500d", 3'153'600'000'000},
      {"1500ms", 1'500},
  };
  for (const auto& c : cases) {
    const auto parsed = parse_duration(c.text);
    ASSERT_TRUE(parsed.ok()) << c.text << ": " << parsed.error();
    EXPECT_EQ(parsed->count(), c.ms) << c.text;
  }
}

struct bad_case {
  const char* text;
  const char* message;
};

TEST(ParseDuration, RejectsMalformedInputWithPreciseMessage) {
  const bad_case cases[] = {
      {"", "bad duration \"\": empty (write e.g. 30s, 15m or 1h30m)"},
      {"30", "bad duration \"30\": missing unit after the last number (d, h, m, s or ms)"},
      {"1x", "bad duration \"1x\": unknown unit \"x\" (use d, h, m, s or ms)"},
      {"1H", "bad duration \"1H\": unknown unit \"H\" (use d, h, m, s or ms)"},
      {"1mm", "bad duration \"1mm\": unknown unit \"mm\" (use d, h, m, s or ms)"},
      {"h", "bad duration \"h\": expected a number before each unit"},
      {"1h h", "bad duration \"1h h\": expected digits followed by a unit (d, h, m, s or ms)"},
      {" 1h", "bad duration \" 1h\": expected digits followed by a unit (d, h, m, s or ms)"},
      {"1.5h", "bad duration \"1.5h\": fractions are not supported (write e.g. 1h30m)"},
      {"1m1h",
       "bad duration \"1m1h\": units must go from largest to smallest, each once (d h m s ms)"},
      {"1h1h",
       "bad duration \"1h1h\": units must go from largest to smallest, each once (d h m s ms)"},
      {"-5m", "bad duration \"-5m\": a sign is not allowed (durations are never negative)"},
      {"+5m", "bad duration \"+5m\": a sign is not allowed (durations are never negative)"},
      {"36501d", "bad duration \"36501d\": longer than the maximum 36500d"},
      {"36500d1ms", "bad duration \"36500d1ms\": longer than the maximum 36500d"},
      {"99999999999999999999999s",
       "bad duration \"99999999999999999999999s\": longer than the maximum 36500d"},
  };
  for (const auto& c : cases) {
    const auto parsed = parse_duration(c.text);
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_EQ(parsed.error(), c.message) << c.text;
  }
}

TEST(FormatDuration, PrintsTheCanonicalFormThatParsesBack) {
  EXPECT_EQ(format_duration(milliseconds{0}), "0s");
  EXPECT_EQ(format_duration(milliseconds{250}), "250ms");
  EXPECT_EQ(format_duration(milliseconds{5'400'000}), "1h30m");
  EXPECT_EQ(format_duration(milliseconds{93'784'005}), "1d2h3m4s5ms");
  EXPECT_EQ(format_duration(milliseconds{-2'500}), "-2s500ms");
  for (const std::int64_t ms : {1LL, 999LL, 60'000LL, 86'400'000LL, 90'061'001LL}) {
    const auto again = parse_duration(format_duration(milliseconds{ms}));
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->count(), ms);
  }
}

}  // namespace
}  // namespace refreshd::schedule
