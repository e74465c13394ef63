// `milvus-refreshd check-config` and `-c FILE --cluster NAME` through the real binary.
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <refreshd/test/child_process.hpp>
#include <refreshd/test/sim_process.hpp>

namespace refreshd::test {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

class CheckConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("refreshd-check-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    auto p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  static process_result cli(std::vector<std::string> args, std::vector<std::string> env = {}) {
    std::vector<std::string> argv{REFRESHD_DAEMON_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(std::move(argv), std::move(env), 60s);
  }
  static std::string example(const char* name) {
    return std::string(REFRESHD_SOURCE_DIR) + "/examples/" + name;
  }

  fs::path dir_;
};

TEST_F(CheckConfig, EveryExampleIsValid) {
  std::vector<std::string> env{"ZILLIZ_TOKEN=t", "ZILLIZ_EU_TOKEN=t",
                               "ZILLIZ_ENDPOINT=https://in01-x.vectordb.zillizcloud.com:19530",
                               "PRODUCTS_SOURCE=s3://lake/products/"};
  for (const char* name : {"minimal.yaml", "multi-cluster.yaml", "kubernetes.yaml"}) {
    auto r =
        cli({"check-config", "-c", example(name), "--skip-file-checks", "--output", "json"}, env);
    ASSERT_EQ(r.exit_code, 0) << name << ": " << r.out << r.err;
    auto j = json::parse(r.out);
    EXPECT_TRUE(j["valid"].get<bool>()) << name;
    EXPECT_FALSE(j["collections"].empty()) << name;
    for (const auto& c : j["collections"]) {
      EXPECT_TRUE(c.contains("cluster") && c.contains("database") && c.contains("collection") &&
                  c.contains("schedule") && c.contains("timezone") && c.contains("next_runs"))
          << c.dump();
    }
  }
}

TEST_F(CheckConfig, MinimalExamplePrintsExactNextRuns) {
  auto r = cli({"check-config", "-c", example("minimal.yaml"), "--skip-file-checks", "--output",
                "json", "--next", "3", "--at", "2026-11-22T10:07:00Z"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out),
            json::parse(R"({"valid":true,"listener":{"listen":"127.0.0.1:9748","tls":null,
              "read_auth":null},"collections":[{"cluster":"prod","database":"default",
              "collection":"ext_books","schedule":"*/15 * * * *","timezone":"UTC",
              "next_runs":["2026-11-22T10:15:00+00:00","2026-11-22T10:30:00+00:00",
              "2026-11-22T10:45:00+00:00"]}]})"));
}

TEST_F(CheckConfig, TextMarksDstTransitionsAndAfterSchedules) {
  auto file = write("c.yaml", R"(version: 1
clusters:
  - name: eu
    endpoint: http://127.0.0.1:19530
    token: ""
    collections:
      - {name: nightly, schedule: "30 2 * * *", timezone: Europe/Berlin}
      - {name: hourly, schedule: "@hourly", timezone: Europe/Berlin}
      - {name: follow, schedule: "after 6h"}
)");
  auto r = cli({"check-config", "-c", file, "--next", "2", "--at", "2026-03-28T12:00:00Z"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("2026-03-29T03:00:00+02:00  (DST transition"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2026-03-30T02:30:00+02:00\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("6h after the previous refresh"), std::string::npos) << r.out;

  r = cli({"check-config", "-c", file, "--output", "json", "--at", "2026-10-24T23:30:00Z", "--next",
           "3"});
  auto j = json::parse(r.out);
  // @hourly fires in both passes of the repeated hour (02:00+02:00 and 02:00+01:00).
  EXPECT_EQ(j["collections"][1]["next_runs"],
            json::parse(R"(["2026-10-25T02:00:00+02:00","2026-10-25T02:00:00+01:00",
                            "2026-10-25T03:00:00+01:00"])"));
  EXPECT_EQ(j["collections"][2]["next_runs"], json::array());
}

TEST_F(CheckConfig, PrintsTheDependencyGraphInOrderAndACycleWithItsPath) {
  auto r = cli({"check-config", "-c", example("depends-on.yaml"), "--skip-file-checks"},
               {"ZILLIZ_TOKEN=t"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("dependency order (upstreams first):\n"
                       "  1. prod/default/ext_products\n"
                       "  2. prod/default/ext_reviews\n"
                       "  3. prod/default/ext_product_reviews  <- prod/default/ext_products, "
                       "prod/default/ext_reviews\n"
                       "  4. prod/serving/ext_recommendations  <- "
                       "prod/default/ext_product_reviews\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("schedule: depends_on prod/default/ext_products, prod/default/ext_reviews\n"
                       "  next run: once every upstream was ready again"),
            std::string::npos)
      << r.out;
  r = cli(
      {"check-config", "-c", example("depends-on.yaml"), "--skip-file-checks", "--output", "json"},
      {"ZILLIZ_TOKEN=t"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(r.out);
  EXPECT_EQ(j["dependency_order"][3],
            json::parse(R"({"collection":"prod/serving/ext_recommendations",
                            "depends_on":["prod/default/ext_product_reviews"]})"));
  EXPECT_EQ(j["collections"][2]["next_runs"], json::array());

  auto file = write("cycle.yaml", R"(version: 1
clusters:
  - name: eu
    endpoint: http://127.0.0.1:19530
    token: ""
    collections:
      - {name: a, depends_on: [b]}
      - {name: b, depends_on: [a]}
)");
  r = cli({"check-config", "-c", file});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cycle.yaml:7:19: clusters[0].collections[0].depends_on: dependency cycle: "
                       "eu/default/a → eu/default/b → eu/default/a"),
            std::string::npos)
      << r.err;
}

TEST_F(CheckConfig, InvalidFileReportsEveryErrorWithPositionAndExitsTwo) {
  auto file = write("bad.yaml", R"(version: 1
clusters:
  - name: prod
    endpoint: https://example.com
    token: ${REFRESHD_TEST_SECRET_TOKEN}
    collections:
      - name: a
        schedul: "* * * * *"
      - name: b
        schedule: "61 * * * *"
        timezone: Europe/Berln
        jitter: 5 minutes
)");
  auto r = cli({"check-config", "-c", file}, {"REFRESHD_TEST_SECRET_TOKEN=hunter2"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad.yaml:8:9: clusters[0].collections[0].schedul:"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("did you mean 'schedule'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("bad.yaml:10:19: clusters[0].collections[1].schedule:"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("bad.yaml:11:19: clusters[0].collections[1].timezone:"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("bad.yaml:12:17: clusters[0].collections[1].jitter:"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("hunter2"), std::string::npos) << r.err;

  r = cli({"check-config", "-c", file, "--output", "json"}, {"REFRESHD_TEST_SECRET_TOKEN=hunter2"});
  EXPECT_EQ(r.exit_code, 2);
  auto j = json::parse(r.out);
  EXPECT_FALSE(j["valid"].get<bool>());
  ASSERT_GE(j["errors"].size(), 4u) << r.out;
  for (const auto& e : j["errors"]) {
    EXPECT_EQ(e["file"], file);
    EXPECT_GT(e["line"].get<int>(), 0) << e.dump();
    EXPECT_GT(e["column"].get<int>(), 0) << e.dump();
    EXPECT_FALSE(e["path"].get<std::string>().empty()) << e.dump();
  }
}

TEST_F(CheckConfig, InvalidUtf8AndEscapesInTheFileAreReportedNotCrashedOn) {
  // A value with bytes that are not UTF-8 and a terminal escape: both outputs name the error;
  // JSON stays valid JSON (U+FFFD), text shows the bytes as escapes (docs/SECURITY.md).
  const auto file = write("bad.yaml",
                          "version: 1\n"
                          "clusters:\n"
                          "  - name: local\n"
                          "    endpoint: http://127.0.0.1:1\n"
                          "    token_env: REFRESHD_TEST_TOKEN\n"
                          "    collections:\n"
                          "      - name: ext_a\n"
                          "        schedule: \"every \xff\xfe \x1b]52;c;AAAA\x07\"\n");
  auto r = cli({"check-config", "-c", file, "--output", "json"}, {"REFRESHD_TEST_TOKEN=t"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  const auto j = json::parse(r.out);  // throws (fails the test) on invalid JSON
  EXPECT_FALSE(j["valid"].get<bool>());
  ASSERT_EQ(j["errors"].size(), 1u) << r.out;
  EXPECT_EQ(j["errors"][0]["path"], "clusters[0].collections[0].schedule");
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos);
  r = cli({"check-config", "-c", file}, {"REFRESHD_TEST_TOKEN=t"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("clusters[0].collections[0].schedule"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << "no raw escape reaches the terminal";
  EXPECT_EQ(r.err.find('\xff'), std::string::npos);
}

TEST_F(CheckConfig, UnreadableFileExitsTwo) {
  auto r = cli({"check-config", "-c", (dir_ / "missing.yaml").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("missing.yaml"), std::string::npos) << r.err;
}

TEST_F(CheckConfig, DefaultPathComesFromEnvironment) {
  auto file = write("env.yaml", R"(version: 1
clusters: [{name: a, endpoint: "http://127.0.0.1:1", token: "", collections: [{name: c, schedule: "@daily"}]}]
)");
  auto r = cli({"check-config"}, {"MILVUS_REFRESHD_CONFIG=" + file});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("env.yaml: valid"), std::string::npos) << r.out;
}

TEST_F(CheckConfig, CliConnectsThroughConfigCluster) {
  sim_process sim;
  sim.configure({{"auth_token", "tok"}});
  sim.add_collection({{"name", "ext_books"},
                      {"source", ""},
                      {"spec", ""},
                      {"job", {{"pending_ms", 10}, {"running_ms", 50}}}});
  auto file = write("c.yaml", "version: 1\nclusters:\n  - name: local\n    endpoint: " + sim.url() +
                                  "\n    token_env: REFRESHD_TEST_TOKEN\n    collections:\n"
                                  "      - name: ext_books\n        schedule: '@hourly'\n"
                                  "        external_source: s3://lake/books/\n"
                                  "        external_spec: '{\"format\":\"parquet\"}'\n");
  // The configured source/spec pair is sent (the simulator's collection has none persisted).
  auto r = cli({"trigger", "-c", file, "--cluster", "local", "--name", "ext_books", "--wait",
                "--poll-interval", "10ms", "--output", "json"},
               {"REFRESHD_TEST_TOKEN=tok"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["external_source"], "s3://lake/books/");
  r = cli({"list", "-c", file, "--cluster", "nope"}, {"REFRESHD_TEST_TOKEN=tok"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no such cluster"), std::string::npos) << r.err;
  r = cli({"list", "-c", file, "--cluster", "local"}, {"REFRESHD_TEST_TOKEN=wrong"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
}

}  // namespace
}  // namespace refreshd::test
