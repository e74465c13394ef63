// Live reload of the real daemon against the real simulator (docs/DAEMON.md "Reload"): a valid
// change applies while a job is being polled, an invalid file keeps the old config, a
// Kubernetes-style
// `..data` symlink swap is picked up, and a burst of SIGHUPs is harmless.
#include <csignal>
#include <filesystem>

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
namespace fs = std::filesystem;

class DaemonReload : public ::testing::Test {
 protected:
  void SetUp() override {
    sim_.reset();
    sim_.add_collection(json::array({
        {{"name", "ext_long"}, {"job", {{"pending_ms", 100}, {"running_ms", 4000}}}},
        {{"name", "ext_a"}, {"job", {{"pending_ms", 50}, {"running_ms", 300}}}},
        {{"name", "ext_b"}, {"job", {{"pending_ms", 50}, {"running_ms", 300}}}},
    }));
  }
  void TearDown() override {
    if (d_) {
      expect_clean_stop(*d_);
    }
  }

  std::string config(const std::string& collections) const {
    return daemon_config(sim_,
                         "  schedule: every 2s\n"
                         "  catch_up: false\n"
                         "  poll: {initial: 200ms, max: 500ms}\n",
                         "    token: \"\"\n    rate_limit: 0\n", collections);
  }
  /// Starts the daemon on `path` and waits for readiness (port from the listening line).
  void start(const std::string& path, std::vector<std::string> env = {}) {
    d_ = std::make_unique<child_process>(daemon_argv(path), std::move(env));
    port_ = wait_for_listen_port(*d_, 15s);
    ASSERT_NE(port_, 0) << d_->err();
    ASSERT_TRUE(d_->wait_for_err_line(json_line("startup reconciliation done; ready"), 15s))
        << d_->err();
  }
  /// Replaces the file the way editors do: write a temporary file, rename it over.
  void replace(const std::string& path, const std::string& text) const {
    const auto tmp = path + ".tmp";
    std::ofstream(tmp) << text;
    fs::rename(tmp, path);
  }
  std::string metrics() {
    d_->wait_for_err_line([](std::string_view) { return false; }, 1ms);
    return http_request("GET", "127.0.0.1", port_, "/metrics").body;
  }
  int triggers_of(const std::string& name) {
    const auto s = sim_.stats();
    const auto key = "default/" + name;
    return s["per_collection"].contains(key) ? s["per_collection"][key]["triggers"].get<int>() : 0;
  }

  sim_process sim_;
  temp_dir dir_;
  std::unique_ptr<child_process> d_;
  unsigned short port_ = 0;
};

TEST_F(DaemonReload, AValidChangeAppliesWhileAJobIsPolledWithoutReTriggeringIt) {
  const auto path = dir_.write("config.yaml", config("      - name: ext_long\n"));
  start(path);
  const auto triggered =
      d_->wait_for_err_line(json_line("triggered refresh", {{"collection", "ext_long"}}), 10s);
  ASSERT_TRUE(triggered) << d_->err();
  const auto job = json::parse(*triggered)["job_id"];

  // While ext_long's 4 s job is being polled: add ext_a (rename on save, seen by inotify).
  replace(path, config("      - name: ext_long\n      - name: ext_a\n"));
  const auto applied = d_->wait_for_err_line(json_line("reload applied"), 10s);
  ASSERT_TRUE(applied) << d_->err();
  const auto summary = json::parse(*applied);
  EXPECT_EQ(summary["added"], 1) << *applied;
  EXPECT_EQ(summary["unchanged"], 1) << *applied;

  // The job is followed to its end by the same daemon, never re-triggered meanwhile.
  const auto done =
      d_->wait_for_err_line(json_line("refresh completed", {{"collection", "ext_long"}}), 10s);
  ASSERT_TRUE(done) << d_->err();
  EXPECT_EQ(json::parse(*done)["job_id"], job);
  ASSERT_TRUE(poll_until([&] { return triggers_of("ext_a") >= 2; }, 10s, 100ms))
      << "the added collection runs";
  const auto stats = sim_.stats();
  EXPECT_EQ(stats["overlapping_triggers"], 0) << stats.dump();
  EXPECT_NE(metrics().find("milvus_refresh_config_last_reload_successful 1"), std::string::npos);
}

TEST_F(DaemonReload, AnInvalidFileKeepsTheOldConfigRunningAndLogsEveryError) {
  const auto path = dir_.write("config.yaml", config("      - name: ext_a\n"));
  start(path);
  ASSERT_TRUE(d_->wait_for_err_line(json_line("triggered refresh"), 10s)) << d_->err();

  // Two errors: a bad schedule and an unknown key.
  replace(path, config("      - name: ext_a\n        schedule: every banana\n"
                       "      - name: ext_b\n        colour: blue\n"));
  ASSERT_TRUE(d_->wait_for_err_line(json_line("reload failed; the previous configuration keeps "
                                              "running"),
                                    10s))
      << d_->err();
  int errors = 0;
  for (std::size_t at = 0; (at = d_->err().find("\"msg\":\"reload: ", at)) != std::string::npos;
       ++at) {
    ++errors;
  }
  EXPECT_GE(errors, 2) << d_->err();
  EXPECT_NE(metrics().find("milvus_refresh_config_last_reload_successful 0"), std::string::npos);

  // The old config keeps running: ext_a is still refreshed, ext_b never is.
  const int before = triggers_of("ext_a");
  ASSERT_TRUE(poll_until([&] { return triggers_of("ext_a") >= before + 2; }, 10s, 100ms));
  EXPECT_EQ(triggers_of("ext_b"), 0);

  // A fixed file is applied again, and the gauge returns to 1.
  replace(path, config("      - name: ext_a\n      - name: ext_b\n"));
  ASSERT_TRUE(d_->wait_for_err_line(json_line("reload applied"), 10s)) << d_->err();
  EXPECT_NE(metrics().find("milvus_refresh_config_last_reload_successful 1"), std::string::npos);
  ASSERT_TRUE(poll_until([&] { return triggers_of("ext_b") >= 1; }, 10s, 100ms));
}

TEST_F(DaemonReload, AKubernetesSymlinkSwapIsPickedUp) {
  // The layout of a ConfigMap volume: config.yaml -> ..data/config.yaml, ..data -> ..v1.
  const auto root = dir_.path() / "configmap";
  fs::create_directories(root / "..v1");
  std::ofstream(root / "..v1" / "config.yaml") << config("      - name: ext_a\n");
  fs::create_directory_symlink("..v1", root / "..data");
  fs::create_symlink("..data/config.yaml", root / "config.yaml");
  // No periodic check: only inotify can notice the swap here.
  start((root / "config.yaml").string(), {"MILVUS_REFRESHD_RELOAD_CHECK_INTERVAL=0"});

  fs::create_directories(root / "..v2");
  std::ofstream(root / "..v2" / "config.yaml")
      << config("      - name: ext_a\n      - name: ext_b\n");
  fs::create_directory_symlink("..v2", root / "..data_tmp");
  fs::rename(root / "..data_tmp", root / "..data");  // the atomic swap kubelet does
  fs::remove_all(root / "..v1");

  const auto applied = d_->wait_for_err_line(json_line("reload applied"), 10s);
  ASSERT_TRUE(applied) << d_->err();
  EXPECT_EQ(json::parse(*applied)["added"], 1) << *applied;
  ASSERT_TRUE(poll_until([&] { return triggers_of("ext_b") >= 1; }, 10s, 100ms));
}

TEST_F(DaemonReload, AnInPlaceEditIsPickedUp) {
  // No rename: the editor rewrites the file (IN_CLOSE_WRITE). The periodic check alone is
  // tested in tests/daemon/config_reload_test.cpp.
  const auto path = dir_.write("config.yaml", config("      - name: ext_a\n"));
  start(path, {"MILVUS_REFRESHD_RELOAD_CHECK_INTERVAL=0"});
  std::ofstream(path, std::ios::trunc) << config("      - name: ext_a\n      - name: ext_b\n");
  ASSERT_TRUE(d_->wait_for_err_line(json_line("reload applied"), 10s)) << d_->err();
  ASSERT_TRUE(poll_until([&] { return triggers_of("ext_b") >= 1; }, 10s, 100ms));
}

TEST_F(DaemonReload, ABurstOfAHundredSighupsIsHarmless) {
  const auto path = dir_.write("config.yaml", config("      - name: ext_a\n      - name: ext_b\n"));
  start(path);
  for (int i = 0; i < 100; ++i) {
    d_->send_signal(SIGHUP);
  }
  ASSERT_TRUE(d_->wait_for_err_line(json_line("reload applied"), 10s)) << d_->err();
  const int before = triggers_of("ext_a");
  ASSERT_TRUE(poll_until([&] { return triggers_of("ext_a") >= before + 2; }, 10s, 100ms));
  d_->wait_for_err_line([](std::string_view) { return false; }, 1ms);
  int reloads = 0;
  for (std::size_t at = 0;
       (at = d_->err().find("\"msg\":\"reloading the configuration\"", at)) != std::string::npos;
       ++at) {
    ++reloads;
  }
  EXPECT_GE(reloads, 1);
  EXPECT_LE(reloads, 5) << "SIGHUPs coalesce";
  const auto health = http_request("GET", "127.0.0.1", port_, "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(sim_.stats()["overlapping_triggers"], 0);
}

TEST_F(DaemonReload, ASighupDuringStartupWaitsForReadiness) {
  sim_.configure({{"latency_ms", 1000}});  // startup lists take a second
  const auto path = dir_.write("config.yaml", config("      - name: ext_a\n"));
  d_ = std::make_unique<child_process>(daemon_argv(path));
  ASSERT_TRUE(d_->wait_for_err_line(json_line("milvus-refreshd starting"), 15s)) << d_->err();
  d_->send_signal(SIGHUP);
  ASSERT_TRUE(d_->wait_for_err_line(json_line("startup reconciliation done; ready"), 15s))
      << d_->err();
  ASSERT_TRUE(d_->wait_for_err_line(json_line("reload applied"), 15s)) << d_->err();
  EXPECT_FALSE(d_->wait(1ms).has_value()) << "still running";
}

}  // namespace
}  // namespace refreshd::test
