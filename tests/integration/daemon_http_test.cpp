// The daemon's HTTP endpoints (docs/HTTP.md, docs/HTTP.md) on the real binary against the real
// simulator: health, readiness, /status, the page, the admin trigger and the server's limits.
#include <arpa/inet.h>
#include <csignal>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <refreshd/test/child_process.hpp>
#include <refreshd/test/http.hpp>
#include <refreshd/test/raw_socket.hpp>
#include <refreshd/test/sim_process.hpp>

#include "daemon_support.hpp"

namespace refreshd::test {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr std::string_view admin_token = "adm1n-t0ken-for-tests";

class DaemonHttp : public ::testing::Test {
 protected:
  void SetUp() override { sim_.reset(); }
  void TearDown() override {
    if (d_) {
      expect_clean_stop(*d_);
    }
  }

  /// Starts the daemon on `collections` (YAML entries) and waits for its listening line.
  void start(const std::string& collections, bool admin = true, std::string defaults = {}) {
    auto cfg = daemon_config(sim_,
                             "  schedule: \"@daily\"\n  catch_up: false\n"
                             "  poll: {initial: 200ms, max: 1s}\n" +
                                 defaults,
                             "    token: \"\"\n    rate_limit: 0\n", collections);
    if (admin) {
      const auto token_file = dir_.write("admin-token", std::string(admin_token) + "\n");
      cfg.insert(cfg.find("defaults:"), "admin:\n  token_file: " + token_file + "\n");
    }
    d_ = std::make_unique<child_process>(daemon_argv(dir_.write("config.yaml", cfg)));
    port_ = wait_for_listen_port(*d_, 15s);
    ASSERT_NE(port_, 0) << d_->err();
  }
  http_reply get(const std::string& target) {
    drain();
    return http_request("GET", "127.0.0.1", port_, target);
  }
  http_reply trigger(const std::string& name, std::optional<std::string> token) {
    drain();
    std::vector<std::pair<std::string, std::string>> headers;
    if (token) {
      headers.emplace_back("Authorization", "Bearer " + *token);
    }
    return http_request("POST", "127.0.0.1", port_,
                        "/v1/collections/local/default/" + name + "/refresh", {}, headers);
  }
  void drain() {
    d_->wait_for_err_line([](std::string_view) { return false; }, 1ms);
  }
  bool wait_ready() {
    return poll_until([&] { return get("/readyz").status == 200; }, 15s, 50ms);
  }

  sim_process sim_;
  temp_dir dir_;
  std::unique_ptr<child_process> d_;
  unsigned short port_ = 0;
};

TEST_F(DaemonHttp, ReadyzIs503UntilStartupThenHealthStatusAndPageAnswer) {
  sim_.add_collection(json::array({{{"name", "ext_a"}}, {{"name", "ext_b"}}}));
  sim_.configure({{"latency_ms", 1500}});  // the startup lists take a while
  start("      - name: ext_a\n      - name: ext_b\n");
  auto r = get("/readyz");
  EXPECT_EQ(r.status, 503) << r.body;
  ASSERT_TRUE(wait_ready());
  sim_.configure({{"latency_ms", 0}});
  EXPECT_EQ(get("/healthz").status, 200);
  r = get("/status");
  ASSERT_EQ(r.status, 200);
  const auto j = json::parse(r.body);
  EXPECT_EQ(j["ready"], true);
  ASSERT_EQ(j["collections"].size(), 2u);
  EXPECT_EQ(j["collections"][1]["collection"], "ext_b");
  EXPECT_TRUE(j["collections"][0]["job"].is_null());
  r = get("/");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("ext_b"), std::string::npos);
  r = get("/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("milvus_refresh_"), std::string::npos);
}

TEST_F(DaemonHttp, AdminTriggersExactlyOneJobThen409WithThatJob) {
  sim_.add_collection(json::array({{{"name", "ext_a"}, {"job", {{"running_ms", 4000}}}}}));
  start("      - name: ext_a\n");
  ASSERT_TRUE(wait_ready());
  auto r = trigger("ext_a", std::string(admin_token));
  ASSERT_EQ(r.status, 202) << r.body;
  const auto id = json::parse(r.body)["job_id"];
  ASSERT_TRUE(id.is_number_integer()) << r.body;
  EXPECT_EQ(sim_.stats()["jobs_created"], 1);
  r = trigger("ext_a", std::string(admin_token));
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(json::parse(r.body)["job_id"], id);
  const auto stats = sim_.stats();
  EXPECT_EQ(stats["jobs_created"], 1);
  EXPECT_EQ(stats["triggers"], 1);
  EXPECT_EQ(stats["overlapping_triggers"], 0);
  const auto status = json::parse(get("/status").body);
  EXPECT_EQ(status["collections"][0]["job"]["id"], id);
  EXPECT_EQ(status["collections"][0]["status"], "running");
  // The job is followed to its end like a scheduled one.
  EXPECT_TRUE(poll_until(
      [&] { return json::parse(get("/status").body)["collections"][0]["status"] == "idle"; }, 15s,
      200ms));
}

TEST_F(DaemonHttp, AdminAuthAndUnknownCollections) {
  sim_.add_collection(json::array({{{"name", "ext_a"}}}));
  start("      - name: ext_a\n");
  ASSERT_TRUE(wait_ready());
  EXPECT_EQ(trigger("ext_a", std::nullopt).status, 401);
  EXPECT_EQ(trigger("ext_a", std::string("wrong")).status, 403);
  EXPECT_EQ(trigger("nope", std::string(admin_token)).status, 404);
  EXPECT_EQ(sim_.stats()["triggers"], 0);
  EXPECT_EQ(d_->err().find(admin_token), std::string::npos) << "the token is never logged";
}

TEST_F(DaemonHttp, AdminDisabledWithoutATokenFile) {
  sim_.add_collection(json::array({{{"name", "ext_a"}}}));
  start("      - name: ext_a\n", false);
  ASSERT_TRUE(wait_ready());
  auto r = trigger("ext_a", std::string(admin_token));
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("admin API disabled"), std::string::npos);
  EXPECT_EQ(sim_.stats()["triggers"], 0);
}

TEST_F(DaemonHttp, BadRequestsGet4xxAndTheDaemonKeepsServing) {
  sim_.add_collection(json::array({{{"name", "ext_a"}}}));
  start("      - name: ext_a\n");
  ASSERT_TRUE(wait_ready());
  EXPECT_EQ(get("/nope").status, 404);
  auto r = http_request("DELETE", "127.0.0.1", port_, "/status");
  EXPECT_EQ(r.status, 405);
  r = http_request("GET", "127.0.0.1", port_, "/healthz", {},
                   {{"X-Big", std::string(16 * 1024, 'x')}});
  EXPECT_EQ(r.status, 431);
  r = http_request("POST", "127.0.0.1", port_, "/v1/collections/local/default/ext_a/refresh",
                   std::string(200 * 1024, 'x'));
  EXPECT_EQ(r.status, 413);
  {
    raw_client garbage(port_);
    ASSERT_TRUE(garbage.ok());
    ASSERT_TRUE(garbage.send(std::string("\x01\x02\xff garbage\r\n\r\n", 15)));
    const auto answer = garbage.read_all(5s);
    EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
  }
  EXPECT_EQ(get("/healthz").status, 200);
  EXPECT_EQ(sim_.stats()["triggers"], 0);
}

TEST_F(DaemonHttp, SlowClientIsCutOffAndIdleSocketsGiveWayToAProbe) {
  sim_.add_collection(json::array({{{"name", "ext_a"}}}));
  start("      - name: ext_a\n");
  ASSERT_TRUE(wait_ready());
  {
    raw_client slow(port_);
    ASSERT_TRUE(slow.ok());
    ASSERT_TRUE(
        slow.send("GET /status HTTP/1.1\r\nHost: x\r\n"));  // and never the end of the header
    bool closed = false;
    slow.read_all(9s, &closed);
    EXPECT_TRUE(closed) << "header_timeout (3 s) closes a slow request";
  }
  {
    // As many idle sockets as the cap (128): the probe is still served, because idle
    // connections over the client's share (32) or the cap give way to new ones.
    std::vector<std::unique_ptr<raw_client>> idle;
    for (int i = 0; i < 128; ++i) {
      idle.push_back(std::make_unique<raw_client>(port_));
      ASSERT_TRUE(idle.back()->ok());
    }
    EXPECT_EQ(get("/healthz").status, 200);
    bool closed = false;
    idle.front()->read_all(5s, &closed);
    EXPECT_TRUE(closed) << "the socket idle longest was closed";
  }
  EXPECT_TRUE(poll_until([&] { return get("/healthz").status == 200; }, 10s, 50ms));
}

TEST_F(DaemonHttp, ListenFailureIsAStartupErrorWithExitCode2) {
  const int holder = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(holder, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(holder, 1), 0);
  socklen_t len = sizeof a;
  ::getsockname(holder, reinterpret_cast<sockaddr*>(&a), &len);
  const auto port = std::to_string(ntohs(a.sin_port));
  sim_.add_collection(json::array({{{"name", "ext_a"}}}));
  auto cfg =
      daemon_config(sim_, "  schedule: \"@daily\"\n", "    token: \"\"\n", "      - name: ext_a\n");
  cfg.replace(cfg.find("127.0.0.1:0"), 11, "127.0.0.1:" + port);
  auto r = run(daemon_argv(dir_.write("config.yaml", cfg)), {}, 15s);
  ::close(holder);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("cannot listen on 127.0.0.1:" + port), std::string::npos) << r.err;
}

}  // namespace
}  // namespace refreshd::test
