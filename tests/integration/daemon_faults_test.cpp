// The daemon under server faults, broken collections and restarts (docs/SCHEDULES.md catch-up,
// docs/CYCLE.md, docs/SECURITY.md).
#include <csignal>
#include <map>

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

class DaemonFaults : public ::testing::Test {
 protected:
  void SetUp() override { sim_.reset(); }

  std::unique_ptr<child_process> start(const std::string& config) {
    auto path = dir_.write("config.yaml", config);
    return std::make_unique<child_process>(daemon_argv(path, {"--log-level", "warn"}));
  }
  /// Polls the simulator until `pred(stats)` holds, draining the daemon's log pipe meanwhile.
  bool wait_stats(child_process& d, const std::function<bool(const json&)>& pred,
                  std::chrono::milliseconds timeout, json& stats) {
    return poll_until(
        [&] {
          d.wait_for_err_line([](std::string_view) { return false; }, 20ms);
          stats = sim_.stats();
          return pred(stats);
        },
        timeout, 200ms);
  }
  static int stop(child_process& d) {
    d.send_signal(SIGTERM);
    auto r = d.wait(9s);
    return r ? r->exit_code : -1;
  }
  static bool all_triggered(const json& stats, int n, int at_least) {
    int ok = 0;
    for (const auto& [key, c] : stats["per_collection"].items()) {
      ok += c["triggers"].get<int>() >= at_least ? 1 : 0;
    }
    return ok >= n;
  }

  /// 20 collections on `every 2s` against the (already configured) simulator until each was
  /// triggered three times; the overlap counter must stay 0. Returns the final stats.
  json run_scenario() {
    json collections = json::array();
    std::string entries;
    for (int i = 0; i < 20; ++i) {
      const auto name = "ext_" + std::to_string(i);
      collections.push_back({{"name", name}, {"job", {{"pending_ms", 50}, {"running_ms", 400}}}});
      entries += "      - name: " + name + "\n";
    }
    sim_.add_collection(collections);
    auto d = start(daemon_config(sim_,
                                 "  schedule: every 2s\n"
                                 "  poll: {initial: 200ms, max: 1s}\n",
                                 "    token: \"\"\n"
                                 "    rate_limit: 0\n"
                                 "    max_running_jobs: 32\n",
                                 entries));
    json stats;
    EXPECT_TRUE(wait_stats(
        *d, [](const json& s) { return all_triggered(s, 20, 3); }, 60s, stats))
        << stats.dump();
    EXPECT_EQ(stop(*d), 0);
    stats = sim_.stats();
    EXPECT_EQ(stats["overlapping_triggers"], 0) << stats.dump();
    return stats;
  }

  sim_process sim_;
  temp_dir dir_;
};

TEST_F(DaemonFaults, ErrorsMalformedAnswersAndRateLimitsNeverCauseAnOverlap) {
  sim_.configure({{"faults", {{"http_500_ratio", 0.1}, {"malformed_ratio", 0.1}}},
                  {"rate_limit", {{"rps", 10}, {"mode", "1807"}, {"scope", "all"}}}});
  json stats = run_scenario();
  EXPECT_GT(stats["faults"]["http_500"].get<int>(), 0);
  EXPECT_GT(stats["faults"]["malformed"].get<int>(), 0);
  EXPECT_GT(stats["rate_limited"].get<int>(), 0);
}

TEST_F(DaemonFaults, Http429StormsNeverCauseAnOverlap) {
  sim_.configure({{"rate_limit", {{"rps", 10}, {"mode", "429"}, {"scope", "all"}}}});
  json stats = run_scenario();
  EXPECT_GT(stats["rate_limited"].get<int>(), 0);
}

// Resets after the simulator processed a refresh: the client never re-sends a written refresh
// (non-replayable), so the daemon lists before anything else and no trigger overlaps.
TEST_F(DaemonFaults, ConnectionResetsNeverCauseAnOverlap) {
  sim_.configure({{"faults", {{"reset_ratio", 0.1}}}});
  json stats = run_scenario();
  EXPECT_GT(stats["faults"]["resets"].get<int>(), 0);
}

TEST_F(DaemonFaults, BrokenCollectionsCostABoundedNumberOfRequests) {
  sim_.add_collection({{"name", "ext_ok"}, {"job", {{"pending_ms", 20}, {"running_ms", 100}}}});
  sim_.add_collection({{"name", "plain"}, {"external", false}});
  sim_.add_collection({{"name", "deferred"}, {"source", ""}, {"spec", ""}});
  auto d = start(daemon_config(sim_,
                               "  schedule: every 1s\n"
                               "  poll: {initial: 100ms, max: 1s}\n",
                               "    token: \"\"\n    rate_limit: 0\n",
                               "      - name: ext_ok\n"
                               "      - name: plain\n"
                               "      - name: deferred\n"
                               "      - name: missing\n"));
  json stats;
  EXPECT_TRUE(wait_stats(
      *d, [](const json& s) { return s["per_collection"]["default/ext_ok"]["triggers"] >= 12; },
      60s, stats))
      << stats.dump();
  auto log =
      json::parse(http_request("GET", "127.0.0.1", sim_.port(), "/_sim/requests?limit=1000").body);
  std::map<std::string, int> requests;
  for (const auto& r : log["requests"]) {
    requests[r.value("collection", "")]++;
  }
  // About 12 s on a 1 s schedule: a healthy collection makes ~4 requests a slot; the broken
  // ones back off (1 s, 2 s, 4 s, 8 s ...) whatever their schedule, each attempt costing a
  // list (and, for `deferred`, whose list succeeds, a refresh).
  EXPECT_GT(requests["ext_ok"], 24);
  for (const char* broken : {"plain", "deferred", "missing"}) {
    EXPECT_LE(requests[broken], 12) << broken << " " << log.dump().substr(0, 2000);
    EXPECT_GE(requests[broken], 2) << broken;
  }
  auto r = d->wait(0ms);
  EXPECT_FALSE(r.has_value()) << "still running";
  d->send_signal(SIGTERM);
  auto done = d->wait(9s);
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->exit_code, 0);
  EXPECT_NE(done->err.find("no persisted"), std::string::npos) << done->err;
  EXPECT_NE(done->err.find("not an external collection"), std::string::npos) << done->err;
}

TEST_F(DaemonFaults, CatchUpRunsOnceAndARestartDoesNotRetrigger) {
  sim_.add_collection({{"name", "ext_a"}, {"job", {{"pending_ms", 20}, {"running_ms", 100}}}});
  sim_.add_collection({{"name", "ext_b"}, {"job", {{"pending_ms", 20}, {"running_ms", 100}}}});
  const std::string config = daemon_config(sim_,
                                           "  schedule: \"@hourly\"\n"
                                           "  starting_deadline: 2h\n"
                                           "  poll: {initial: 50ms, max: 500ms}\n",
                                           "    token: \"\"\n",
                                           "      - name: ext_a\n"
                                           "      - name: ext_b\n"
                                           "        catch_up: false\n");
  auto first = start(config);
  json stats;
  // ext_a missed this hour's slot (no job known): one catch-up run.
  EXPECT_TRUE(wait_stats(
      *first, [](const json& s) { return s["triggers"] == 1; }, 20s, stats));
  EXPECT_EQ(stop(*first), 0);
  stats = sim_.stats();
  EXPECT_EQ(stats["per_collection"]["default/ext_a"]["triggers"], 1);
  EXPECT_EQ(stats["per_collection"]["default/ext_b"]["triggers"], 0) << "catch_up: false";

  // A restart sees ext_a's newest job (started after the slot): no second catch-up.
  auto second = std::make_unique<child_process>(
      daemon_argv((dir_.path() / "config.yaml").string(), {"--log-level", "debug"}));
  ASSERT_TRUE(second->wait_for_err_line(json_line("startup reconciliation done; ready"), 20s))
      << second->err();
  // Catch-up decisions are made (and logged) before ready.
  EXPECT_EQ(second->err().find("catch-up run scheduled"), std::string::npos) << second->err();
  EXPECT_EQ(stop(*second), 0);
  EXPECT_EQ(sim_.stats()["triggers"], 1);
}

}  // namespace
}  // namespace refreshd::test
