// The pure token bucket with made-up time points.
#include <gtest/gtest.h>

#include <refreshd/cycle/token_bucket.hpp>

namespace refreshd::daemon {
namespace {

using namespace std::chrono_literals;

const steady_time t0 = steady_time(std::chrono::hours(100));

token_bucket_options rate(double r) {
  token_bucket_options o;
  o.rate = r;
  return o;
}

int take_all(token_bucket& b, steady_time now) {
  int n = 0;
  while (b.try_take(now)) {
    ++n;
  }
  return n;
}

TEST(TokenBucket, StartsFullWithOneSecondOfBurst) {
  token_bucket b(rate(20), t0);
  EXPECT_EQ(take_all(b, t0), 20);
  EXPECT_FALSE(b.try_take(t0));
}

TEST(TokenBucket, RefillsAtTheConfiguredRate) {
  token_bucket b(rate(20), t0);
  take_all(b, t0);
  EXPECT_EQ(b.available_at(t0), t0 + 50ms);
  EXPECT_FALSE(b.try_take(t0 + 49ms));
  EXPECT_TRUE(b.try_take(t0 + 50ms));
  EXPECT_EQ(take_all(b, t0 + 1050ms), 20) << "refill is capped at the burst";
}

TEST(TokenBucket, SlowRateStillHoldsOneToken) {
  token_bucket b(rate(0.5), t0);
  EXPECT_TRUE(b.try_take(t0));
  EXPECT_FALSE(b.try_take(t0 + 1s));
  EXPECT_EQ(b.available_at(t0 + 1s), t0 + 2s);
  EXPECT_TRUE(b.try_take(t0 + 2s));
}

TEST(TokenBucket, ZeroRateIsUnlimited) {
  token_bucket b(rate(0), t0);
  EXPECT_TRUE(b.unlimited());
  for (int i = 0; i < 10000; ++i) {
    ASSERT_TRUE(b.try_take(t0));
  }
  EXPECT_EQ(b.available_at(t0), t0);
}

TEST(TokenBucket, RateLimitedAnswerHalvesTheRateEmptiesAndPauses) {
  token_bucket b(rate(20), t0);
  ASSERT_TRUE(b.try_take(t0));
  b.on_rate_limited(t0 + 10ms, t0);
  EXPECT_DOUBLE_EQ(b.rate(), 10);
  EXPECT_EQ(b.paused_until(), t0 + 10ms + 1s);
  EXPECT_FALSE(b.try_take(t0 + 500ms));
  // Paused for 1 s, then an empty bucket refilling at 10/s: first token 100 ms after the pause.
  EXPECT_EQ(b.available_at(t0 + 500ms), t0 + 1010ms + 100ms);
  EXPECT_FALSE(b.try_take(t0 + 1100ms));
  EXPECT_TRUE(b.try_take(t0 + 1110ms));
}

TEST(TokenBucket, AnswersToRequestsSentBeforeTheReactionCountOnce) {
  token_bucket b(rate(20), t0);
  take_all(b, t0);
  for (int i = 0; i < 20; ++i) {  // twenty requests in flight, all rejected
    b.on_rate_limited(t0 + 100ms, t0);
  }
  EXPECT_DOUBLE_EQ(b.rate(), 10);
  b.on_rate_limited(t0 + 2s, t0 + 1500ms);  // sent after the reaction: a new signal
  EXPECT_DOUBLE_EQ(b.rate(), 5);
  EXPECT_EQ(b.paused_until(), t0 + 2s + 2s) << "the pause doubles while still limited";
}

TEST(TokenBucket, PauseIsCappedAndRateHasAFloor) {
  token_bucket_options o = rate(1);
  o.max_pause = 4s;
  o.min_rate = 0.25;
  token_bucket b(o, t0);
  steady_time now = t0;
  for (int i = 0; i < 10; ++i) {
    now += 10ms;
    b.on_rate_limited(now, now);
  }
  EXPECT_DOUBLE_EQ(b.rate(), 0.25);
  EXPECT_EQ(b.paused_until(), now + 4s);
}

TEST(TokenBucket, RecoversGraduallyToTheConfiguredRate) {
  token_bucket b(rate(20), t0);
  b.on_rate_limited(t0, t0);
  b.on_rate_limited(t0 + 1s, t0 + 1s);
  ASSERT_DOUBLE_EQ(b.rate(), 5);
  b.available_at(t0 + 5999ms);
  EXPECT_DOUBLE_EQ(b.rate(), 5) << "no step before recovery_step of calm";
  b.available_at(t0 + 6s);
  EXPECT_DOUBLE_EQ(b.rate(), 7.5);
  b.available_at(t0 + 11s);
  EXPECT_DOUBLE_EQ(b.rate(), 11.25);
  b.available_at(t0 + 60s);
  EXPECT_DOUBLE_EQ(b.rate(), 20) << "never above the configured rate";
  b.on_rate_limited(t0 + 61s, t0 + 61s);
  EXPECT_EQ(b.paused_until(), t0 + 62s) << "the pause starts over after recovery";
}

TEST(TokenBucket, UnlimitedBucketFallsBackThenBecomesUnlimitedAgain) {
  token_bucket_options o = rate(0);
  o.unlimited_fallback_rate = 40;
  token_bucket b(o, t0);
  b.on_rate_limited(t0, t0);
  EXPECT_FALSE(b.unlimited());
  EXPECT_DOUBLE_EQ(b.rate(), 40);
  EXPECT_FALSE(b.try_take(t0 + 500ms)) << "paused";
  b.available_at(t0 + 10s);  // two steps: 60, 90 >= 80
  EXPECT_TRUE(b.unlimited());
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(b.try_take(t0 + 10s));
  }
}

}  // namespace
}  // namespace refreshd::daemon
