// `milvus-refreshd run` (the daemon) against the real simulator over loopback.
#include <csignal>

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

class DaemonRun : public ::testing::Test {
 protected:
  void SetUp() override { sim_.reset(); }

  std::unique_ptr<child_process> start(const std::string& config,
                                       std::vector<std::string> extra = {}) {
    auto path = dir_.write("config.yaml", config);
    return std::make_unique<child_process>(daemon_argv(path, std::move(extra)));
  }
  /// Sends SIGTERM and expects a clean exit 0 within the drain deadline plus a margin.
  static process_result stop(child_process& d) {
    d.send_signal(SIGTERM);
    auto r = d.wait(9s);
    EXPECT_TRUE(r.has_value()) << "did not exit after SIGTERM";
    return r.value_or(process_result{});
  }

  sim_process sim_;
  temp_dir dir_;
};

TEST_F(DaemonRun, FiftyCollectionsEveryTwoSecondsNeverOverlap) {
  json collections = json::array();
  std::string entries;
  for (int i = 0; i < 50; ++i) {
    const auto name = "ext_" + std::to_string(i);
    collections.push_back(
        {{"name", name}, {"job", {{"pending_ms", 100}, {"running_ms", 500 + 20 * i}}}});
    entries += "      - name: " + name + "\n";
  }
  sim_.add_collection(collections);
  auto d = start(daemon_config(sim_,
                               "  schedule: every 2s\n"
                               "  jitter: 500ms\n"
                               "  jitter_mode: fixed\n"
                               "  poll: {initial: 200ms, max: 1s}\n",
                               "    token: \"\"\n"
                               "    rate_limit: 0\n"
                               "    max_running_jobs: 64\n",
                               entries));
  // Every collection refreshed at least five times (about 10 s of a 2 s schedule).
  json stats;
  const bool refreshed = poll_until(
      [&] {
        d->wait_for_err_line([](std::string_view) { return false; }, 50ms);  // drain the log pipe
        stats = sim_.stats();
        for (const auto& [key, c] : stats["per_collection"].items()) {
          if (c["triggers"].get<int>() < 5) {
            return false;
          }
        }
        return stats["per_collection"].size() == 50;
      },
      40s, 250ms);
  EXPECT_TRUE(refreshed) << stats.dump();
  EXPECT_EQ(stats["overlapping_triggers"], 0) << stats.dump();
  auto r = stop(*d);
  EXPECT_EQ(r.exit_code, 0) << r.err.substr(0, 4000);
  EXPECT_EQ(sim_.stats()["overlapping_triggers"], 0);
  EXPECT_NE(r.err.find("\"msg\":\"refresh completed\""), std::string::npos);
}

TEST_F(DaemonRun, JobRunningAtStartIsAdoptedNotRetriggered) {
  sim_.add_collection({{"name", "ext_long"}, {"job", {{"pending_ms", 100}, {"running_ms", 2500}}}});
  const auto job_id = sim_.trigger("ext_long");

  auto d = start(daemon_config(sim_, "  schedule: \"@daily\"\n  poll: {initial: 200ms, max: 1s}\n",
                               "    token: \"\"\n", "      - name: ext_long\n"));
  auto adopted = d->wait_for_err_line(
      json_line("adopted running job", {{"collection", "ext_long"}, {"job_id", job_id}}), 20s);
  ASSERT_TRUE(adopted.has_value()) << d->err();
  EXPECT_NE(adopted->find("\"reason\":\"observed\""), std::string::npos) << *adopted;
  auto done = d->wait_for_err_line(
      json_line("refresh completed", {{"collection", "ext_long"}, {"job_id", job_id}}), 20s);
  ASSERT_TRUE(done.has_value()) << d->err();
  auto stats = sim_.stats();
  EXPECT_EQ(stats["triggers"], 1) << "only the test's own trigger: " << stats.dump();
  EXPECT_EQ(stats["overlapping_triggers"], 0);
  EXPECT_EQ(stop(*d).exit_code, 0);
}

TEST_F(DaemonRun, StartupListsTheDatabaseOnceAndStillAdoptsARunningJob) {
  // docs/DAEMON.md "Startup reconciliation": one list for the 20 collections of the default
  // database, not 20; the adopted job's cycle then lists its own collection.
  json collections = json::array();
  std::string entries;
  for (int i = 0; i < 20; ++i) {
    const auto name = "ext_" + std::to_string(i);
    collections.push_back({{"name", name}, {"job", {{"pending_ms", 100}, {"running_ms", 2500}}}});
    entries += "      - name: " + name + "\n";
  }
  sim_.add_collection(collections);
  const auto job_id = sim_.trigger("ext_7");

  auto d = start(daemon_config(sim_, "  schedule: \"@daily\"\n  catch_up: false\n",
                               "    token: \"\"\n", entries));
  auto adopted = d->wait_for_err_line(
      json_line("adopted running job", {{"collection", "ext_7"}, {"job_id", job_id}}), 20s);
  ASSERT_TRUE(adopted.has_value()) << d->err();
  ASSERT_TRUE(poll_until(
      [&] {
        d->wait_for_err_line([](std::string_view) { return false; }, 50ms);  // read the log
        return d->err().find("startup reconciliation done; ready") != std::string::npos;
      },
      20s, 50ms))
      << d->err();
  const auto stats = sim_.stats();
  EXPECT_EQ(stats["requests"]["list"], 2) << stats.dump();
  EXPECT_EQ(stats["triggers"], 1) << "only the test's own trigger: " << stats.dump();
  EXPECT_EQ(stop(*d).exit_code, 0);
}

TEST_F(DaemonRun, SigtermWithAHungServerExitsZeroWithinTheDrainDeadline) {
  sim_.add_collection({{"name", "ext_a"}});
  sim_.configure({{"latency_ms", 120000}});
  auto d =
      start(daemon_config(sim_, "  schedule: every 1m\n",
                          "    token: \"\"\n    request_timeout: 60s\n", "      - name: ext_a\n"),
            {"--log-level", "debug"});
  ASSERT_TRUE(d->wait_for_err_line(json_line("startup: listing jobs"), 20s)) << d->err();
  const auto t0 = std::chrono::steady_clock::now();
  auto r = stop(*d);
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LT(took, 8s);
  EXPECT_GE(took, 4s) << "the request was in flight, so the drain waited for its deadline";
  EXPECT_NE(r.err.find("drain deadline passed"), std::string::npos) << r.err;
}

TEST_F(DaemonRun, SecondSignalTerminatesAtOnce) {
  sim_.add_collection({{"name", "ext_a"}});
  sim_.configure({{"latency_ms", 120000}});
  auto d =
      start(daemon_config(sim_, "  schedule: every 1m\n",
                          "    token: \"\"\n    request_timeout: 60s\n", "      - name: ext_a\n"),
            {"--log-level", "debug"});
  ASSERT_TRUE(d->wait_for_err_line(json_line("startup: listing jobs"), 20s)) << d->err();
  d->send_signal(SIGTERM);
  ASSERT_TRUE(
      d->wait_for_err_line(json_line("shutting down: scheduling stopped, draining requests"), 5s))
      << d->err();
  d->send_signal(SIGTERM);
  auto r = d->wait(2s);
  ASSERT_TRUE(r.has_value()) << "the second signal did not end the process";
  EXPECT_EQ(r->term_signal, SIGTERM);
}

TEST_F(DaemonRun, IdleDaemonStopsAtOnceOnSigint) {
  sim_.add_collection({{"name", "ext_a"}, {"job", {{"pending_ms", 10}, {"running_ms", 50}}}});
  auto d = start(daemon_config(sim_, "  schedule: \"@daily\"\n  catch_up: false\n",
                               "    token: \"\"\n", "      - name: ext_a\n"));
  ASSERT_TRUE(d->wait_for_err_line(json_line("startup reconciliation done; ready"), 20s))
      << d->err();
  d->send_signal(SIGINT);
  auto r = d->wait(3s);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->exit_code, 0) << r->err;
  EXPECT_EQ(r->err.find("drain deadline passed"), std::string::npos) << r->err;
  EXPECT_EQ(sim_.stats()["triggers"], 0);
}

TEST_F(DaemonRun, InvalidConfigPrintsEveryErrorAndExitsTwo) {
  auto path = dir_.write("bad.yaml",
                         "version: 1\n"
                         "defaults:\n"
                         "  schedule: \"61 * * * *\"\n"
                         "clusters:\n"
                         "  - name: local\n"
                         "    endpoint: http://127.0.0.1:1\n"
                         "    token: \"\"\n"
                         "    rate_limt: 5\n"
                         "    collections:\n"
                         "      - name: ext_a\n");
  auto r = run(daemon_argv(path), {}, 20s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad.yaml:3:13: defaults.schedule:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("bad.yaml:8:5: clusters[0].rate_limt:"), std::string::npos) << r.err;
}

TEST_F(DaemonRun, ConfigPathComesFromTheEnvironmentByDefault) {
  auto path = dir_.write("env.yaml", "version: 1\nclusters: [\n");
  auto r = run({REFRESHD_DAEMON_BINARY, "run"}, {"MILVUS_REFRESHD_CONFIG=" + path}, 20s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("env.yaml"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace refreshd::test
