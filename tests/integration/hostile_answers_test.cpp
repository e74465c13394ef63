// Memory driven by the cluster's answers (issue 11 point 3, docs/SECURITY.md): the real
// binaries fed a list answer of 262,000 records (7.7 MiB, under the 8 MiB body cap) keep
// their peak memory (ru_maxrss / VmHWM) within a slack of the same binary's run with a small
// answer, so the bound holds for optimised and sanitizer builds alike.
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <refreshd/test/child_process.hpp>
#include <refreshd/test/http.hpp>
#include <refreshd/test/raw_socket.hpp>

#include "daemon_support.hpp"

namespace refreshd::test {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t huge_records = 262'000;
constexpr std::size_t active_at = 200'000;
constexpr std::int64_t first_id = 3'000'000'000;  // 10 digits: 262,000 records fit 8 MiB
/// Growth of peak RSS allowed over the small-answer baseline. The body itself (7.7 MiB) is
/// read into memory, once or twice while it is de-chunked or copied; a DOM of its records
/// would be 20 times that.
constexpr long rss_slack_kib = 24 * 1024;

/// A list answer: `count` compact terminal records, newest first; record `active` (when
/// < count) in progress.
std::string list_body(std::size_t count, std::size_t active) {
  std::string body = R"({"code":0,"data":{"records":[)";
  body.reserve(count * 32 + 64);
  for (std::size_t i = 0; i < count; ++i) {
    body += i == 0 ? "" : ",";
    body += R"({"jobId":)" + std::to_string(first_id - static_cast<std::int64_t>(i)) +
            (i == active ? R"(,"state":1})" : R"(,"state":2})");
  }
  body += "]}}";
  return body;
}

/// A server answering every request with `body` as HTTP 200 JSON.
raw_server answering(std::string body) {
  return raw_server([answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                              "Content-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n" + body](
                        int fd, const std::string&) { raw_server::write_all(fd, answer); });
}

process_result cli_list(const raw_server& server) {
  return run({REFRESHD_DAEMON_BINARY, "list", "--endpoint", server.url(), "--name", "ext_a"},
             small_quarantine_env(), 60s);
}

TEST(HostileAnswers, CliListOfAHugeAnswerKeepsPeakMemoryBounded) {
  const std::string body = list_body(huge_records, active_at);
  ASSERT_LT(body.size(), std::size_t{8} * 1024 * 1024) << "fits the client's body cap";
  auto small = answering(list_body(1, 0));
  const auto baseline = cli_list(small);
  ASSERT_EQ(baseline.exit_code, 0) << baseline.err;

  auto huge = answering(body);
  const auto r = cli_list(huge);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(std::to_string(first_id - static_cast<std::int64_t>(active_at))),
            std::string::npos)
      << "the active job is shown";
  EXPECT_NE(r.err.find("261000 more records in the answer are not shown"), std::string::npos)
      << r.err;
  EXPECT_LT(r.max_rss_kib - baseline.max_rss_kib, rss_slack_kib)
      << "peak RSS " << baseline.max_rss_kib << " -> " << r.max_rss_kib << " KiB";
  RecordProperty("baseline_rss_kib", std::to_string(baseline.max_rss_kib));
  RecordProperty("huge_rss_kib", std::to_string(r.max_rss_kib));
}

/// The daemon with one collection on `server`, ready (startup list done); its peak RSS.
long daemon_peak_rss_kib(const raw_server& server) {
  temp_dir dir;
  const std::string cfg =
      "version: 1\n"
      "listen: 127.0.0.1:0\n"
      "defaults:\n"
      "  schedule: \"@daily\"\n"
      "  catch_up: false\n"
      "clusters:\n"
      "  - name: local\n"
      "    endpoint: " +
      server.url() +
      "\n"
      "    token: \"\"\n"
      "    rate_limit: 0\n"
      "    collections:\n"
      "      - name: ext_a\n";
  child_process d(daemon_argv(dir.write("config.yaml", cfg)), small_quarantine_env());
  const auto port = wait_for_listen_port(d, 15s);
  EXPECT_NE(port, 0) << d.err();
  if (port == 0) {
    return -1;
  }
  const bool ready = poll_until(
      [&] { return http_request("GET", "127.0.0.1", port, "/readyz").status == 200; }, 30s, 20ms);
  EXPECT_TRUE(ready) << d.err();
  EXPECT_GE(server.requests(), 1) << "the startup list reached the server";
  const long peak = peak_rss_kib(d.pid());
  expect_clean_stop(d);
  return peak;
}

TEST(HostileAnswers, DaemonStartupListOfAHugeAnswerKeepsPeakMemoryBounded) {
  auto small = answering(list_body(1, huge_records));
  const long baseline = daemon_peak_rss_kib(small);
  ASSERT_GT(baseline, 0);
  auto huge = answering(list_body(huge_records, huge_records));  // all terminal: idle
  const long peak = daemon_peak_rss_kib(huge);
  ASSERT_GT(peak, 0);
  EXPECT_LT(peak - baseline, rss_slack_kib) << "peak RSS " << baseline << " -> " << peak << " KiB";
  RecordProperty("baseline_rss_kib", std::to_string(baseline));
  RecordProperty("huge_rss_kib", std::to_string(peak));
}

}  // namespace
}  // namespace refreshd::test
