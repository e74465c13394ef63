// Adaptive describe polling: the pure rule, and the API economy target of bench/RESULTS.md measured
// by driving the real refresh cycle against simulated steady-progress jobs.
#include <cmath>
#include <cstdio>

#include <gtest/gtest.h>

#include <refreshd/cycle/cycle.hpp>
#include <refreshd/cycle/poll_policy.hpp>

#include "cycle_harness.hpp"

namespace refreshd::daemon {
namespace {

using namespace cycle_testing;

const poll_bounds defaults{2s, 60s};
const steady_time t0{std::chrono::hours(1)};

poll_sample sample(milliseconds at, job_state s, int progress) {
  return poll_sample{t0 + at, s, progress};
}

TEST(PollPolicy, FirstDescribeComesAfterPollInitial) {
  poll_history h;
  EXPECT_EQ(next_poll_delay(h, defaults), 2s);
  h.record(sample(0ms, job_state::in_progress, 40));  // e.g. an adopted job seen by list
  EXPECT_EQ(next_poll_delay(h, defaults), 2s);
}

TEST(PollPolicy, DoublesWhileProgressDoesNotMoveUpToPollMax) {
  poll_history h;
  milliseconds at{0};
  std::vector<milliseconds> delays;
  for (int i = 0; i < 8; ++i) {
    h.record(sample(at, job_state::pending, 0));
    const auto d = next_poll_delay(h, defaults);
    h.note_delay(d);
    delays.push_back(d);
    at += d;
  }
  const std::vector<milliseconds> expected{2s, 4s, 8s, 16s, 32s, 60s, 60s, 60s};
  EXPECT_EQ(delays, expected);
}

TEST(PollPolicy, EstimateShortensTheWaitToTheExpectedCompletion) {
  // 100 s job, 1 %/s: at t=20 s (p=20) after t=10 s (p=10) the job ends in ~80 s; growth allows
  // 2 x 10 s = 20 s, so growth wins; near the end the estimate wins.
  poll_history h;
  h.origin = t0;
  h.record(sample(10s, job_state::in_progress, 10));
  h.note_delay(10s);
  h.record(sample(20s, job_state::in_progress, 20));
  EXPECT_EQ(next_poll_delay(h, defaults), 20s);
  h.note_delay(20s);
  h.record(sample(90s, job_state::in_progress, 90));
  const auto d = next_poll_delay(h, defaults);
  EXPECT_GE(d, 9s);
  EXPECT_LE(d, 10s);
}

TEST(PollPolicy, StalledAtNinetyNineBacksOffInsteadOfHammering) {
  poll_history h;
  h.origin = t0;
  h.record(sample(50s, job_state::in_progress, 99));
  h.note_delay(2s);
  h.record(sample(52s, job_state::in_progress, 99));
  EXPECT_EQ(next_poll_delay(h, defaults), 4s);
}

TEST(PollPolicy, NeverBelowInitialNorAboveMax) {
  poll_history h;
  h.origin = t0;
  h.record(sample(1s, job_state::in_progress, 98));  // estimate: a few ms left
  EXPECT_EQ(next_poll_delay(h, defaults), 2s);
  h.note_delay(10min);
  h.record(sample(2s, job_state::in_progress, 98));
  EXPECT_EQ(next_poll_delay(h, defaults), 60s);
}

TEST(PollPolicy, RateAfterPendingIsMeasuredFromLeavingPending) {
  poll_history h;
  h.origin = t0;
  h.record(sample(100s, job_state::pending, 0));
  h.record(sample(110s, job_state::in_progress, 50));
  ASSERT_TRUE(h.running_origin.has_value());
  EXPECT_EQ(*h.running_origin, t0 + 105s);
  const auto left = estimate_remaining(h);
  ASSERT_TRUE(left.has_value());
  EXPECT_LT(*left, 6s);  // ~5 s at 10 %/s, not ~110 s as the job's age would suggest
}

TEST(PollPolicy, NoEstimateWithoutProgressOrWhilePending) {
  poll_history h;
  h.origin = t0;
  h.record(sample(5s, job_state::pending, 0));
  EXPECT_FALSE(estimate_remaining(h).has_value());
  h.record(sample(9s, job_state::in_progress, 0));
  EXPECT_FALSE(estimate_remaining(h).has_value());
}

// ---- bench/RESULTS.md API economy
// ----------------------------------------------------------------------

struct economy {
  int describes = 0;
  milliseconds latency{0};  ///< completion detected this long after the job ended
};

/// Triggers a job through the cycle and answers its describes with a steady job of duration
/// `d` (progress linear from the trigger, integer percent, capped at 99 until done).
economy run_steady_job(milliseconds d, poll_bounds b) {
  cycle_params p;
  p.poll = b;
  p.stall_timeout = p.pending_timeout = p.timeout = 1000h;
  refresh_cycle c(target(), p, 7);
  test_clock clock;
  cycle_step s = c.start(clock.now);
  s = c.on_list(listed(), clock.now);
  const instant start = clock.now;
  s = c.on_refresh(new_id(449503829274509311), clock.now);
  economy e;
  for (;;) {
    if (is<wait_action>(s)) {
      clock.advance_to(as<wait_action>(s).until);
      s = c.on_timer(clock.now);
      continue;
    }
    if (is<finish_action>(s)) {
      EXPECT_EQ(as<finish_action>(s).outcome.kind, outcome_kind::completed);
      return e;
    }
    EXPECT_TRUE(is<describe_action>(s));
    ++e.describes;
    const milliseconds t =
        std::chrono::duration_cast<milliseconds>(clock.now.steady - start.steady);
    const std::int64_t start_ms = start.wall.time_since_epoch().count();
    if (t >= d) {
      e.latency = t - d;
      s = c.on_describe(
          job(449503829274509311, job_state::completed, 100, start_ms, start_ms + d.count()),
          clock.now);
    } else {
      const int progress = std::min<int>(99, static_cast<int>(100 * t.count() / d.count()));
      s = c.on_describe(job(449503829274509311, job_state::in_progress, progress, start_ms),
                        clock.now);
    }
  }
}

/// The vendor docs' loop: describe, sleep 2 s, repeat until terminal.
int vendor_describes(milliseconds d) {
  return static_cast<int>((d.count() + 1999) / 2000) + 1;
}

double budget(milliseconds d, poll_bounds b) {
  const double dur = static_cast<double>(d.count());
  return std::ceil(std::log2(dur / static_cast<double>(b.initial.count()))) +
         dur / static_cast<double>(b.max.count()) + 2.0;
}

milliseconds allowed_latency(milliseconds d, poll_bounds b) {
  return std::max(b.initial, milliseconds(d.count() / 10));
}

void expect_economy(poll_bounds b, milliseconds from, milliseconds to, double step = 1.013) {
  int checked = 0;
  for (double ms = static_cast<double>(from.count()); ms <= static_cast<double>(to.count());
       ms *= step) {
    const milliseconds d{static_cast<std::int64_t>(ms)};
    const economy e = run_steady_job(d, b);
    EXPECT_LE(e.describes, budget(d, b)) << "duration " << d.count() << " ms";
    EXPECT_LE(e.latency, allowed_latency(d, b)) << "duration " << d.count() << " ms";
    ++checked;
  }
  EXPECT_GT(checked, 50);
}

TEST(PollEconomy, SteadyJobsFromOneSecondToSixHoursMeetTheTargetWithDefaults) {
  expect_economy(defaults, 1s, 6h);
}

TEST(PollEconomy, SteadyJobsMeetTheTargetWithOtherPollBounds) {
  // The target cannot be met for jobs shorter than poll.initial / 4: its budget is then below
  // one describe, and at least one describe is needed to see the job end.
  for (const poll_bounds b : {poll_bounds{1s, 10s}, poll_bounds{500ms, 30s}, poll_bounds{5s, 300s},
                              poll_bounds{10s, 10s}}) {
    expect_economy(b, std::max<milliseconds>(1s, b.initial / 4 + 1ms), 6h, 1.05);
  }
}

TEST(PollEconomy, PrintsTheComparisonWithTheVendorTwoSecondLoop) {
  std::printf("\n  API economy (poll.initial 2s, poll.max 60s; steady progress)\n");
  std::printf("  %10s %10s %10s %10s %12s %12s\n", "duration", "describes", "budget", "vendor",
              "latency", "allowed");
  const std::vector<milliseconds> durations{1s,   5s,    10s,   30s, 60s, 2min,
                                            5min, 10min, 30min, 1h,  2h,  6h};
  for (const milliseconds d : durations) {
    const economy e = run_steady_job(d, defaults);
    std::printf("  %9llds %10d %10.1f %10d %11.1fs %11.1fs\n",
                static_cast<long long>(d.count() / 1000), e.describes, budget(d, defaults),
                vendor_describes(d), static_cast<double>(e.latency.count()) / 1000.0,
                static_cast<double>(allowed_latency(d, defaults).count()) / 1000.0);
    EXPECT_LT(e.describes, vendor_describes(d) + 1);
  }
}

}  // namespace
}  // namespace refreshd::daemon
