// target_lag's arithmetic (cycle/target_lag.hpp): the expected duration (p90 of the last 20, or
// the latest when longer; target/2 before any), the due time, and a simulation showing the lag
// held at the target across a step change of refresh durations.
#include <algorithm>
#include <vector>

#include <gtest/gtest.h>

#include <refreshd/cycle/target_lag.hpp>

namespace refreshd::daemon {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

const wall_time t0{milliseconds(1'795'341'600'000)};

TEST(TargetLag, TheExpectedDurationIsARobustQuantileThatFollowsAStepUpAtOnce) {
  lag_estimator e;
  EXPECT_EQ(e.expected(10min), 5min) << "before any refresh: half the target";
  for (int i = 0; i < 19; ++i) {
    e.add(60s);
  }
  e.add(9min);  // one slow refresh among 20: the latest
  EXPECT_EQ(e.expected(10min), 9min) << "the latest, longer than the p90, counts at once";
  e.add(60s);
  EXPECT_EQ(e.expected(10min), 60s) << "one outlier in 20 is above the 90th percentile";
  e.add(9min);
  e.add(9min);
  e.add(30s);
  EXPECT_EQ(e.expected(10min), 9min) << "three in 20 are: the p90 keeps it";
  for (int i = 0; i < 20; ++i) {
    e.add(2min);
  }
  EXPECT_EQ(e.size(), lag_estimator::window);
  EXPECT_EQ(e.expected(10min), 2min) << "only the last 20 count";
  e.add(-5s);
  EXPECT_EQ(e.expected(10min), 2min);
}

TEST(TargetLag, DueWhenTheLagWouldReachTheTargetNeverSoonerThanMinInterval) {
  EXPECT_EQ(lag_due(t0, std::nullopt, std::nullopt, 10min, 0ms, 1min), t0) << "never ready";
  EXPECT_EQ(lag_due(t0, t0, t0 - 1min, 10min, 0ms, 3min), t0 + 7min);
  EXPECT_EQ(lag_due(t0 + 9min, t0, t0 - 1min, 10min, 0ms, 3min), t0 + 9min) << "late: now";
  // A refresh slower than the target: as often as min_interval allows (default target / 10).
  EXPECT_EQ(lag_due(t0, t0, t0 - 10s, 10min, 0ms, 20min), t0 + 50s);
  EXPECT_EQ(lag_due(t0, t0, t0 - 10s, 10min, 5min, 20min), t0 + 4min + 50s);
  EXPECT_EQ(effective_min_interval(10min, 0ms), 1min);
}

// Refreshes of 1 min for 40 rounds, then of 4 min: with a target of 10 min the data is never
// older than the target, except once, right after the step (the longer duration is not known
// until one refresh took it), and by no more than the step.
TEST(TargetLag, TheLagIsHeldAtTheTargetAcrossAStepChangeOfDurations) {
  const milliseconds target = 10min;
  lag_estimator e;
  wall_time now = t0;
  std::optional<wall_time> ready;
  std::optional<wall_time> trigger;
  std::vector<milliseconds> worst_lag;  // just before each refresh lands
  for (int round = 0; round < 80; ++round) {
    const milliseconds took = round < 40 ? 1min : 4min;
    now = lag_due(now, ready, trigger, target, 0ms, e.expected(target));
    trigger = now;
    const wall_time landed = now + took;
    if (ready) {
      worst_lag.push_back(landed - *ready);
    }
    e.add(landed - *trigger);
    ready = landed;
    now = landed;
  }
  int over = 0;
  for (std::size_t i = 1; i < worst_lag.size(); ++i) {  // the first uses the guess of target/2
    if (worst_lag[i] > target) {
      ++over;
      EXPECT_LE(worst_lag[i], target + 3min) << "round " << i;
    }
  }
  EXPECT_EQ(over, 1) << "only the refresh that met the step";
  EXPECT_EQ(*std::max_element(worst_lag.begin() + 45, worst_lag.end()), target)
      << "held at the target, not below it (no refresh more often than needed)";
}

}  // namespace
}  // namespace refreshd::daemon
