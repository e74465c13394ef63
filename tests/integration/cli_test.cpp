// The milvus-refreshd CLI binary against the real simulator over loopback: every command and
// every documented exit code.
#include <csignal>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <refreshd/test/child_process.hpp>
#include <refreshd/test/sim_process.hpp>

namespace refreshd::test {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    sim_.reset();
    sim_.add_collection(
        {{"name", "ext_books"}, {"job", {{"pending_ms", 50}, {"running_ms", 300}}}});
    sim_.add_collection({{"name", "ext_bad"},
                         {"job",
                          {{"pending_ms", 20},
                           {"running_ms", 100},
                           {"outcome", "failed"},
                           {"reason", "no files found in external source: s3://bucket/bad/"}}}});
    sim_.add_collection({{"name", "plain"}, {"external", false}});
    sim_.add_collection({{"name", "deferred"}, {"source", ""}, {"spec", ""}});
    sim_.add_collection({{"database", "media"},
                         {"name", "ext_movies"},
                         {"job", {{"pending_ms", 10}, {"running_ms", 50}}}});
  }

  process_result cli(std::vector<std::string> args, std::vector<std::string> env = {}) {
    std::vector<std::string> argv{REFRESHD_DAEMON_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(std::move(argv), std::move(env), 60s);
  }
  /// A command with the connection options for the simulator prepended after the verb.
  process_result api(std::string verb, std::vector<std::string> args,
                     std::vector<std::string> env = {}) {
    std::vector<std::string> all{std::move(verb), "--endpoint", sim_.url()};
    all.insert(all.end(), args.begin(), args.end());
    return cli(std::move(all), std::move(env));
  }

  sim_process sim_;
};

TEST_F(Cli, VersionPrintsVersionAndRevision) {
  auto r = cli({"version"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("milvus-refreshd 0."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("revision"), std::string::npos) << r.out;
}

TEST_F(Cli, HelpDocumentsExitCodes) {
  auto r = cli({"trigger", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("3 the cluster does not support the refresh API"), std::string::npos);
}

TEST_F(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(cli({}).exit_code, 2);
  EXPECT_EQ(cli({"frobnicate"}).exit_code, 2);
  auto r = api("trigger", {});  // --name missing
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(api("list", {"--output", "yaml"}).exit_code, 2);
  r = cli({"list"}, {"MILVUS_REFRESHD_CONFIG=/nonexistent/refreshd.yaml"});  // no context
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("/nonexistent/refreshd.yaml ($MILVUS_REFRESHD_CONFIG)"), std::string::npos)
      << r.err;
  EXPECT_EQ(api("describe", {"--job-id", "abc"}).exit_code, 2);
  EXPECT_EQ(api("describe", {"--job-id", "9223372036854775808"}).exit_code, 2);
  r = api("trigger", {"--name", "ext_books", "--external-source", "s3://b/x/"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("together"), std::string::npos) << r.err;
  r = api("list", {"--token-env", "REFRESHD_TEST_UNSET_VARIABLE"},
          {"REFRESHD_TEST_UNSET_VARIABLE="});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("REFRESHD_TEST_UNSET_VARIABLE"), std::string::npos) << r.err;
  r = cli({"list", "--endpoint", "ftp://127.0.0.1:1"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

TEST_F(Cli, TriggerDescribeAndListAJob) {
  auto t = api("trigger", {"--name", "ext_books", "--output", "json"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  auto id = json::parse(t.out)["job_id"].get<std::int64_t>();
  EXPECT_GT(id, std::int64_t{1} << 53);

  auto d = api("describe", {"--job-id", std::to_string(id), "--output", "json"});
  ASSERT_EQ(d.exit_code, 0) << d.err;
  auto info = json::parse(d.out);
  EXPECT_EQ(info["job_id"].get<std::int64_t>(), id);
  EXPECT_EQ(info["collection"], "ext_books");

  auto l = api("list", {"--name", "ext_books"});
  ASSERT_EQ(l.exit_code, 0) << l.err;
  EXPECT_NE(l.out.find(std::to_string(id)), std::string::npos) << l.out;
  EXPECT_EQ(sim_.stats()["triggers"], 1);
}

TEST_F(Cli, TriggerWaitRunsToCompletionWithPlainProgressLines) {
  auto r = api("trigger", {"--name", "ext_books", "--wait", "--poll-interval", "20ms"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("triggered refresh of default/ext_books"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("RefreshInProgress"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("state:      RefreshCompleted"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find('\r'), std::string::npos) << "no progress bar without a TTY";
}

TEST_F(Cli, TriggerInAnotherDatabase) {
  auto r = api("trigger", {"--database", "media", "--name", "ext_movies", "--wait",
                           "--poll-interval", "10ms", "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["state"], "RefreshCompleted");
}

TEST_F(Cli, FailedJobExitsOneWithReasonVerbatim) {
  auto r = api("trigger", {"--name", "ext_bad", "--wait", "--poll-interval", "10ms"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("failed: no files found in external source: s3://bucket/bad/\n"),
            std::string::npos)
      << r.err;
}

TEST_F(Cli, AbsentRoutesExitThreeAndTellUserToUpgrade) {
  sim_.configure({{"routes_absent", true}});
  for (auto verb : {"trigger", "list"}) {
    auto r = api(verb, {"--name", "ext_books"});
    EXPECT_EQ(r.exit_code, 3) << verb << ": " << r.err;
    EXPECT_NE(r.err.find("upgrade the cluster"), std::string::npos) << r.err;
  }
  EXPECT_EQ(api("describe", {"--job-id", "5"}).exit_code, 3);
}

TEST_F(Cli, WrongTokenExitsFourAndRightTokenWorks) {
  sim_.configure({{"auth_token", "s3cret-token"}});
  auto r = api("list", {"--token-env", "REFRESHD_TEST_TOKEN"}, {"REFRESHD_TEST_TOKEN=wrong"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_EQ(r.err.find("wrong"), std::string::npos) << "the token never appears: " << r.err;
  EXPECT_EQ(api("list", {}).exit_code, 4);
  r = api("list", {"--token-env", "REFRESHD_TEST_TOKEN"}, {"REFRESHD_TEST_TOKEN=s3cret-token"});
  EXPECT_EQ(r.exit_code, 0) << r.err;

  auto dir = std::filesystem::temp_directory_path() / ("refreshd-cli-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "token") << "s3cret-token\n";
  r = api("trigger", {"--name", "ext_books", "--token-file", (dir / "token").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = api("trigger", {"--name", "ext_books", "--token-file", (dir / "missing").string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  std::filesystem::remove_all(dir);
}

TEST_F(Cli, LiteralTokenWorksButWarns) {
  sim_.configure({{"auth_token", "s3cret-token"}});
  auto r = api("list", {"--token", "s3cret-token"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("visible"), std::string::npos) << r.err;
}

TEST_F(Cli, NotExternalAndNoPersistedSourceExitOneWithServerMessage) {
  auto r = api("trigger", {"--name", "plain"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("not an external collection"), std::string::npos) << r.err;
  r = api("trigger", {"--name", "deferred"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no persisted external_source/external_spec"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--external-source"), std::string::npos) << r.err;
  r = api("trigger", {"--name", "nope"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("collection not found"), std::string::npos) << r.err;
}

TEST_F(Cli, SourceOverrideIsSentAndSpecNeverPrinted) {
  auto r = api("trigger",
               {"--name", "deferred", "--external-source", "s3://bucket/other/", "--external-spec",
                R"({"format":"parquet","extfs":{"access_key_value":"hunter2"}})", "--wait",
                "--poll-interval", "20ms", "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["external_source"], "s3://bucket/other/");
  EXPECT_EQ(r.out.find("hunter2"), std::string::npos);
  EXPECT_EQ(r.err.find("hunter2"), std::string::npos);
}

TEST_F(Cli, DescribeUnknownJobExitsOne) {
  auto r = api("describe", {"--job-id", "9223372036854775807"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("not found"), std::string::npos) << r.err;
}

TEST_F(Cli, SecondTriggerListsFirstAndNeverOverlapsUnderEveryPolicy) {
  for (auto policy : {"reject_in_progress", "reject_703", "same_id", "legacy_drop"}) {
    SetUp();
    sim_.configure({{"duplicate_policy", policy}});
    sim_.add_collection(
        {{"name", "ext_books"}, {"job", {{"pending_ms", 5000}, {"running_ms", 5000}}}});
    auto first = api("trigger", {"--name", "ext_books", "--output", "json"});
    ASSERT_EQ(first.exit_code, 0) << policy << first.err;
    auto id = json::parse(first.out)["job_id"].get<std::int64_t>();
    auto second = api("trigger", {"--name", "ext_books"});
    EXPECT_EQ(second.exit_code, 1) << policy << ": " << second.err;
    EXPECT_NE(second.err.find("already running: job " + std::to_string(id)), std::string::npos)
        << policy << ": " << second.err;
    auto st = sim_.stats();
    EXPECT_EQ(st["jobs_created"], 1) << policy;
    EXPECT_EQ(st["overlapping_triggers"], 0) << policy;
  }
}

TEST_F(Cli, StringJobIdsAreFollowed) {
  sim_.configure({{"string_job_ids", true}});
  auto r = api("trigger",
               {"--name", "ext_books", "--wait", "--poll-interval", "20ms", "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["state"], "RefreshCompleted");
}

TEST_F(Cli, RateLimitedTriggerExitsOne) {
  // One refresh per second (the simulator limits each endpoint separately, like Zilliz): the
  // second trigger, sent right after the first, is answered 429.
  sim_.configure({{"rate_limit", {{"rps", 1}, {"mode", "429"}}}});
  auto first = api("trigger", {"--name", "ext_books"});
  EXPECT_EQ(first.exit_code, 0) << first.err;
  auto t = api("trigger", {"--name", "ext_bad"});
  EXPECT_EQ(t.exit_code, 1) << t.err;
  EXPECT_NE(t.err.find("rate_limited"), std::string::npos) << t.err;
  EXPECT_EQ(sim_.stats()["jobs_created"], 1);
}

TEST_F(Cli, ConnectionRefusedExitsOne) {
  auto r = cli({"list", "--endpoint", "http://127.0.0.1:1", "--timeout", "2s"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
}

TEST_F(Cli, InterruptedWaitExits130AndLeavesJobRunning) {
  sim_.add_collection({{"name", "slow"}, {"job", {{"pending_ms", 60000}, {"running_ms", 60000}}}});
  child_process p({REFRESHD_DAEMON_BINARY, "trigger", "--endpoint", sim_.url(), "--name", "slow",
                   "--wait", "--poll-interval", "50ms"});
  ASSERT_TRUE(p.wait_for_line(
      [](std::string_view l) { return l.find("RefreshPending") != std::string_view::npos; }, 20s))
      << p.out() << p.err();
  p.send_signal(SIGINT);
  auto r = p.wait(10s);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->exit_code, 130) << r->err;
  EXPECT_NE(r->err.find("keeps running"), std::string::npos);

  child_process q({REFRESHD_DAEMON_BINARY, "trigger", "--endpoint", sim_.url(), "--name",
                   "ext_books", "--wait", "--poll-interval", "50ms"});
  ASSERT_TRUE(q.wait_for_line(
      [](std::string_view l) { return l.find("triggered") != std::string_view::npos; }, 20s));
  q.send_signal(SIGTERM);
  r = q.wait(10s);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->exit_code, 143) << r->err;
}

}  // namespace
}  // namespace refreshd::test
