// API calls per hour caused by a permanently broken collection: a driver loop that starts a
// new cycle as soon as the schedule and the outcome's not_before allow, against servers that
// always fail the same way. The worst schedule is used: always due (a slot every second).
#include <cstdio>
#include <functional>

#include <gtest/gtest.h>

#include <refreshd/cycle/cycle.hpp>

#include "cycle_harness.hpp"

namespace refreshd::daemon {
namespace {

using namespace cycle_testing;

struct broken_server {
  const char* name;
  std::function<list_result()> list;
  std::function<refresh_result()> refresh;
  std::function<describe_result(const instant&)> describe;
};

list_result no_jobs() {
  return listed();
}

std::vector<broken_server> broken_servers() {
  auto http = [](error_class k, int status, bool maybe_sent = false) {
    auto e = error(k, "broken", maybe_sent);
    e.http_status = status;
    return e;
  };
  const auto never = [](const instant&) -> describe_result {
    return error(error_class::job_not_found);
  };
  return {
      {"unsupported (404)", [=] { return list_result(http(error_class::unsupported, 404)); },
       nullptr, nullptr},
      {"unauthenticated", [=] { return list_result(http(error_class::unauthenticated, 401)); },
       nullptr, nullptr},
      {"not external", [] { return list_result(error(error_class::not_found)); }, nullptr, nullptr},
      {"no persisted source", no_jobs, [] { return refresh_result(error(error_class::no_source)); },
       nullptr},
      {"invalid request", no_jobs, [] { return refresh_result(error(error_class::invalid)); },
       nullptr},
      {"list unreachable", [=] { return list_result(http(error_class::transient, 0)); }, nullptr,
       nullptr},
      {"refresh 503", no_jobs,
       [=] { return refresh_result(http(error_class::transient, 503, true)); }, nullptr},
      {"rate limited", [=] { return list_result(http(error_class::rate_limited, 429)); }, nullptr,
       nullptr},
      {"duplicate, nothing listed", no_jobs,
       [] { return refresh_result(error(error_class::duplicate)); }, nullptr},
      {"every trigger dropped", no_jobs, [] { return new_id(449503829274509311); }, never},
  };
}

/// API calls in the first simulated hour. `slotted`: a slot every second and the next slot as
/// the deadline; otherwise no deadline and a new cycle right after each one ("after 0s").
int calls_per_hour(const broken_server& server, bool slotted) {
  refresh_cycle cycle(target(), cycle_params{}, 99);
  test_clock clock;
  const steady_time end = clock.now.steady + 1h;
  int calls = 0;
  while (clock.now.steady < end) {
    std::optional<steady_time> deadline;
    if (slotted) {
      deadline = clock.now.steady + 1s;
    }
    cycle_step s = cycle.start(clock.now, deadline);
    while (!is<finish_action>(s) && clock.now.steady < end) {
      if (is<wait_action>(s)) {
        clock.advance_to(as<wait_action>(s).until);
        s = cycle.on_timer(clock.now);
        continue;
      }
      ++calls;
      if (is<list_action>(s)) {
        s = cycle.on_list(server.list(), clock.now);
      } else if (is<refresh_action>(s)) {
        s = cycle.on_refresh(server.refresh(), clock.now);
      } else {
        s = cycle.on_describe(server.describe(clock.now), clock.now);
      }
    }
    if (is<finish_action>(s)) {
      const cycle_outcome& o = as<finish_action>(s).outcome;
      EXPECT_NE(o.kind, outcome_kind::completed);
      EXPECT_TRUE(o.not_before.has_value()) << server.name;
      clock.advance(1s);
      if (o.not_before) {
        clock.advance_to(*o.not_before);
      }
    }
  }
  return calls;
}

// With the defaults (error backoff 1 s doubling to 5 min, +0-50 % jitter), a broken collection
// settles at one cycle (or one in-cycle retry) per >= 5 min: at most 1 + 9 ramp steps
// (1 s .. 256 s, 511 s in all) + (3600 - 511) / 300 ≈ 21 attempts per hour. An attempt is at
// most 7 requests (two lost triggers: list, refresh, describe, list, refresh, describe, list),
// most are 1-3.
constexpr int max_calls_per_hour = 21 * 7;

TEST(CycleBudget, APermanentlyBrokenCollectionCausesABoundedNumberOfCallsPerHour) {
  std::printf("\n  API calls per hour of a permanently broken collection (always due)\n");
  std::printf("  %-28s %12s %12s\n", "failure", "slot every 1s", "no deadline");
  for (const broken_server& server : broken_servers()) {
    const int slotted = calls_per_hour(server, true);
    const int unbounded = calls_per_hour(server, false);
    std::printf("  %-28s %12d %12d\n", server.name, slotted, unbounded);
    EXPECT_LE(slotted, max_calls_per_hour) << server.name;
    EXPECT_LE(unbounded, max_calls_per_hour) << server.name;
    EXPECT_GE(slotted, 3) << server.name;
  }
}

}  // namespace
}  // namespace refreshd::daemon
