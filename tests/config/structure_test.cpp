// Whole-file errors: required keys, wrong shapes, duplicates across entries, YAML syntax.
#include <gtest/gtest.h>

#include "config_test_support.hpp"

namespace refreshd::config {
namespace {

struct file_case {
  std::string name;
  std::string yaml;
  int line;
  int column;
  std::string path;
  std::string message;
};

std::ostream& operator<<(std::ostream& os, const file_case& c) {
  return os << c.name;
}

class ReportsFileError : public ::testing::TestWithParam<file_case> {};

TEST_P(ReportsFileError, AtItsPositionAndPath) {
  const file_case& c = GetParam();
  const load_result r = test::load(c.yaml);
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(r.errors.size(), 1u) << test::dump(r);
  const diagnostic& d = r.errors[0];
  EXPECT_EQ(d.line, c.line) << to_string(d);
  EXPECT_EQ(d.column, c.column) << to_string(d);
  EXPECT_EQ(d.path, c.path) << to_string(d);
  EXPECT_NE(d.message.find(c.message), std::string::npos) << to_string(d);
}

// A valid cluster body (indent 4) used by several cases.
const std::string cluster_body =
    "    endpoint: https://m.example.com\n"
    "    token_env: TOKEN\n"
    "    collections:\n"
    "      - {name: books, schedule: \"@daily\"}\n";

std::string one_cluster(const std::string& name_line, const std::string& collections) {
  return "version: 1\nclusters:\n  - " + name_line +
         "\n    endpoint: https://m.example.com\n    token_env: TOKEN\n    collections:\n" +
         collections;
}

INSTANTIATE_TEST_SUITE_P(
    Files, ReportsFileError,
    ::testing::Values(
        file_case{"UnsupportedVersion", "version: 2\nclusters:\n  - name: a\n" + cluster_body, 1,
                  10, "version", "unsupported config version 2 (this daemon reads version 1)"},
        file_case{"VersionNotInteger", "version: one\nclusters:\n  - name: a\n" + cluster_body, 1,
                  10, "version", "expected an integer, got 'one'"},
        file_case{"FractionalVersion", "version: 1.0\nclusters:\n  - name: a\n" + cluster_body, 1,
                  10, "version", "expected an integer, got '1.0'"},
        file_case{"MissingVersion", "clusters:\n  - name: a\n" + cluster_body, 1, 1, "version",
                  "missing required key 'version'"},
        file_case{"MissingClusters", "version: 1\n", 1, 1, "clusters",
                  "missing required key 'clusters'"},
        file_case{"EmptyClusters", "version: 1\nclusters: []\n", 2, 11, "clusters",
                  "at least one cluster is required"},
        file_case{"ClustersNotASequence", "version: 1\nclusters: {prod: {}}\n", 2, 11, "clusters",
                  "expected a sequence, got a mapping"},
        file_case{"ClusterNotAMapping", "version: 1\nclusters:\n  - prod\n", 3, 5, "clusters[0]",
                  "expected a mapping"},
        file_case{"ClusterWithoutName",
                  "version: 1\nclusters:\n  - endpoint: https://m\n"
                  "    token_env: TOKEN\n    collections: []\n",
                  3, 5, "clusters[0].name", "missing required key 'name'"},
        file_case{"ClusterWithoutEndpoint",
                  "version: 1\nclusters:\n  - name: a\n    token_env: TOKEN\n"
                  "    collections: [{name: b, schedule: '@daily'}]\n",
                  3, 5, "clusters[0].endpoint", "missing required key 'endpoint'"},
        file_case{"ClusterWithoutToken",
                  "version: 1\nclusters:\n  - name: a\n    endpoint: https://m\n"
                  "    collections: [{name: b, schedule: '@daily'}]\n",
                  3, 5, "clusters[0]",
                  "no token source: set one of token_file, token_env or token"},
        file_case{"UppercaseClusterName",
                  one_cluster("name: Prod", "      - {name: b, schedule: '@daily'}\n"), 3, 11,
                  "clusters[0].name", "invalid cluster name 'Prod'"},
        file_case{"ClusterNameWithDot",
                  one_cluster("name: a.b", "      - {name: b, schedule: '@daily'}\n"), 3, 11,
                  "clusters[0].name", "use 1 to 63 characters a-z, 0-9, '_' and '-'"},
        file_case{
            "DuplicateClusterName",
            "version: 1\nclusters:\n  - name: a\n" + cluster_body + "  - name: a\n" + cluster_body,
            8, 11, "clusters[1].name", "duplicate cluster name 'a' (first defined at line 3)"},
        file_case{"DuplicateCollection",
                  one_cluster("name: a",
                              "      - {name: b, schedule: '@daily'}\n"
                              "      - {name: b, schedule: '@hourly'}\n"),
                  8, 16, "clusters[0].collections[1].name",
                  "duplicate collection default/b in cluster 'a' (first defined at line 7)"},
        file_case{"DuplicateCollectionThroughInheritedDatabase",
                  one_cluster("name: a",
                              "      - {name: b, schedule: '@daily'}\n"
                              "      - {name: b, database: default, schedule: '@daily'}\n"),
                  8, 16, "clusters[0].collections[1].name", "duplicate collection default/b"},
        file_case{"CollectionWithoutName", one_cluster("name: a", "      - {schedule: '@daily'}\n"),
                  7, 9, "clusters[0].collections[0].name", "missing required key 'name'"},
        file_case{"CollectionNotAMapping", one_cluster("name: a", "      - books\n"), 7, 9,
                  "clusters[0].collections[0]", "expected a mapping with at least 'name'"},
        file_case{"CollectionNameStartsWithDigit",
                  one_cluster("name: a", "      - {name: 1books, schedule: '@daily'}\n"), 7, 16,
                  "clusters[0].collections[0].name", "invalid collection name '1books'"},
        file_case{
            "NoScheduleAnywhere", one_cluster("name: a", "      - name: books\n"), 7, 9,
            "clusters[0].collections[0].schedule",
            "no schedule: set 'schedule' (or 'target_lag' or 'depends_on') on the collection, "
            "its cluster or in defaults"},
        file_case{"CollectionsNotASequence", one_cluster("name: a", "      books: {}\n"), 7, 7,
                  "clusters[0].collections", "expected a sequence, got a mapping"},
        file_case{"EmptyFile", "", 1, 1, "", "the file is empty"},
        file_case{"OnlyComments", "# nothing here\n", 1, 1, "", "the file is empty"},
        file_case{"TopLevelSequence", "- version: 1\n", 1, 1, "",
                  "expected a mapping at the top level"},
        file_case{"TopLevelScalar", "hello\n", 1, 1, "", "expected a mapping at the top level"},
        file_case{"TwoDocuments",
                  "version: 1\nclusters:\n  - name: a\n" + cluster_body + "---\nversion: 1\n", 8, 1,
                  "", "only one YAML document is allowed"},
        file_case{"DocumentMarkerAfterContent",
                  "# comment\n---\nversion: 1\nclusters:\n  - name: a\n" + cluster_body +
                      "--- # second\n",
                  10, 1, "", "only one YAML document is allowed"},
        file_case{"StrayComma", ",\n", 1, 1, "", "the file is empty"},
        file_case{"UnclosedFlowSequence", "version: 1\nclusters: [\n", 3, 1, "",
                  "YAML syntax error"},
        file_case{"BadIndentation", "version: 1\n clusters: []\n", 2, 10, "",
                  "YAML syntax error: illegal map value"},
        file_case{"UnclosedFlowMapping", "version: 1\nlog: {format: text\n", 3, 1, "",
                  "YAML syntax error: end of map flow not found"},
        file_case{"UndefinedAlias", "version: 1\nlisten: *nothing\n", 2, 9, "",
                  "YAML syntax error: the referenced anchor is not defined"},
        file_case{"UnknownPerCollectionFamily",
                  "version: 1\nmetrics:\n  per_collection: [triggers, api]\nclusters:\n"
                  "  - name: a\n" +
                      cluster_body,
                  3, 30, "metrics.per_collection[1]",
                  "invalid value 'api' (expected triggers, skipped or job_duration)"},
        file_case{"PerCollectionNotASequence",
                  "version: 1\nmetrics: {per_collection: triggers}\nclusters:\n  - name: a\n" +
                      cluster_body,
                  2, 27, "metrics.per_collection", "expected a sequence, got a scalar"},
        file_case{"UnknownMetricsKey",
                  "version: 1\nmetrics: {per_cluster: []}\nclusters:\n  - name: a\n" + cluster_body,
                  2, 11, "metrics.per_cluster", "unknown key 'per_cluster'"},
        file_case{"ComplexKey",
                  "version: 1\n? [a, b]\n: c\nclusters:\n  - name: a\n" + cluster_body, 2, 3, "",
                  "keys must be plain names, got a sequence"}));

TEST(Metrics, PerCollectionNamesTheFamiliesMovedToCollectionLabels) {
  auto r = test::load(
      "version: 1\nmetrics:\n  per_collection: [job_duration, triggers]\n"
      "clusters:\n  - name: a\n" +
      cluster_body);
  ASSERT_TRUE(r.ok()) << test::dump(r);
  EXPECT_TRUE(r.value->metrics.per_collection_triggers);
  EXPECT_FALSE(r.value->metrics.per_collection_skipped);
  EXPECT_TRUE(r.value->metrics.per_collection_job_duration);
  r = test::load("version: 1\nclusters:\n  - name: a\n" + cluster_body);
  ASSERT_TRUE(r.ok()) << test::dump(r);
  EXPECT_EQ(r.value->metrics, metrics_settings{}) << "per cluster by default";
  r = test::load("version: 1\nmetrics: {per_collection: []}\nclusters:\n  - name: a\n" +
                 cluster_body);
  ASSERT_TRUE(r.ok()) << test::dump(r);
  EXPECT_EQ(r.value->metrics, metrics_settings{});
}

TEST(FileErrors, ReportsEveryMistakeOfAFileSortedByPosition) {
  const load_result r = test::load(R"(version: 1
listen: nowhere
defaults:
  timout: 1h
  jitter: 5 m
clusters:
  - name: Prod
    endpoint: ftp://m.example.com
    collections:
      - name: books
        schedule: "@hourly"
        retries: -2
      - name: books
        schedule: every
        external_source: s3://bucket/x/
)");
  ASSERT_FALSE(r.ok());
  std::vector<std::pair<int, int>> positions;
  for (const diagnostic& d : r.errors) {
    positions.emplace_back(d.line, d.column);
  }
  const std::vector<std::pair<int, int>> expected{
      {2, 9},    // listen: no port
      {4, 3},    // timout: did you mean timeout
      {5, 11},   // jitter: spaces
      {7, 5},    // no token source (at the cluster)
      {7, 11},   // invalid cluster name
      {8, 15},   // endpoint scheme
      {12, 18},  // retries -2
      {13, 15},  // duplicate collection
      {14, 19},  // 'every' needs a duration
      {15, 9},   // source without spec
  };
  EXPECT_EQ(positions, expected) << test::dump(r);
  EXPECT_EQ(r.errors.size(), 10u);
}

TEST(FileErrors, ExplicitDocumentStartAndEndAreAccepted) {
  const load_result r = test::load("%YAML 1.2\n---\n" + std::string(test::base_yaml) + "...\n");
  EXPECT_TRUE(r.ok()) << test::dump(r);
}

TEST(FileErrors, FormatsEachErrorAsFileLineColumnPathMessage) {
  const load_result r = test::load(test::with_collection("timeout: 5x"));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(to_string(r.errors[0]),
            "test.yaml:9:18: clusters[0].collections[0].timeout: invalid duration '5x': unknown "
            "unit \"x\" (use d, h, m, s or ms)");
}

}  // namespace
}  // namespace refreshd::config
