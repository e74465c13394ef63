// target_lag over the mock clock and the in-memory cluster (docs/SCHEDULES.md "target_lag"): the
// collection is refreshed so that its data is never older than the target, as late as that
// allows, with the refresh duration learned from its own refreshes; a step change of durations
// costs one refresh over the target, then the lag is held again.
#include <algorithm>
#include <vector>

#include <gtest/gtest.h>

#include "runtime_fixture.hpp"

namespace refreshd::daemon {
namespace {

class TargetLagRuntime : public Runtime {
 protected:
  /// The moments ext_0's data became ready (last_success changes), over `d` in 1 s steps.
  void watch(mock_clock::duration d) {
    for (auto t = mock_clock::duration::zero(); t < d; t += 1s) {
      run_for(1s, 1s);
      const auto s = col(0).state.last_success;
      if (s && (ready_.empty() || ready_.back() != *s)) {
        ready_.push_back(*s);
      }
    }
  }
  /// The largest age the data reached before each refresh landed, after the `skip` first.
  std::vector<std::chrono::milliseconds> lags(std::size_t from) const {
    std::vector<std::chrono::milliseconds> out;
    for (std::size_t i = std::max<std::size_t>(from, 1); i < ready_.size(); ++i) {
      out.push_back(ready_[i] - ready_[i - 1]);
    }
    return out;
  }
  std::vector<wall_time> ready_;
};

TEST_F(TargetLagRuntime, TheLagIsHeldAtTheTargetAcrossAStepChangeOfJobDurations) {
  auto& c = cluster(1, "every 1h");  // inherited by the collection; target_lag replaces it
  c.collections[0].settings.edit().target_lag = 10min;
  model_.collections["ext_0"] = model_cluster::behaviour{100ms, 60s};
  start();
  watch(2h);
  ASSERT_GE(ready_.size(), 10U) << "about one refresh per 9 minutes";
  const std::size_t before_step = ready_.size();
  model_.collections["ext_0"].running = 4min;  // jobs from now on take 4 minutes
  watch(2h);
  const auto steady = lags(2);  // the first refreshes start from the guess of target / 2
  std::size_t over = 0;
  for (std::size_t i = 0; i < steady.size(); ++i) {
    if (steady[i] > 10min + 10s) {  // 10 s: the describe that sees the job end (poll.max 5 s)
      ++over;
      EXPECT_LE(steady[i], 13min + 10s) << "over the target by at most the step, refresh " << i;
    }
  }
  EXPECT_EQ(over, 1U) << "only the refresh that met the step";
  const auto after = lags(before_step + 2);
  ASSERT_FALSE(after.empty());
  EXPECT_GE(*std::min_element(after.begin(), after.end()), 9min)
      << "held near the target, not refreshed more often than needed";
  EXPECT_EQ(model_.overlapping, 0);
}

TEST_F(TargetLagRuntime, ARefreshSlowerThanTheTargetRunsAsOftenAsMinIntervalAllows) {
  auto& c = cluster(1, "every 1h");
  c.collections[0].settings.edit().target_lag = 10min;
  c.collections[0].settings.edit().min_interval = 3min;
  model_.collections["ext_0"] = model_cluster::behaviour{100ms, 12min};
  start();
  watch(1h);
  EXPECT_GE(model_.triggers, 4) << "back to back: the target cannot be met";
  EXPECT_EQ(model_.overlapping, 0) << "never two jobs at once";
  const auto expected = rt_->expected_duration(0);
  ASSERT_TRUE(expected.has_value());
  EXPECT_GE(*expected, 12min);
}

TEST_F(TargetLagRuntime, AScheduledCollectionHasNoExpectedDuration) {
  cluster(1, "every 1h");
  start();
  run_for(1s);
  EXPECT_FALSE(rt_->expected_duration(0).has_value());
}

}  // namespace
}  // namespace refreshd::daemon
