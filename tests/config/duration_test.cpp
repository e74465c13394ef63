#include <string>

#include <gtest/gtest.h>

#include <refreshd/config/duration.hpp>

namespace refreshd::config {
namespace {

using namespace std::chrono_literals;

struct valid_case {
  std::string text;
  duration expected;
};

class ParsesValidDuration : public ::testing::TestWithParam<valid_case> {};

TEST_P(ParsesValidDuration, ToMilliseconds) {
  const duration_result r = parse_duration(GetParam().text);
  ASSERT_TRUE(r.value.has_value()) << GetParam().text << ": " << r.error;
  EXPECT_EQ(*r.value, GetParam().expected) << GetParam().text;
  EXPECT_TRUE(r.error.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParsesValidDuration,
    ::testing::Values(valid_case{"250ms", 250ms}, valid_case{"90s", 90s}, valid_case{"15m", 15min},
                      valid_case{"1h30m", 90min}, valid_case{"2d", 48h}, valid_case{"0", 0ms},
                      valid_case{"0s", 0ms}, valid_case{"0ms", 0ms}, valid_case{"0d", 0ms},
                      valid_case{"1ms", 1ms}, valid_case{"1d2h3m4s5ms", 93'784'005ms},
                      valid_case{"2d12h", 60h}, valid_case{"1m500ms", 60'500ms},
                      valid_case{"05m", 5min}, valid_case{"36500d", max_duration},
                      valid_case{"1h0m", 1h}, valid_case{"100000ms", 100s},
                      valid_case{"48h", 48h}));

struct invalid_case {
  std::string text;
  std::string message;  // expected substring of the error
};

class RejectsInvalidDuration : public ::testing::TestWithParam<invalid_case> {};

TEST_P(RejectsInvalidDuration, WithReason) {
  const duration_result r = parse_duration(GetParam().text);
  EXPECT_FALSE(r.value.has_value()) << GetParam().text;
  EXPECT_NE(r.error.find(GetParam().message), std::string::npos)
      << GetParam().text << " -> " << r.error;
}

INSTANTIATE_TEST_SUITE_P(
    Table, RejectsInvalidDuration,
    ::testing::Values(
        invalid_case{"", "empty"}, invalid_case{"-5m", "sign is not allowed"},
        invalid_case{"+5m", "sign is not allowed"}, invalid_case{"1.5h", "fractions"},
        invalid_case{"1,5h", "fractions"}, invalid_case{"30", "missing unit"},
        invalid_case{"00", "missing unit"}, invalid_case{"5x", "unknown unit \"x\""},
        invalid_case{"5M", "unknown unit \"M\""}, invalid_case{"5us", "unknown unit \"us\""},
        invalid_case{"5ns", "unknown unit \"ns\""}, invalid_case{"5sec", "unknown unit"},
        invalid_case{"1h 30m", "expected digits"}, invalid_case{" 5m", "expected digits"},
        invalid_case{"30m1h", "largest to smallest"}, invalid_case{"1s1m", "largest to smallest"},
        invalid_case{"1h1h", "each once"}, invalid_case{"h", "expected"},
        invalid_case{"m5", "expected"}, invalid_case{"36501d", "longer than the maximum"},
        invalid_case{"99999999999999999999s", "longer than the maximum"},
        invalid_case{"36500d1ms", "longer than the maximum"},
        invalid_case{"1hour", "unknown unit"}, invalid_case{"PT5M", "expected"}));

TEST(FormatDuration, WritesCanonicalText) {
  EXPECT_EQ(format_duration(0ms), "0s");
  EXPECT_EQ(format_duration(250ms), "250ms");
  EXPECT_EQ(format_duration(90s), "1m30s");
  EXPECT_EQ(format_duration(90min), "1h30m");
  EXPECT_EQ(format_duration(54h), "2d6h");
  EXPECT_EQ(format_duration(-5s), "-5s");
}

TEST(FormatDuration, RoundTripsThroughParse) {
  for (duration d : std::initializer_list<duration>{0ms, 1ms, 999ms, 1s, 61s, 3601s, 86'400'001ms,
                                                    max_duration}) {
    const duration_result r = parse_duration(format_duration(d));
    ASSERT_TRUE(r.value.has_value()) << format_duration(d) << ": " << r.error;
    EXPECT_EQ(*r.value, d);
  }
}

}  // namespace
}  // namespace refreshd::config
