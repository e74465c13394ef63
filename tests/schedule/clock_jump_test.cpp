#include <gtest/gtest.h>

#include <refreshd/schedule/clock_jump.hpp>

namespace refreshd::schedule {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using steady_time = clock_jump_detector::steady_time;
using system_time = clock_jump_detector::system_time;

const steady_time steady0{seconds{1'000}};
const system_time system0{seconds{1'777'000'000}};

struct jump_case {
  const char* what;
  milliseconds steady_step;
  milliseconds system_step;
  std::optional<milliseconds> expected;
};

TEST(ClockJumpDetector, ReportsOnlyDifferencesAboveTheThreshold) {
  const jump_case cases[] = {
      {"both clocks advance together", seconds{10}, seconds{10}, std::nullopt},
      {"NTP step forward", seconds{10}, seconds{20}, milliseconds{10'000}},
      {"NTP step back", seconds{1}, seconds{-5}, milliseconds{-6'000}},
      {"resume after suspend", seconds{1}, seconds{3600}, milliseconds{3'599'000}},
      {"slew below threshold", seconds{60}, milliseconds{61'500}, std::nullopt},
      {"exactly the threshold", seconds{60}, seconds{62}, std::nullopt},
      {"just above the threshold", seconds{60}, milliseconds{62'001}, milliseconds{2'001}},
      {"just below minus the threshold", seconds{60}, milliseconds{57'999}, milliseconds{-2'001}},
  };
  for (const auto& c : cases) {
    clock_jump_detector detector;
    EXPECT_FALSE(detector.observe(steady0, system0)) << c.what;
    EXPECT_EQ(detector.observe(steady0 + c.steady_step, system0 + c.system_step), c.expected)
        << c.what;
  }
}

TEST(ClockJumpDetector, UsesEachReadingAsTheNextReference) {
  clock_jump_detector detector{milliseconds{2'000}};
  EXPECT_FALSE(detector.observe(steady0, system0));
  // Two 1.5 s drifts in a row: neither crosses the threshold, and they do not add up.
  EXPECT_FALSE(detector.observe(steady0 + seconds{60}, system0 + milliseconds{61'500}));
  EXPECT_FALSE(detector.observe(steady0 + seconds{120}, system0 + milliseconds{123'000}));
  // After a jump the new reading is the reference: no second report.
  EXPECT_EQ(detector.observe(steady0 + seconds{121}, system0 + seconds{200}), milliseconds{76'000});
  EXPECT_FALSE(detector.observe(steady0 + seconds{122}, system0 + seconds{201}));
}

TEST(ClockJumpDetector, HonoursACustomThresholdAndReset) {
  clock_jump_detector detector{milliseconds{500}};
  EXPECT_FALSE(detector.observe(steady0, system0));
  EXPECT_EQ(detector.observe(steady0 + seconds{1}, system0 + milliseconds{1'600}),
            milliseconds{600});
  detector.reset();
  EXPECT_FALSE(detector.observe(steady0 + seconds{2}, system0 + seconds{900}));
  EXPECT_FALSE(detector.observe(steady0 + seconds{3}, system0 + seconds{901}));
}

}  // namespace
}  // namespace refreshd::schedule
