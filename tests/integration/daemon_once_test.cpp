// `milvus-refreshd run --once` against the real simulator: the summary and every exit code.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <refreshd/test/child_process.hpp>
#include <refreshd/test/sim_process.hpp>

#include "daemon_support.hpp"

namespace refreshd::test {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

class DaemonOnce : public ::testing::Test {
 protected:
  void SetUp() override {
    sim_.reset();
    sim_.add_collection({{"name", "ext_a"}, {"job", {{"pending_ms", 20}, {"running_ms", 200}}}});
    sim_.add_collection({{"name", "ext_b"}, {"job", {{"pending_ms", 20}, {"running_ms", 100}}}});
    sim_.add_collection({{"name", "ext_bad"},
                         {"job",
                          {{"pending_ms", 10},
                           {"running_ms", 50},
                           {"outcome", "failed"},
                           {"reason", "no files found in external source: s3://bucket/bad/"}}}});
    sim_.add_collection({{"name", "ext_off"}});
  }

  process_result once(const std::string& collections, const std::string& token = "\"\"",
                      std::vector<std::string> extra = {}) {
    auto path = dir_.write("once.yaml", daemon_config(sim_,
                                                      "  schedule: \"@daily\"\n"
                                                      "  retries: 0\n"
                                                      "  poll: {initial: 50ms, max: 500ms}\n",
                                                      "    token: " + token + "\n", collections));
    std::vector<std::string> argv{REFRESHD_DAEMON_BINARY, "run", "--once", "-c", path};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run(std::move(argv), {}, 60s);
  }

  sim_process sim_;
  temp_dir dir_;
};

TEST_F(DaemonOnce, AllCompletedExitsZeroWithASummary) {
  auto r = once(
      "      - name: ext_a\n"
      "      - name: ext_b\n"
      "      - name: ext_off\n"
      "        suspend: true\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("CLUSTER"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ext_a"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("completed"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("ext_off"), std::string::npos) << "suspended collections are not run";
  EXPECT_NE(r.out.find("2 of 2 collections completed"), std::string::npos) << r.out;
  auto stats = sim_.stats();
  EXPECT_EQ(stats["triggers"], 2);
  EXPECT_EQ(stats["per_collection"]["default/ext_off"]["triggers"], 0);
}

TEST_F(DaemonOnce, AFailedJobExitsOneWithTheReasonVerbatim) {
  auto r = once("      - name: ext_a\n      - name: ext_bad\n");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("no files found in external source: s3://bucket/bad/"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("1 of 2 collections completed"), std::string::npos) << r.out;
}

TEST_F(DaemonOnce, TheSummaryAsJsonAndQueried) {
  const std::string two = "      - name: ext_a\n      - name: ext_bad\n";
  auto r = once(two, "\"\"", {"--output", "json"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto doc = json::parse(r.out);
  EXPECT_EQ(doc["completed"], 1);
  EXPECT_EQ(doc["total"], 2);
  ASSERT_EQ(doc["collections"].size(), 2U);
  EXPECT_EQ(doc["collections"][1]["result"], "failed");
  EXPECT_GT(doc["collections"][1]["job_id"].get<std::int64_t>(), std::int64_t{1} << 53);
  EXPECT_EQ(doc["collections"][1]["message"],
            "no files found in external source: s3://bucket/bad/");
  r = once(two, "\"\"", {"--query", "/collections/0/result"});
  EXPECT_EQ(r.exit_code, 1) << "the run's own code";
  EXPECT_EQ(r.out, "completed\n");
  r = once(two, "\"\"", {"--query", "/collections/7/result"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--query /collections/7/result: not in the answer"), std::string::npos)
      << r.err;
  r = run({REFRESHD_DAEMON_BINARY, "run", "--query", "/total", "-c", "x.yaml"}, {}, 60s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("give --once"), std::string::npos) << r.err;
}

TEST_F(DaemonOnce, ARunningJobIsAdoptedAndCounts) {
  sim_.add_collection({{"name", "ext_long"}, {"job", {{"pending_ms", 50}, {"running_ms", 800}}}});
  auto cli = run(
      {REFRESHD_DAEMON_BINARY, "trigger", "--endpoint", sim_.url(), "--name", "ext_long"}, {}, 20s);
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  auto r = once("      - name: ext_long\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(sim_.stats()["triggers"], 1) << "adopted, not triggered again";
  EXPECT_NE(r.err.find("adopted running job"), std::string::npos) << r.err;
}

TEST_F(DaemonOnce, AbsentRoutesExitThree) {
  sim_.configure({{"routes_absent", true}});
  auto r = once("      - name: ext_a\n      - name: ext_b\n");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.out.find("unsupported"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("upgrade the cluster"), std::string::npos) << r.err;
}

TEST_F(DaemonOnce, WrongTokenExitsFourAndNeverLogsIt) {
  sim_.configure({{"auth_token", "the-right-token"}});
  auto r = once("      - name: ext_a\n      - name: ext_bad\n", "wrong-token-value");
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.out.find("auth_failed"), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find("wrong-token-value"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("wrong-token-value"), std::string::npos) << r.out;
  EXPECT_LE(sim_.stats()["unauthorized"].get<int>(), 2) << "the cluster is not hammered";
}

TEST_F(DaemonOnce, RightTokenWorks) {
  sim_.configure({{"auth_token", "the-right-token"}});
  auto r = once("      - name: ext_a\n", "the-right-token");
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(DaemonOnce, HelpDocumentsTheExitCodes) {
  auto r = run({REFRESHD_DAEMON_BINARY, "run", "--help"}, {}, 20s);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("4 authentication failed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("4 wins over 3"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace refreshd::test
