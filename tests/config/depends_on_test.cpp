// depends_on (docs/SCHEDULES.md "depends_on"): references, the errors of a bad graph, the order.
#include <gtest/gtest.h>

#include "config_test_support.hpp"

namespace refreshd::config {
namespace {

using namespace std::chrono_literals;

std::string graph(const std::string& collections, const std::string& more_clusters = "") {
  return R"(version: 1
defaults:
  schedule: "@hourly"
clusters:
  - name: prod
    endpoint: https://m.example.com
    token_env: TOKEN
    collections:
)" + collections +
         more_clusters;
}

const std::string staging = R"(  - name: staging
    endpoint: https://s.example.com
    token_env: TOKEN
    database: lake
    collections:
      - name: raw
)";

TEST(DependsOn, ReferencesAreCompletedWithTheCollectionsClusterAndDatabase) {
  const auto r = test::load(graph(R"(      - name: books
      - name: authors
        database: hr
      - name: joined
        depends_on: [books, hr/authors, staging/lake/raw]
)",
                                  staging));
  ASSERT_TRUE(r.ok()) << test::dump(r);
  const auto& joined = *r.value->clusters[0].collections[2].settings;
  EXPECT_EQ(joined.depends_on, (std::vector<std::string>{"prod/default/books", "prod/hr/authors",
                                                         "staging/lake/raw"}));
  EXPECT_TRUE(joined.schedule.empty()) << "depends_on replaces the inherited schedule";
  EXPECT_EQ(timing_text(joined),
            "depends_on prod/default/books, prod/hr/authors, staging/lake/raw");
  EXPECT_TRUE(r.value->clusters[0].collections[0].settings->depends_on.empty());
  EXPECT_EQ(r.value->clusters[0].collections[0].settings->schedule, "@hourly");
}

TEST(DependsOn, NeedsNoScheduleAnywhere) {
  const auto r = test::load(R"(version: 1
clusters:
  - name: prod
    endpoint: https://m.example.com
    token_env: TOKEN
    collections:
      - name: books
        schedule: every 10m
      - name: joined
        depends_on: [books]
        min_interval: 5m
)");
  ASSERT_TRUE(r.ok()) << test::dump(r);
  EXPECT_EQ(r.value->clusters[0].collections[1].settings->min_interval, 5min);
}

struct bad_graph {
  const char* name;
  std::string text;
  const char* at;  // ":line:column:"
  const char* message;
};

class DependsOnErrors : public ::testing::TestWithParam<bad_graph> {};

TEST_P(DependsOnErrors, AreReportedWithTheirPlace) {
  const auto r = test::load(GetParam().text);
  ASSERT_FALSE(r.ok());
  const std::string text = test::dump(r);
  EXPECT_NE(text.find(GetParam().at), std::string::npos) << text;
  EXPECT_NE(text.find(GetParam().message), std::string::npos) << text;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, DependsOnErrors,
    ::testing::Values(
        bad_graph{"Missing", graph("      - name: books\n      - {name: j, depends_on: [bokos]}\n"),
                  ":10:32:",
                  "upstream prod/default/bokos is not a configured collection (did you mean "
                  "'prod/default/books'?)"},
        bad_graph{"MissingCluster",
                  graph("      - {name: j, depends_on: [nowhere/default/books]}\n"),
                  ":9:32:", "upstream nowhere/default/books is not a configured collection"},
        bad_graph{"Self", graph("      - {name: j, depends_on: [j]}\n"),
                  ":9:32:", "a collection cannot depend on itself (prod/default/j)"},
        bad_graph{"Twice",
                  graph("      - name: a\n      - {name: j, depends_on: [a, default/a]}\n"),
                  ":10:35:", "upstream prod/default/a is listed twice"},
        bad_graph{"TooManyParts", graph("      - {name: j, depends_on: [a/b/c/d]}\n"), ":9:32:",
                  "upstream 'a/b/c/d': expected 'collection', 'database/collection' or "
                  "'cluster/database/collection'"},
        bad_graph{"BadName", graph("      - {name: j, depends_on: [default/9a]}\n"),
                  ":9:32:", "upstream 'default/9a': invalid collection name '9a'"},
        bad_graph{"Empty", graph("      - {name: j, depends_on: []}\n"),
                  ":9:31:", "depends_on is empty"},
        bad_graph{"NotASequence", graph("      - {name: j, depends_on: a}\n"),
                  ":9:31:", "expected a sequence"},
        bad_graph{"WithASchedule",
                  graph("      - name: a\n      - {name: j, schedule: '@daily', depends_on: "
                        "[a]}\n"),
                  ":10:39:", "set either 'schedule' or 'depends_on' on a collection, not both"},
        bad_graph{"WithTargetLag",
                  graph("      - name: a\n      - {name: j, target_lag: 1h, depends_on: [a]}\n"),
                  ":10:35:", "set either 'target_lag' or 'depends_on'"},
        bad_graph{"InDefaults",
                  R"(version: 1
defaults:
  depends_on: [a]
clusters: []
)",
                  ":3:3:", "'depends_on' is set per collection"},
        bad_graph{"OnACluster",
                  R"(version: 1
clusters:
  - name: prod
    endpoint: https://m.example.com
    token_env: TOKEN
    depends_on: [a]
    collections: []
)",
                  ":6:5:", "'depends_on' is set per collection"},
        bad_graph{"Cycle",
                  graph("      - {name: a, depends_on: [c]}\n      - {name: b, depends_on: [a]}\n"
                        "      - {name: c, depends_on: [b]}\n"),
                  ":9:19:",
                  "dependency cycle: prod/default/a → prod/default/c → prod/default/b → "
                  "prod/default/a (each depends on the next)"},
        bad_graph{
            "CycleAcrossClusters",
            graph("      - {name: a, depends_on: [staging/lake/raw]}\n",
                  staging + "        depends_on: [prod/default/a]\n"),
            ":9:19:", "dependency cycle: prod/default/a → staging/lake/raw → prod/default/a"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(DependsOn, TheOrderPutsUpstreamsFirst) {
  const auto r = test::load(graph(R"(      - {name: report, depends_on: [joined, books]}
      - {name: lonely}
      - {name: joined, depends_on: [books, staging/lake/raw]}
      - {name: books}
)",
                                  staging));
  ASSERT_TRUE(r.ok()) << test::dump(r);
  const auto order = dependency_order(*r.value);
  std::vector<std::string> keys;
  for (const auto& n : order) {
    keys.push_back(n.key);
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"prod/default/books", "staging/lake/raw",
                                            "prod/default/joined", "prod/default/report"}))
      << "a collection outside the graph (lonely) is left out";
  EXPECT_EQ(order[3].upstreams,
            (std::vector<std::string>{"prod/default/joined", "prod/default/books"}));
  EXPECT_TRUE(order[0].upstreams.empty());
}

TEST(DependsOn, GroupsLinkEveryCollectionOfAComponentToItsSmallestKey) {
  const auto r = test::load(graph(R"(      - {name: report, depends_on: [joined]}
      - {name: lonely}
      - {name: joined, depends_on: [staging/lake/raw]}
      - {name: other, depends_on: [lonely]}
)",
                                  staging));
  ASSERT_TRUE(r.ok()) << test::dump(r);
  const auto groups = dependency_groups(*r.value);
  EXPECT_EQ(groups.size(), 5U);
  EXPECT_EQ(groups.at("prod/default/report"), "prod/default/joined");
  EXPECT_EQ(groups.at("staging/lake/raw"), "prod/default/joined");
  EXPECT_EQ(groups.at("prod/default/joined"), "prod/default/joined");
  EXPECT_EQ(groups.at("prod/default/other"), "prod/default/lonely");
  EXPECT_EQ(groups.at("prod/default/lonely"), "prod/default/lonely");
}

TEST(DependsOn, ADependentSharesNoSettingsWithOthersUnlessItsUpstreamsAreTheSame) {
  const auto r = test::load(graph(R"(      - {name: a}
      - {name: b}
      - {name: x, depends_on: [a]}
      - {name: y, depends_on: [a]}
      - {name: z, depends_on: [b]}
)"));
  ASSERT_TRUE(r.ok()) << test::dump(r);
  const auto& cols = r.value->clusters[0].collections;
  EXPECT_EQ(&*cols[2].settings, &*cols[3].settings) << "equal settings are shared";
  EXPECT_NE(&*cols[2].settings, &*cols[4].settings);
  EXPECT_EQ(&*cols[0].settings, &*cols[1].settings);
}

}  // namespace
}  // namespace refreshd::config
