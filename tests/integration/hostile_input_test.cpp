// The hostile-input suite (issue 11, docs/SECURITY.md): the real binaries fed what an
// attacker on the listener or a hostile cluster endpoint would send, with their peak memory
// (VmHWM / ru_maxrss) bounded. Bounds are relative to the same binary's own baseline, so they
// hold for optimised and sanitizer builds alike.
#include <algorithm>
#include <csignal>
#include <poll.h>
#include <sys/resource.h>

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

constexpr std::size_t flood_bytes = 64 * 1024 * 1024;
/// Growth of peak RSS allowed over the baseline while a 64 MiB flood is refused.
constexpr long rss_slack_kib = 16 * 1024;

class HostileListener : public ::testing::Test {
 protected:
  void SetUp() override {
    sim_.reset();
    sim_.add_collection(json::array({{{"name", "ext_a"}}}));
    auto cfg = daemon_config(sim_, "  schedule: \"@daily\"\n  catch_up: false\n",
                             "    token: \"\"\n    rate_limit: 0\n", "      - name: ext_a\n");
    d_ = std::make_unique<child_process>(daemon_argv(dir_.write("config.yaml", cfg)));
    port_ = wait_for_listen_port(*d_, 15s);
    ASSERT_NE(port_, 0) << d_->err();
    ASSERT_TRUE(poll_until([&] { return healthz() == 200; }, 15s, 50ms));
  }
  void TearDown() override { expect_clean_stop(*d_); }
  int healthz() { return http_request("GET", "127.0.0.1", port_, "/healthz").status; }

  /// Floods the listener after `head`; expects `status` and a peak RSS within the slack.
  void expect_refused(const std::string& head, char filler, std::string_view status) {
    const long before = peak_rss_kib(d_->pid());
    ASSERT_GT(before, 0);
    raw_client attacker(port_);
    ASSERT_TRUE(attacker.ok());
    std::string answer;
    const auto sent = attacker.flood(head, filler, flood_bytes, answer);
    EXPECT_EQ(answer.rfind(std::string("HTTP/1.1 ") + std::string(status), 0), 0u)
        << answer.substr(0, 80) << " (after " << sent << " bytes)";
    EXPECT_LT(sent, flood_bytes) << "the daemon read the whole flood";
    const long after = peak_rss_kib(d_->pid());
    EXPECT_LT(after - before, rss_slack_kib) << "peak RSS " << before << " -> " << after << " KiB";
    EXPECT_EQ(healthz(), 200);
  }

  sim_process sim_;
  temp_dir dir_;
  std::unique_ptr<child_process> d_;
  unsigned short port_ = 0;
};

TEST_F(HostileListener, EndlessChunkExtensionGets413AndBoundedMemory) {
  expect_refused("GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;", 'e',
                 "413");
}

TEST_F(HostileListener, EndlessTrailerSectionGets413AndBoundedMemory) {
  expect_refused(
      "GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Trailer: ", 't',
      "413");
}

TEST_F(HostileListener, EndlessHeaderGets431AndBoundedMemory) {
  expect_refused("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Long: ", 'h', "431");
}

TEST_F(HostileListener, AThousandIdleSocketsLeaveTheProbesAnswering) {
  // 1,000 client sockets plus the suite's own descriptors exceed the usual soft limit of 1024.
  rlimit files{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &files), 0);
  files.rlim_cur = std::max<rlim_t>(files.rlim_cur, std::min<rlim_t>(files.rlim_max, 4096));
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &files), 0);
  ASSERT_GE(files.rlim_cur, 1100u) << "cannot open 1,000 sockets here";

  std::vector<std::unique_ptr<raw_client>> idle;
  for (int i = 0; i < 1000; ++i) {
    idle.push_back(std::make_unique<raw_client>(port_));
    ASSERT_TRUE(idle.back()->ok()) << "socket " << i;
  }
  // Wait until the daemon has accepted them all: all but its per-client share (32) are closed.
  std::size_t closed = 0;
  ASSERT_TRUE(poll_until(
      [&] {
        closed = 0;
        for (auto& s : idle) {
          pollfd p{s->fd(), POLLIN, 0};
          closed += ::poll(&p, 1, 0) == 1 ? 1 : 0;
        }
        return closed >= 1000 - 128;
      },
      20s, 50ms))
      << closed << " closed";
  for (const auto* path : {"/healthz", "/readyz"}) {
    const auto t = std::chrono::steady_clock::now();
    const auto r = http_request("GET", "127.0.0.1", port_, path, {}, {}, 2s);
    const auto took = std::chrono::steady_clock::now() - t;
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_LT(took, 100ms) << path << " took "
                           << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                           << " ms with 1,000 idle sockets open";
  }
}

/// `milvus-refreshd list` against a scripted cluster endpoint.
process_result cli_list(const raw_server& server) {
  return run({REFRESHD_DAEMON_BINARY, "list", "--endpoint", server.url(), "--name", "ext_a"}, {},
             60s);
}

/// The CLI's peak RSS for an ordinary small `list` answer (the baseline of the bounds below).
long cli_baseline_kib() {
  raw_server normal([](int fd, const std::string&) {
    const std::string body = R"({"code":0,"data":{"records":[]}})";
    raw_server::write_all(fd,
                          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                          "Content-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n" + body);
  });
  const auto r = cli_list(normal);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.max_rss_kib;
}

void expect_cli_refuses(const std::string& head, char filler) {
  const long baseline = cli_baseline_kib();
  std::atomic<std::size_t> sent{0};
  raw_server hostile([&](int fd, const std::string&) {
    sent += raw_server::write_flood(fd, head, filler, flood_bytes);
  });
  const auto r = cli_list(hostile);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("chunk-size line or the trailer section"), std::string::npos) << r.err;
  EXPECT_LT(r.max_rss_kib - baseline, rss_slack_kib)
      << "peak RSS " << baseline << " -> " << r.max_rss_kib << " KiB";
  EXPECT_LT(sent.load(), flood_bytes) << "the CLI read the whole flood";
}

TEST(HostileCluster, EndlessChunkExtensionIsAnErrorWithBoundedMemory) {
  expect_cli_refuses("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;", 'e');
}

TEST(HostileCluster, EndlessTrailerSectionIsAnErrorWithBoundedMemory) {
  expect_cli_refuses("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nX-T: ",
                     't');
}

}  // namespace
}  // namespace refreshd::test
