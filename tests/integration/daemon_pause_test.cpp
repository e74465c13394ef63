// Pause, resume and quarantine end to end (docs/OPERATIONS.md "Pause"): the real daemon against
// the real simulator; a pause made over the admin API survives a restart (the state file), and a
// collection failing quarantine_after jobs in a row is paused and exported as quarantined until
// it is resumed.
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

constexpr std::string_view token = "pause-admin-t0ken";

class DaemonPause : public ::testing::Test {
 protected:
  void SetUp() override { sim_.reset(); }
  void TearDown() override {
    if (d_) {
      expect_clean_stop(*d_);
    }
  }
  std::string config(const std::string& defaults) {
    auto cfg = daemon_config(sim_,
                             "  schedule: \"every 1s\"\n  retries: 0\n"
                             "  poll: {initial: 100ms, max: 200ms}\n" +
                                 defaults,
                             "    token: \"\"\n    rate_limit: 0\n",
                             "      - name: ext_a\n      - name: ext_b\n");
    const auto token_file = dir_.write("admin-token", std::string(token) + "\n");
    cfg.insert(cfg.find("defaults:"), "admin:\n  token_file: " + token_file +
                                          "\nstate_dir: " + dir_.path().string() + "\n");
    return dir_.write("config.yaml", cfg);
  }
  void start(const std::string& file) {
    d_ = std::make_unique<child_process>(daemon_argv(file));
    port_ = wait_for_listen_port(*d_, 15s);
    ASSERT_NE(port_, 0) << d_->err();
  }
  http_reply post(const std::string& target, std::string body = {}) {
    return http_request("POST", "127.0.0.1", port_, target, std::move(body),
                        {{"Authorization", "Bearer " + std::string(token)}});
  }
  json collection(const std::string& name) {
    const json doc = json::parse(http_request("GET", "127.0.0.1", port_, "/status").body);
    for (const auto& c : doc["collections"]) {
      if (c["collection"] == name) {
        return c;
      }
    }
    return nullptr;
  }
  int triggers_of(const std::string& name) {
    const json stats = sim_.stats();
    int n = 0;
    for (const auto& [key, s] : stats["per_collection"].items()) {
      n += key.ends_with("/" + name) ? s["triggers"].get<int>() : 0;
    }
    return n;
  }

  sim_process sim_;
  temp_dir dir_;
  std::unique_ptr<child_process> d_;
  std::uint16_t port_ = 0;
};

TEST_F(DaemonPause, APauseSurvivesARestartUntilResumed) {
  sim_.add_collection(json::array({{{"name", "ext_a"}, {"job", {{"running_ms", 100}}}},
                                   {{"name", "ext_b"}, {"job", {{"running_ms", 100}}}}}));
  const auto file = config("");
  start(file);
  ASSERT_TRUE(poll_until([&] { return triggers_of("ext_a") >= 1; }, 15s, 50ms)) << d_->err();
  auto r = post("/v1/collections/local/default/ext_a/pause", R"({"reason":"lake migration"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "pauses.json"));
  // Whatever ran when it was paused ends; then nothing more.
  ASSERT_TRUE(poll_until(
      [&] {
        return collection("ext_a")["job"]["state"] != "RefreshInProgress" &&
               collection("ext_a")["job"]["state"] != "RefreshPending";
      },
      10s, 50ms));
  const int paused_at = triggers_of("ext_a");
  const int other_at = triggers_of("ext_b");
  ASSERT_TRUE(poll_until([&] { return triggers_of("ext_b") >= other_at + 3; }, 15s, 50ms));
  EXPECT_EQ(triggers_of("ext_a"), paused_at);

  // Restarted: still paused, with its reason.
  expect_clean_stop(*d_);
  start(file);
  ASSERT_TRUE(poll_until([&] { return collection("ext_a")["status"] == "paused"; }, 15s, 50ms))
      << d_->err();
  EXPECT_EQ(collection("ext_a")["pause"]["reason"], "lake migration");
  const int other_after = triggers_of("ext_b");
  ASSERT_TRUE(poll_until([&] { return triggers_of("ext_b") >= other_after + 3; }, 15s, 50ms));
  EXPECT_EQ(triggers_of("ext_a"), paused_at) << "no trigger after the restart either";

  r = post("/v1/collections/local/default/ext_a/resume");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(poll_until([&] { return triggers_of("ext_a") > paused_at; }, 15s, 50ms));
}

TEST_F(DaemonPause, QuarantineAfterFailuresInARowIsExportedUntilResumed) {
  sim_.add_collection(json::array(
      {{{"name", "ext_a"},
        {"job", {{"running_ms", 50}, {"outcome", "failed"}, {"reason", "no parquet files"}}}},
       {{"name", "ext_b"}, {"job", {{"running_ms", 50}}}}}));
  start(config("  quarantine_after: 3\n"));
  ASSERT_TRUE(poll_until([&] { return collection("ext_a")["status"] == "paused"; }, 20s, 50ms))
      << d_->err();
  const auto c = collection("ext_a");
  EXPECT_EQ(c["pause"]["quarantined"], true);
  EXPECT_NE(c["pause"]["reason"].get<std::string>().find("no parquet files"), std::string::npos);
  EXPECT_EQ(triggers_of("ext_a"), 3);
  const auto metrics = http_request("GET", "127.0.0.1", port_, "/metrics").body;
  EXPECT_NE(metrics.find("milvus_refresh_quarantined{cluster=\"local\",database=\"default\","
                         "collection=\"ext_a\"} 1"),
            std::string::npos);
  EXPECT_EQ(metrics.find("milvus_refresh_quarantined{cluster=\"local\",database=\"default\","
                         "collection=\"ext_b\""),
            std::string::npos);
  const auto line = d_->wait_for_err_line(
      [](std::string_view l) { return l.find("quarantined: paused until resumed") != l.npos; }, 5s);
  EXPECT_TRUE(line.has_value()) << d_->err();
  ASSERT_EQ(post("/v1/collections/local/default/ext_a/resume").status, 200);
  ASSERT_TRUE(poll_until([&] { return triggers_of("ext_a") > 3; }, 10s, 50ms));
  EXPECT_EQ(
      http_request("GET", "127.0.0.1", port_, "/metrics").body.find("milvus_refresh_quarantined{"),
      std::string::npos)
      << "no series once resumed";
}

}  // namespace
}  // namespace refreshd::test
