// Hostile strings through the real CLI (docs/SECURITY.md): `describe` and `list`
// against a scripted cluster answering with escape sequences, C1 controls, bidi overrides and
// invalid UTF-8 in collection names, states, reasons and error messages. Nothing of it may
// reach stdout or stderr raw (they are a terminal in real use).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <refreshd/test/child_process.hpp>
#include <refreshd/test/hostile_text.hpp>
#include <refreshd/test/raw_socket.hpp>

namespace refreshd::test {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

/// The corpus as a JSON string value: controls, C1 and bidi survive (as escapes or UTF-8), the
/// invalid UTF-8 becomes U+FFFD (a JSON text cannot carry it).
json hostile_json() {
  return json::parse(
      json(std::string(hostile_text)).dump(-1, ' ', false, json::error_handler_t::replace));
}

json hostile_job() {
  return json{
      {"jobId", 1},     {"collectionName", hostile_json()}, {"state", hostile_json()},
      {"progress", 40}, {"externalSource", hostile_json()}, {"startTime", 1'795'341'600'000},
      {"endTime", 0},   {"reason", hostile_json()}};
}

/// A server answering every request with `body` (HTTP 200, JSON).
raw_server answering(std::string body) {
  return raw_server([body = std::move(body)](int fd, const std::string&) {
    raw_server::write_all(fd,
                          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                          "Content-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n" + body);
  });
}

process_result cli(const raw_server& server, std::vector<std::string> args) {
  std::vector<std::string> argv{REFRESHD_DAEMON_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"--endpoint", server.url()});
  return run(argv, {}, 60s);
}

void expect_clean(const process_result& r) {
  const auto out = first_unsafe(r.out);
  EXPECT_FALSE(out) << "stdout: " << *out << "\n" << r.out;
  const auto err = first_unsafe(r.err);
  EXPECT_FALSE(err) << "stderr: " << *err << "\n" << r.err;
  EXPECT_EQ(r.out.find("\nINJECTED"), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find("\nINJECTED"), std::string::npos) << r.err;
}

TEST(CliHostileStrings, DescribePrintsNoEscapeSequences) {
  auto server = answering(json{{"code", 0}, {"data", hostile_job()}}.dump());
  const auto r = cli(server, {"describe", "--job-id", "1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("reason:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(benign_text), std::string::npos) << "ordinary UTF-8 unchanged";
  expect_clean(r);
}

TEST(CliHostileStrings, ListPrintsNoEscapeSequences) {
  auto server = answering(
      json{{"code", 0}, {"data", {{"records", json::array({hostile_job(), hostile_job()})}}}}
          .dump());
  const auto r = cli(server, {"list"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("JOB ID"), std::string::npos) << r.out;
  expect_clean(r);
}

TEST(CliHostileStrings, JsonOutputIsValidJson) {
  auto server = answering(json{{"code", 0}, {"data", hostile_job()}}.dump());
  const auto r = cli(server, {"describe", "--job-id", "1", "--output", "json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  expect_clean(r);
  const auto j = json::parse(r.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.out;
  EXPECT_NE(j["reason"].get<std::string>().find("\xe2\x80\xae"), std::string::npos)
      << "U+202E kept as data";
}

TEST(CliHostileStrings, ServerErrorMessageIsEscaped) {
  auto server = answering(json{{"code", 1100}, {"message", hostile_json()}}.dump());
  const auto r = cli(server, {"describe", "--job-id", "1"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("error: describe job 1"), std::string::npos) << r.err;
  expect_clean(r);
}

TEST(CliHostileStrings, FailedJobReasonOfTriggerWaitIsEscaped) {
  // list: nothing running; refresh: job 1; describe: job 1 failed with a hostile reason.
  auto failed = hostile_job();
  failed["state"] = "RefreshFailed";
  failed["endTime"] = 1'795'341'660'000;
  const auto described = json{{"code", 0}, {"data", failed}}.dump();
  raw_server server([&](int fd, const std::string& request) {
    std::string body = json{{"code", 0}, {"data", {{"records", json::array()}}}}.dump();
    if (request.find("/refresh ") != std::string::npos) {
      body = R"({"code":0,"data":{"jobId":1}})";
    } else if (request.find("/describe ") != std::string::npos) {
      body = described;
    }
    raw_server::write_all(fd,
                          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                          "Content-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n" + body);
  });
  const auto r = cli(server, {"trigger", "--name", "ext_a", "--wait"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("failed: "), std::string::npos) << r.err;
  expect_clean(r);
}

}  // namespace
}  // namespace refreshd::test
