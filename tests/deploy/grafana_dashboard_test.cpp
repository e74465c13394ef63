// The shipped Grafana dashboard (deploy/grafana/milvus-refreshd.json): valid JSON, a templated
// Prometheus data source, cluster/database/collection variables, panels over the catalogue
// metrics only, and every area the dashboard promises (status, freshness, jobs, API, process).

#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "metric_catalogue.hpp"

namespace {

namespace cat = refreshd::test::catalogue;
using nlohmann::json;

json load_dashboard() {
  std::ifstream in(std::string(REFRESHD_SOURCE_DIR) + "/deploy/grafana/milvus-refreshd.json");
  EXPECT_TRUE(in) << "cannot open the dashboard";
  return json::parse(in);  // throws (and fails the test) on invalid JSON
}

// Panels, including those nested in collapsed rows.
std::vector<json> all_panels(const json& dash) {
  std::vector<json> out;
  for (const auto& p : dash.at("panels")) {
    out.push_back(p);
    for (const auto& inner : p.value("panels", json::array())) {
      out.push_back(inner);
    }
  }
  return out;
}

std::vector<std::string> all_exprs(const json& dash) {
  std::vector<std::string> out;
  for (const auto& p : all_panels(dash)) {
    for (const auto& t : p.value("targets", json::array())) {
      out.push_back(t.at("expr").get<std::string>());
    }
  }
  for (const auto& v : dash.at("templating").at("list")) {
    if (v.at("type") == "query") {
      out.push_back(v.at("definition").get<std::string>());
    }
  }
  return out;
}

const std::string ds_uid = "${DS_PROMETHEUS}";

TEST(GrafanaDashboard, ParsesWithUidTitleAndDatasourceVariable) {
  const json dash = load_dashboard();
  EXPECT_EQ(dash.at("uid"), "milvus-refreshd");
  EXPECT_FALSE(dash.at("title").get<std::string>().empty());
  std::set<std::string> vars;
  for (const auto& v : dash.at("templating").at("list")) {
    vars.insert(v.at("name").get<std::string>());
    if (v.at("name") == "DS_PROMETHEUS") {
      EXPECT_EQ(v.at("type"), "datasource");
      EXPECT_EQ(v.at("query"), "prometheus");
    } else {
      EXPECT_EQ(v.at("datasource").at("uid"), ds_uid) << v.dump();
    }
  }
  for (const auto* name : {"DS_PROMETHEUS", "cluster", "database", "collection"}) {
    EXPECT_TRUE(vars.contains(name)) << name;
  }
}

TEST(GrafanaDashboard, EveryPanelQueriesTheTemplatedDatasource) {
  const json dash = load_dashboard();
  std::set<int> ids;
  for (const auto& p : all_panels(dash)) {
    SCOPED_TRACE(p.value("title", ""));
    EXPECT_TRUE(ids.insert(p.at("id").get<int>()).second) << "duplicate panel id";
    if (p.at("type") == "row") {
      continue;
    }
    EXPECT_EQ(p.at("datasource").at("uid"), ds_uid);
    ASSERT_FALSE(p.at("targets").empty());
    for (const auto& t : p.at("targets")) {
      EXPECT_EQ(t.at("datasource").at("uid"), ds_uid);
      EXPECT_FALSE(t.at("expr").get<std::string>().empty());
    }
  }
}

TEST(GrafanaDashboard, ExpressionsUseOnlyCatalogueMetricsAndLabelValues) {
  const json dash = load_dashboard();
  const auto exprs = all_exprs(dash);
  ASSERT_GT(exprs.size(), 20U);
  for (const auto& e : exprs) {
    EXPECT_EQ(cat::unknown_metrics(e), std::vector<std::string>{});
    EXPECT_EQ(cat::bad_label_values(e), std::vector<std::string>{});
    EXPECT_FALSE(cat::metric_names_in(e).empty()) << e;
  }
}

TEST(GrafanaDashboard, PerClusterFamiliesAreNeitherFilteredNorGroupedByCollection) {
  // A per-cluster series has no database or collection label: `collection=~"$collection"`
  // would hide it as soon as one collection is picked, and `by (collection)` would merge all.
  const json dash = load_dashboard();
  for (const auto& e : all_exprs(dash)) {
    bool per_cluster = false;
    for (const auto& name : cat::metric_names_in(e)) {
      per_cluster = per_cluster || cat::per_cluster_metrics.contains(cat::family_of(name));
    }
    if (per_cluster) {
      EXPECT_EQ(e.find("collection"), std::string::npos) << e;
      EXPECT_EQ(e.find("database"), std::string::npos) << e;
    }
  }
}

TEST(GrafanaDashboard, ExpressionsReferOnlyToDefinedVariables) {
  const json dash = load_dashboard();
  std::set<std::string> vars;
  for (const auto& v : dash.at("templating").at("list")) {
    vars.insert(v.at("name").get<std::string>());
  }
  static const std::regex var_re(R"(\$\{?([A-Za-z_][A-Za-z0-9_]*))");
  for (const auto& e : all_exprs(dash)) {
    for (auto it = std::sregex_iterator(e.begin(), e.end(), var_re); it != std::sregex_iterator();
         ++it) {
      const auto name = (*it)[1].str();
      if (name.starts_with("__") || std::isdigit(static_cast<unsigned char>(name[0])) != 0) {
        continue;  // Grafana built-ins ($__rate_interval, $__range)
      }
      EXPECT_TRUE(vars.contains(name)) << "$" << name << " in " << e;
    }
  }
}

TEST(GrafanaDashboard, CoversStatusFreshnessJobsApiAndProcess) {
  const json dash = load_dashboard();
  std::set<std::string> used;
  for (const auto& e : all_exprs(dash)) {
    for (auto& n : cat::metric_names_in(e)) {
      used.insert(std::move(n));
    }
  }
  for (const auto* name :
       {"milvus_refresh_collection_status", "milvus_refresh_collection_info",
        "milvus_refresh_last_success_timestamp_seconds", "milvus_refresh_freshness_target_seconds",
        "milvus_refresh_job_progress_ratio", "milvus_refresh_next_run_timestamp_seconds",
        "milvus_refresh_consecutive_failures", "milvus_refresh_last_job_duration_seconds",
        "milvus_refresh_triggers_total", "milvus_refresh_jobs_finished_total",
        "milvus_refresh_skipped_total", "milvus_refresh_triggers_lost_total",
        "milvus_refresh_api_requests_total", "milvus_refresh_api_request_duration_seconds_bucket",
        "milvus_refresh_job_duration_seconds_bucket", "process_resident_memory_bytes",
        "process_cpu_seconds_total", "milvus_refresh_config_last_reload_successful",
        "milvus_refresh_scheduler_last_tick_timestamp_seconds"}) {
    EXPECT_TRUE(used.contains(name)) << name << " is on no panel";
  }
}

TEST(GrafanaDashboard, PanelsDoNotOverlap) {
  const json dash = load_dashboard();
  struct box {
    int x, y, w, h;
    std::string title;
  };
  std::vector<box> boxes;
  for (const auto& p : dash.at("panels")) {
    const auto& g = p.at("gridPos");
    boxes.push_back({g.at("x"), g.at("y"), g.at("w"), g.at("h"), p.value("title", "")});
    EXPECT_LE(boxes.back().x + boxes.back().w, 24) << boxes.back().title;
  }
  for (std::size_t i = 0; i < boxes.size(); ++i) {
    for (std::size_t j = i + 1; j < boxes.size(); ++j) {
      const auto& a = boxes[i];
      const auto& b = boxes[j];
      const bool apart =
          a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
      EXPECT_TRUE(apart) << a.title << " overlaps " << b.title;
    }
  }
}

}  // namespace
