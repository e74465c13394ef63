// The one-shot commands with the config as their context (docs/CLI.md "Context"), the real
// binary against the simulator: $MILVUS_REFRESHD_CONFIG as the only hint, ambiguous and unknown
// names, --query on every command (and a path that is not there), trigger --wait
// --timeout-total, list --state / --limit, clusters / collections, the rate limit, --help.
#include <csignal>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <refreshd/test/child_process.hpp>
#include <refreshd/test/sim_process.hpp>

#include "daemon_support.hpp"

namespace refreshd::test {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* token = "ctx-t0ken-value";

class CliContext : public ::testing::Test {
 protected:
  void SetUp() override {
    sim_.reset();
    sim_.configure({{"auth_token", token}});
    sim_.add_collection(json::array(
        {{{"name", "ext_books"},
          {"source", ""},
          {"spec", ""},  // nothing persisted: only the configured pair makes a trigger work
          {"job", {{"pending_ms", 10}, {"running_ms", 100}}}},
         {{"name", "ext_reviews"}, {"job", {{"pending_ms", 10}, {"running_ms", 50}}}},
         {{"name", "ext_long"}, {"job", {{"pending_ms", 10}, {"running_ms", 600000}}}},
         {{"database", "media"},
          {"name", "ext_movies"},
          {"job", {{"pending_ms", 10}, {"running_ms", 50}}}}}));
    const auto token_file = dir_.write("prod.token", std::string(token) + "\n");
    config_ = dir_.write("config.yaml",
                         "version: 1\ndefaults: {schedule: \"@hourly\"}\n"
                         "clusters:\n"
                         "  - name: prod\n    endpoint: " +
                             sim_.url() + "\n    token_file: " + token_file +
                             "\n    collections:\n"
                             "      - name: ext_books\n"
                             "        external_source: s3://lake/books/\n"
                             "        external_spec: '{\"format\":\"parquet\"}'\n"
                             "      - name: ext_reviews\n"
                             "      - name: ext_long\n"
                             "      - {name: ext_movies, database: media}\n"
                             "  - name: staging\n    endpoint: " +
                             sim_.url() +
                             "\n    token_env: REFRESHD_TEST_STAGING_TOKEN\n"
                             "    collections:\n      - name: ext_books\n");
  }

  /// The CLI with only $MILVUS_REFRESHD_CONFIG (and the staging cluster's variable) set.
  process_result cli(std::vector<std::string> args, std::vector<std::string> env = {}) {
    std::vector<std::string> argv{REFRESHD_DAEMON_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> all{"MILVUS_REFRESHD_CONFIG=" + config_,
                                 std::string("REFRESHD_TEST_STAGING_TOKEN=") + token};
    all.insert(all.end(), env.begin(), env.end());  // the later setting wins
    auto r = run(std::move(argv), std::move(all), 60s);
    EXPECT_EQ(r.out.find(token), std::string::npos) << "never the token";
    EXPECT_EQ(r.err.find(token), std::string::npos) << "never the token";
    EXPECT_EQ(r.out.find("parquet"), std::string::npos) << "never the spec";
    EXPECT_EQ(r.err.find("parquet"), std::string::npos) << "never the spec";
    return r;
  }
  int triggers() { return sim_.stats()["triggers"].get<int>(); }

  sim_process sim_;
  temp_dir dir_;
  std::string config_;
};

TEST_F(CliContext, TheVariableIsTheWholeContext) {
  // A unique name: its cluster, token file and database come from the config.
  auto r = cli({"trigger", "--name", "ext_reviews", "--wait", "--poll-interval", "10ms", "--query",
                "/state"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "RefreshCompleted\n");
  EXPECT_EQ(r.err, "") << "--query prints nothing else";
  // The configured source and spec are sent, as the daemon would.
  r = cli({"trigger", "--cluster", "prod", "--name", "ext_books", "--wait", "--poll-interval",
           "10ms", "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto job = json::parse(r.out);
  EXPECT_EQ(job["external_source"], "s3://lake/books/");
  // A database from the config.
  r = cli({"trigger", "--name", "ext_movies", "--wait", "--poll-interval", "10ms", "--query",
           "/collection"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ext_movies\n");
  // --database overrides it: there is no ext_movies in the default database.
  r = cli({"list", "--name", "ext_movies", "--database", "default"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("collection not found"), std::string::npos) << r.err;

  const auto id = std::to_string(job["job_id"].get<std::int64_t>());
  r = cli({"describe", "--cluster", "prod", "--job-id", id, "--query", "/job_id"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, id + "\n") << "int64 exact";
  r = cli({"list", "--name", "ext_reviews", "--query", "/jobs/0/state"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "RefreshCompleted\n");
}

TEST_F(CliContext, AnAmbiguousNameListsTheCandidatesAndSendsNothing) {
  auto r = cli({"trigger", "--name", "ext_books"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("collection ext_books is ambiguous in " + config_ +
                       " ($MILVUS_REFRESHD_CONFIG): prod/default/ext_books, "
                       "staging/default/ext_books (give --cluster)\n"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(triggers(), 0);
  // --cluster settles it, with that cluster's token (from its variable).
  r = cli({"list", "--cluster", "staging", "--name", "ext_books", "--output", "json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = cli({"list", "--cluster", "staging", "--name", "ext_books"},
          {"REFRESHD_TEST_STAGING_TOKEN=wrong"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  // A token that cannot be read names the cluster and the file.
  r = cli({"list", "--cluster", "staging"}, {"REFRESHD_TEST_STAGING_TOKEN="});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cluster staging of " + config_ + ": "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("REFRESHD_TEST_STAGING_TOKEN"), std::string::npos) << r.err;
}

TEST_F(CliContext, AnUnknownNameSuggestsTheNearestNames) {
  auto r = cli({"trigger", "--name", "ext_bokos"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no collection ext_bokos in the config " + config_ +
                       " ($MILVUS_REFRESHD_CONFIG); did you mean prod/default/ext_books, "
                       "staging/default/ext_books?"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(triggers(), 0);
  // With --cluster it is asked for; the server's "not found" keeps the suggestion.
  r = cli({"trigger", "--cluster", "prod", "--name", "ext_review"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("collection not found"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("hint: ext_review is not in the config either; did you mean "
                       "prod/default/ext_reviews"),
            std::string::npos)
      << r.err;
  r = cli({"list", "--cluster", "prdo"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--cluster prdo: no such cluster"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("did you mean prod?"), std::string::npos) << r.err;
  // Several clusters and no name: which one?
  r = cli({"describe", "--job-id", "5"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("has 2 clusters: give --cluster (one of prod, staging)"), std::string::npos)
      << r.err;
  // A token option belongs to --endpoint.
  r = cli({"list", "--cluster", "prod", "--token-env", "X"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("the token comes from the config's cluster"), std::string::npos) << r.err;
}

TEST_F(CliContext, QueryOnEveryCommandAndAMissingPathIsExitTwo) {
  auto r = cli({"clusters", "--query", "/clusters/1/name"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "staging\n");
  r = cli({"clusters", "--query", "/clusters/1/token"});
  EXPECT_EQ(r.out, "env REFRESHD_TEST_STAGING_TOKEN\n");
  r = cli({"collections", "--query", "/collections/3/database"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "media\n");
  r = cli({"check-config", "--query", "/valid"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "true\n");
  r = cli({"trigger", "--name", "ext_reviews", "--query", "/job_id"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto id = r.out.substr(0, r.out.size() - 1);
  EXPECT_GT(std::stoll(id), std::int64_t{1} << 53);
  r = cli({"describe", "--cluster", "prod", "--job-id", id, "--query", "/collection"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ext_reviews\n");
  r = cli({"list", "--name", "ext_reviews", "--query", "/jobs/0/job_id"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, id + "\n");

  // A path that is not there: exit 2, the path named, no empty line.
  r = cli({"list", "--name", "ext_reviews", "--query", "/jobs/5/state"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("--query /jobs/5/state: not in the answer; /jobs is an array of 1"),
            std::string::npos)
      << r.err;
  r = cli({"describe", "--cluster", "prod", "--job-id", id, "--query", "/stat"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("did you mean /state?"), std::string::npos) << r.err;
  // Not a JSON Pointer: refused before anything is sent.
  const int before = triggers();
  r = cli({"trigger", "--name", "ext_reviews", "--query", "job_id"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--query job_id: not a JSON Pointer (RFC 6901)"), std::string::npos)
      << r.err;
  EXPECT_EQ(triggers(), before);
}

TEST_F(CliContext, TimeoutTotalGivesUpAndTheJobKeepsRunning) {
  auto r = cli({"trigger", "--name", "ext_long", "--wait", "--timeout-total", "300ms",
                "--poll-interval", "50ms", "--query", "/job_id"});
  EXPECT_EQ(r.exit_code, 1);
  ASSERT_FALSE(r.out.empty()) << r.err;
  const auto id = r.out.substr(0, r.out.size() - 1);
  EXPECT_NE(r.err.find("gave up waiting after 300ms (--timeout-total): job " + id +
                       " of prod/default/ext_long is "),
            std::string::npos)
      << r.err;
  // The command it suggests works as it is given.
  EXPECT_NE(r.err.find("keeps running on the server; follow it with: milvus-refreshd describe "
                       "--cluster prod --job-id " +
                       id + "\n"),
            std::string::npos)
      << r.err;
  r = cli({"describe", "--cluster", "prod", "--job-id", id, "--query", "/state"});
  EXPECT_EQ(r.out, "RefreshInProgress\n") << r.err;
  r = cli({"trigger", "--name", "ext_long", "--timeout-total", "1s"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--timeout-total limits --wait"), std::string::npos) << r.err;
}

TEST_F(CliContext, AnInterruptedWaitNamesTheJobThatKeepsRunning) {
  child_process p({REFRESHD_DAEMON_BINARY, "trigger", "--name", "ext_long", "--wait",
                   "--poll-interval", "50ms", "--query", "/state"},
                  {"MILVUS_REFRESHD_CONFIG=" + config_});
  // The second describe is the first poll: the id is known by then (the first confirms it).
  ASSERT_TRUE(
      poll_until([&] { return sim_.stats()["requests"]["describe"].get<int>() >= 2; }, 20s, 20ms))
      << p.err();
  p.send_signal(SIGINT);
  auto r = p.wait(10s);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->exit_code, 130) << r->err;
  EXPECT_EQ(r->out, "") << "no value: the job did not end";
  const auto listed = cli({"list", "--name", "ext_long", "--query", "/jobs/0/job_id"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(r->err.find("interrupted; job " + listed.out.substr(0, listed.out.size() - 1) +
                        " keeps running on the server"),
            std::string::npos)
      << r->err;
}

TEST_F(CliContext, ListFiltersByStateAndLimits) {
  ASSERT_EQ(cli({"trigger", "--name", "ext_long"}).exit_code, 0);
  ASSERT_EQ(
      cli({"trigger", "--name", "ext_reviews", "--wait", "--poll-interval", "10ms"}).exit_code, 0);
  ASSERT_EQ(
      cli({"trigger", "--name", "ext_reviews", "--wait", "--poll-interval", "10ms"}).exit_code, 0);
  auto r = cli({"list", "--cluster", "prod", "--state", "Pending,InProgress", "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto jobs = json::parse(r.out)["jobs"];
  ASSERT_EQ(jobs.size(), 1U) << r.out;
  EXPECT_EQ(jobs[0]["collection"], "ext_long");
  r = cli({"list", "--name", "ext_reviews", "--state", "completed", "--limit", "1", "--query",
           "/jobs"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out).size(), 1U) << r.out;
  r = cli({"list", "--cluster", "prod", "--state", "Done"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--state Done: not a job state"), std::string::npos) << r.err;
  r = cli({"list", "--cluster", "prod", "--state", "Pending,"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--state Pending,: an empty state"), std::string::npos) << r.err;
}

TEST_F(CliContext, ClustersAndCollectionsShowTheContext) {
  auto r = cli({"clusters"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("CLUSTER  ENDPOINT"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("file " + dir_.path().string() + "/prod.token"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2 clusters in " + config_), std::string::npos) << r.out;
  r = cli({"collections", "--cluster", "prod"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("prod/default/ext_books"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("s3://lake/books/"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("prod/media/ext_movies"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("staging/"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("4 collections in"), std::string::npos) << r.out;
  r = cli({"collections", "--cluster", "nope"});
  EXPECT_EQ(r.exit_code, 2);
  r = run({REFRESHD_DAEMON_BINARY, "clusters"},
          {"MILVUS_REFRESHD_CONFIG=" + dir_.path().string() + "/missing.yaml"}, 60s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("missing.yaml ($MILVUS_REFRESHD_CONFIG) does not exist; give -c FILE or "
                       "point $MILVUS_REFRESHD_CONFIG at the config\n"),
            std::string::npos)
      << r.err;
  // An invalid one: every error at its line and column, one per line.
  const auto bad = dir_.write("bad.yaml", "version: 1\nclusters: [{name: Prod}]\n");
  r = run({REFRESHD_DAEMON_BINARY, "trigger", "-c", bad, "--name", "x"}, {}, 60s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("error: the config " + bad + " cannot be used:\n" + bad + ":2:"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("clusters[0].name: invalid cluster name"), std::string::npos) << r.err;
}

TEST_F(CliContext, TheClustersRateLimitApplies) {
  // 2 requests a second: a 1.5 s job polled every 10 ms is described a few times, not ~100.
  sim_.add_collection({{"name", "ext_slow"}, {"job", {{"pending_ms", 10}, {"running_ms", 1500}}}});
  const auto cfg = dir_.write("limited.yaml",
                              "version: 1\ndefaults: {schedule: \"@hourly\"}\n"
                              "clusters:\n  - name: only\n    endpoint: " +
                                  sim_.url() + "\n    token: " + token +
                                  "\n    rate_limit: 2\n"
                                  "    collections: [{name: ext_slow}]\n");
  auto r = run({REFRESHD_DAEMON_BINARY, "trigger", "--name", "ext_slow", "--wait",
                "--poll-interval", "10ms", "--query", "/state"},
               {"MILVUS_REFRESHD_CONFIG=" + cfg}, 60s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "RefreshCompleted\n");
  EXPECT_LE(sim_.stats()["requests"]["describe"].get<int>(), 8) << sim_.stats().dump();
  // One cluster: no --cluster needed, even without a name.
  r = run({REFRESHD_DAEMON_BINARY, "list", "--query", "/jobs/0/collection"},
          {"MILVUS_REFRESHD_CONFIG=" + cfg}, 60s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ext_slow\n");
}

TEST_F(CliContext, TheClustersRequestTimeoutApplies) {
  sim_.configure({{"latency_ms", 3000}});
  const auto cfg = dir_.write("slow.yaml",
                              "version: 1\ndefaults: {schedule: \"@hourly\"}\n"
                              "clusters:\n  - name: only\n    endpoint: " +
                                  sim_.url() + "\n    token: " + token +
                                  "\n    request_timeout: 200ms\n"
                                  "    collections: [{name: ext_reviews}]\n");
  auto r = run({REFRESHD_DAEMON_BINARY, "list"}, {"MILVUS_REFRESHD_CONFIG=" + cfg}, 60s);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("timed out"), std::string::npos) << r.err;
  // --timeout overrides it.
  r = run({REFRESHD_DAEMON_BINARY, "list", "--timeout", "10s"}, {"MILVUS_REFRESHD_CONFIG=" + cfg},
          60s);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(CliContext, AnOldClusterKeepsItsUpgradeHint) {
  sim_.configure({{"routes_absent", true}});
  auto r = cli({"trigger", "--name", "ext_reviews", "--query", "/job_id"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("upgrade the cluster"), std::string::npos) << r.err;
}

TEST_F(CliContext, HelpShowsTheContextRules) {
  for (const char* command : {"trigger", "describe", "list"}) {
    auto r = cli({command, "--help"});
    EXPECT_EQ(r.exit_code, 0) << command;
    EXPECT_NE(r.out.find("Context: without --endpoint, the cluster comes from the config (-c "
                         "FILE, else\n$MILVUS_REFRESHD_CONFIG, else "
                         "/etc/milvus-refreshd/config.yaml)"),
              std::string::npos)
        << command << ":\n"
        << r.out;
    EXPECT_NE(r.out.find("--query"), std::string::npos) << command;
  }
  for (const char* command : {"clusters", "collections"}) {
    auto r = cli({command, "--help"});
    EXPECT_NE(r.out.find("$MILVUS_REFRESHD_CONFIG"), std::string::npos) << r.out;
  }
  for (const char* command : {"pause", "resume", "refresh"}) {
    auto r = cli({command, "--help"});
    EXPECT_NE(r.out.find("cluster and database come from the config's collection --name"),
              std::string::npos)
        << command << ":\n"
        << r.out;
  }
}

}  // namespace
}  // namespace refreshd::test
