// target_lag end to end (docs/SCHEDULES.md "target_lag"): the real daemon against the real
// simulator keeps a collection's data no older than its target, learning the refresh duration
// from its own refreshes; /status and /metrics show the lag and the expected duration.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <refreshd/test/child_process.hpp>
#include <refreshd/test/http.hpp>
#include <refreshd/test/sim_process.hpp>

#include "daemon_support.hpp"

namespace refreshd::test {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

TEST(DaemonTargetLag, RefreshesBeforeTheDataGetsOlderThanTheTarget) {
  sim_process sim;
  temp_dir dir;
  sim.reset();
  sim.add_collection(
      json::array({{{"name", "ext_a"}, {"job", {{"pending_ms", 50}, {"running_ms", 1000}}}}}));
  const auto cfg = daemon_config(sim,
                                 "  schedule: \"@daily\"\n"  // inherited, replaced below
                                 "  poll: {initial: 200ms, max: 500ms}\n",
                                 "    token: \"\"\n    rate_limit: 0\n",
                                 "      - name: ext_a\n        target_lag: 10s\n");
  child_process d(daemon_argv(dir.write("config.yaml", cfg)));
  const auto port = wait_for_listen_port(d, 15s);
  ASSERT_NE(port, 0) << d.err();
  // Never ready: at once; then when the lag would reach 10 s as the refresh lands (the first
  // time with a guess of 5 s, then with the ~1.1 s it learned).
  ASSERT_TRUE(poll_until([&] { return sim.stats()["triggers"] >= 3; }, 30s, 50ms))
      << sim.stats().dump() << d.err();
  const auto r = http_request("GET", "127.0.0.1", port, "/status");
  ASSERT_EQ(r.status, 200);
  const auto c = json::parse(r.body)["collections"][0];
  EXPECT_EQ(c["schedule"], "target_lag 10s");
  EXPECT_EQ(c["target_lag_seconds"], 10.0);
  ASSERT_TRUE(c["expected_duration_seconds"].is_number()) << c.dump();
  EXPECT_GT(c["expected_duration_seconds"].get<double>(), 0.9);
  EXPECT_LT(c["expected_duration_seconds"].get<double>(), 3.0) << "learned, not the 5 s guess";
  ASSERT_TRUE(c["lag_seconds"].is_number()) << c.dump();
  EXPECT_LE(c["lag_seconds"].get<double>(), 10.5) << "never older than the target";
  const auto metrics = http_request("GET", "127.0.0.1", port, "/metrics");
  EXPECT_NE(metrics.body.find("milvus_refresh_lag_seconds{cluster=\"local\""), std::string::npos);
  EXPECT_NE(metrics.body.find("milvus_refresh_expected_duration_seconds{"), std::string::npos);
  // Three refreshes in the time the schedule it replaced (@daily) allows one.
  EXPECT_EQ(sim.stats()["overlapping_triggers"], 0);
  expect_clean_stop(d);
}

}  // namespace
}  // namespace refreshd::test
