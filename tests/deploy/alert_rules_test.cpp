// The shipped alert rules (deploy/prometheus/alerts.yml) and their promtool tests: every
// docs/ALERTS.md alert exists with a severity and annotations naming what is affected, uses only
// catalogue metrics, and has a firing and a silent case in alerts_test.yml. promtool itself runs as
// the deploy.promtool_* ctest tests.

#include <map>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "metric_catalogue.hpp"

namespace {

namespace cat = refreshd::test::catalogue;

const std::string rules_path = std::string(REFRESHD_SOURCE_DIR) + "/deploy/prometheus/alerts.yml";
const std::string tests_path =
    std::string(REFRESHD_SOURCE_DIR) + "/deploy/prometheus/alerts_test.yml";

// docs/ALERTS.md, in its order.
const std::vector<std::string> spec_alerts = {
    "MilvusRefreshFailing",           "MilvusRefreshDataStale",
    "MilvusRefreshJobStuck",          "MilvusRefreshClusterUnsupported",
    "MilvusRefreshClusterAuthFailed", "MilvusRefreshCollectionMisconfigured",
    "MilvusRefreshApiErrorRatioHigh", "MilvusRefreshConfigReloadFailed",
    "MilvusRefreshSchedulerStalled",  "MilvusRefreshDaemonDown",
    "MilvusRefreshQuarantined",
};
const std::set<std::string> per_collection = {
    "MilvusRefreshFailing", "MilvusRefreshDataStale", "MilvusRefreshJobStuck",
    "MilvusRefreshCollectionMisconfigured", "MilvusRefreshQuarantined"};
const std::set<std::string> per_cluster = {"MilvusRefreshClusterUnsupported",
                                           "MilvusRefreshClusterAuthFailed",
                                           "MilvusRefreshApiErrorRatioHigh"};

std::map<std::string, YAML::Node> load_rules() {
  const YAML::Node root = YAML::LoadFile(rules_path);
  std::map<std::string, YAML::Node> rules;
  for (const auto& group : root["groups"]) {
    for (const auto& rule : group["rules"]) {
      if (rule["alert"]) {
        rules.emplace(rule["alert"].as<std::string>(), rule);
      }
    }
  }
  return rules;
}

TEST(AlertRules, DefineEverySpecAlertInOneGroup) {
  const YAML::Node root = YAML::LoadFile(rules_path);
  ASSERT_EQ(root["groups"].size(), 1U);
  const auto rules = load_rules();
  for (const auto& name : spec_alerts) {
    EXPECT_TRUE(rules.contains(name)) << name;
  }
  EXPECT_EQ(rules.size(), spec_alerts.size());
}

TEST(AlertRules, CarrySeverityForAndSummaryDescription) {
  for (const auto& [name, rule] : load_rules()) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(rule["labels"]["severity"]);
    const auto severity = rule["labels"]["severity"].as<std::string>();
    EXPECT_TRUE(severity == "critical" || severity == "warning") << severity;
    EXPECT_TRUE(rule["for"]) << "an explicit for: (0s when the condition is already persistent)";
    EXPECT_FALSE(rule["annotations"]["summary"].as<std::string>("").empty());
    EXPECT_FALSE(rule["annotations"]["description"].as<std::string>("").empty());
  }
}

TEST(AlertRules, AnnotationsNameClusterDatabaseCollection) {
  for (const auto& [name, rule] : load_rules()) {
    SCOPED_TRACE(name);
    const auto text = rule["annotations"]["summary"].as<std::string>() + " " +
                      rule["annotations"]["description"].as<std::string>();
    if (per_collection.contains(name) || per_cluster.contains(name)) {
      EXPECT_NE(text.find("$labels.cluster"), std::string::npos);
    }
    if (per_collection.contains(name)) {
      EXPECT_NE(text.find("$labels.database"), std::string::npos);
      EXPECT_NE(text.find("$labels.collection"), std::string::npos);
    }
    if (!per_collection.contains(name) && !per_cluster.contains(name)) {
      EXPECT_NE(text.find("$labels.instance"), std::string::npos);
    }
  }
}

TEST(AlertRules, UseOnlyCatalogueMetricsAndLabelValues) {
  for (const auto& [name, rule] : load_rules()) {
    SCOPED_TRACE(name);
    const auto expr = rule["expr"].as<std::string>();
    EXPECT_EQ(cat::unknown_metrics(expr), std::vector<std::string>{});
    EXPECT_EQ(cat::bad_label_values(expr), std::vector<std::string>{});
    for (const auto& a : rule["annotations"]) {
      EXPECT_EQ(cat::unknown_metrics(a.second.as<std::string>()), std::vector<std::string>{});
    }
    if (name != "MilvusRefreshDaemonDown") {
      EXPECT_FALSE(cat::metric_names_in(expr).empty()) << expr;
    }
  }
}

TEST(AlertRules, SuspendedAndPausedCollectionsNeverAlertAsStaleOrFailing) {
  const auto rules = load_rules();
  for (const auto* name : {"MilvusRefreshFailing", "MilvusRefreshDataStale"}) {
    const auto expr = rules.at(name)["expr"].as<std::string>();
    EXPECT_NE(
        expr.find(
            R"(unless ignoring(status) (milvus_refresh_collection_status{status=~"suspended|paused"} == 1))"),
        std::string::npos)
        << name << ": " << expr;
  }
}

TEST(AlertRules, EveryAlertHasAFiringAndASilentPromtoolCase) {
  const YAML::Node root = YAML::LoadFile(tests_path);
  ASSERT_EQ(root["rule_files"][0].as<std::string>(), "alerts.yml");
  std::set<std::string> firing;
  std::set<std::string> silent;
  for (const auto& test : root["tests"]) {
    for (const auto& check : test["alert_rule_test"]) {
      const auto name = check["alertname"].as<std::string>();
      (check["exp_alerts"] && check["exp_alerts"].size() > 0 ? firing : silent).insert(name);
    }
  }
  for (const auto& name : spec_alerts) {
    EXPECT_TRUE(firing.contains(name)) << name << " is never shown firing";
    EXPECT_TRUE(silent.contains(name)) << name << " is never shown silent";
  }
}

TEST(MetricCatalogue, FlagsUnknownNamesAndLabelValues) {
  EXPECT_EQ(cat::unknown_metrics("rate(milvus_refresh_job_duration_seconds_bucket[5m])").size(),
            0U);
  EXPECT_EQ(cat::unknown_metrics("milvus_refresh_job_duration_seconds").size(), 1U);
  EXPECT_EQ(cat::unknown_metrics("milvus_refresh_jobs_finished").size(), 1U);
  EXPECT_EQ(cat::unknown_metrics("process_rss_bytes + up").size(), 1U);
  EXPECT_EQ(cat::bad_label_values(R"(x{status="stuck", result!~"ok|duplicate"})").size(), 0U);
  EXPECT_EQ(cat::bad_label_values(R"(x{status="stale"})").size(), 1U);
  EXPECT_EQ(cat::bad_label_values(R"(x{result=~"ok|timeout"})").size(), 1U);
  EXPECT_EQ(cat::bad_label_values(R"(x{result=~".*"})").size(), 0U);
}

}  // namespace
