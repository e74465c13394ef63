// The docs/METRICS.md catalogue over a mock-clock runtime driven against the in-memory cluster
// model: every family from startup, closed label sets, values that follow the state, no secrets,
// and `promtool check metrics` on a real scrape.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <unistd.h>

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <refreshd/config/version.hpp>
#include <refreshd/daemon/runtime_metrics.hpp>
#include <refreshd/runtime/mock_clock.hpp>
#include <refreshd/runtime/runtime_mock.hpp>
#include <refreshd/test/child_process.hpp>
#include <refreshd/test/model_cluster.hpp>
#include <refreshd/test/quiet_logger.hpp>

#include "metrics_scrape.hpp"

namespace refreshd::daemon {
namespace {

using namespace std::chrono_literals;
using test::advance_and_poll;
using test::mock_clock;
using test::model_cluster;
using test::parsed_scrape;
using test::series;
using labels = std::vector<std::pair<std::string, std::string>>;

// 2026-11-22T10:00:00.000Z.
const auto t10 = std::chrono::system_clock::time_point(1'795'341'600s);
const std::string m = "milvus_refresh_";

class Metrics : public ::testing::Test {
 protected:
  void SetUp() override { mock_clock::reset(t10 + 1s); }
  void TearDown() override {
    if (rt_) {
      rt_->stop();
      advance_and_poll(ioc_, 100ms);
      metrics_.reset();
      rt_.reset();
    }
  }

  /// A cluster with `n` collections ext_0.. on `schedule` (no catch-up).
  config::cluster& cluster(const std::string& name, int n, const std::string& schedule) {
    auto& c = cfg_->clusters.emplace_back();
    c.name = name;
    c.endpoint = "http://model.example:19530";
    c.token.kind = config::token_kind::literal;
    c.token.literal = config::secret_string("tok-LITERAL-123");
    for (int i = 0; i < n; ++i) {
      auto& col = c.collections.emplace_back();
      col.name = "ext_" + std::to_string(i);
      col.database = "default";
      col.settings.edit().schedule = schedule;
      col.settings.edit().catch_up = false;
      col.settings.edit().poll.initial = 500ms;
      col.settings.edit().poll.max = 5s;
      models_[name].collections[col.name] = model_cluster::behaviour{};
    }
    return c;
  }
  void start() {
    runtime_options o;
    o.seed = 42;
    rt_ = basic_runtime<mock_clock>::create(
        ioc_.get_executor(), cfg_,
        [this](executor, const config::cluster& c, std::string) {
          return cluster_client{std::make_unique<test::model_api>(models_[c.name]), {}};
        },
        o);
    metrics_ = std::make_unique<basic_runtime_metrics<mock_clock>>(*rt_);
    metrics_->attach();
    rt_->start();
  }
  void run_for(mock_clock::duration d) { advance_and_poll(ioc_, d, 10ms); }
  parsed_scrape scrape() const { return parsed_scrape::parse(metrics_->scrape()); }
  const collection_state& state(std::size_t i) const { return rt_->collections()[i].state; }

  /// A per-collection series of cluster "prod", database "default".
  static std::string cs(const std::string& name, const std::string& col, labels extra = {},
                        const std::string& cl = "prod") {
    labels l{{"cluster", cl}, {"database", "default"}, {"collection", col}};
    l.insert(l.end(), extra.begin(), extra.end());
    return series(m + name, l);
  }
  static double secs(const std::optional<wall_time>& t) {
    return t ? static_cast<double>(t->time_since_epoch().count()) / 1000.0 : 0;
  }

  net::io_context ioc_;
  std::shared_ptr<config::config> cfg_ = std::make_shared<config::config>();
  std::map<std::string, model_cluster> models_;
  std::shared_ptr<basic_runtime<mock_clock>> rt_;
  std::unique_ptr<basic_runtime_metrics<mock_clock>> metrics_;
  test::quiet_logger quiet_;
};

const std::map<std::string, std::string> catalogue = {
    {m + "collection_info", "gauge"},
    {m + "collection_status", "gauge"},
    {m + "job_progress_ratio", "gauge"},
    {m + "last_success_timestamp_seconds", "gauge"},
    {m + "last_failure_timestamp_seconds", "gauge"},
    {m + "last_trigger_timestamp_seconds", "gauge"},
    {m + "next_run_timestamp_seconds", "gauge"},
    {m + "freshness_target_seconds", "gauge"},
    {m + "consecutive_failures", "gauge"},
    {m + "last_job_duration_seconds", "gauge"},
    {m + "triggers_total", "counter"},
    {m + "skipped_total", "counter"},
    {m + "jobs_finished_total", "counter"},
    {m + "triggers_lost_total", "counter"},
    {m + "job_duration_seconds", "histogram"},
    {m + "api_requests_total", "counter"},
    {m + "api_request_duration_seconds", "histogram"},
    {m + "config_last_reload_successful", "gauge"},
    {m + "config_last_reload_success_timestamp_seconds", "gauge"},
    {m + "scheduler_last_tick_timestamp_seconds", "gauge"},
    {m + "build_info", "gauge"},
    {m + "scrape_series", "gauge"},
    {"process_cpu_seconds_total", "counter"},
    {"process_resident_memory_bytes", "gauge"},
    {"process_virtual_memory_bytes", "gauge"},
    {"process_open_fds", "gauge"},
    {"process_max_fds", "gauge"},
    {"process_start_time_seconds", "gauge"},
};

TEST_F(Metrics, EveryFamilyAndPerCollectionSeriesExistsRightAfterStart) {
  cluster("prod", 3, "every 1h").collections[2].suspend = true;
  cluster("staging", 1, "*/15 * * * *").collections[0].settings.edit().timezone = "Europe/Paris";
  start();
  const auto s = scrape();
  for (const auto& [name, type] : catalogue) {
    ASSERT_TRUE(s.types.contains(name)) << name;
    EXPECT_EQ(s.types.at(name), type) << name;
    EXPECT_FALSE(s.help.at(name).empty()) << name;
  }
  EXPECT_EQ(s.count(m + "collection_info"), 4u);
  EXPECT_EQ(
      s.value(cs("collection_info", "ext_0", {{"schedule", "every 1h"}, {"timezone", "UTC"}})), 1);
  EXPECT_EQ(s.value(cs("collection_info", "ext_0",
                       {{"schedule", "*/15 * * * *"}, {"timezone", "Europe/Paris"}}, "staging")),
            1);
  EXPECT_EQ(s.count(m + "collection_status"), 4u) << "one series per collection";
  for (const auto& [cl, col] :
       {std::pair{"prod", "ext_0"}, {"prod", "ext_1"}, {"prod", "ext_2"}, {"staging", "ext_0"}}) {
    double statuses = 0;
    for (const auto st : all_statuses) {
      const auto v =
          s.value(cs("collection_status", col, {{"status", std::string(to_string(st))}}, cl));
      statuses += std::max(v, 0.0);  // absent: -1
    }
    EXPECT_EQ(statuses, 1) << "the current status only " << cl << "/" << col;
    for (const auto* g :
         {"job_progress_ratio", "last_success_timestamp_seconds", "last_failure_timestamp_seconds",
          "last_trigger_timestamp_seconds", "consecutive_failures", "last_job_duration_seconds"}) {
      EXPECT_EQ(s.value(cs(g, col, {}, cl)), 0) << g << " " << cl << "/" << col;
    }
    EXPECT_EQ(s.value(cs("freshness_target_seconds", col, {}, cl)), 7200);
    for (const auto* o : {"completed", "failed"}) {
      EXPECT_EQ(s.value(cs("jobs_finished_total", col, {{"outcome", o}}, cl)), 0) << o;
    }
  }
  // Triggers, skips and job durations are per cluster (docs/METRICS.md).
  for (const auto* cl : {"prod", "staging"}) {
    const labels by_cluster{{"cluster", cl}};
    EXPECT_EQ(s.value(series(m + "triggers_total", by_cluster)), 0) << cl;
    EXPECT_EQ(s.value(series(m + "triggers_lost_total", by_cluster)), 0) << cl;
    for (const auto* r : {"already_running", "suspended", "limit"}) {
      EXPECT_EQ(s.value(series(m + "skipped_total", {{"cluster", cl}, {"reason", r}})), 0) << r;
    }
    EXPECT_EQ(s.value(series(m + "job_duration_seconds_count", by_cluster)), 0);
    EXPECT_EQ(s.value(series(m + "job_duration_seconds_bucket", {{"cluster", cl}, {"le", "+Inf"}})),
              0);
    EXPECT_EQ(s.value(series(m + "job_duration_seconds_bucket", {{"cluster", cl}, {"le", "3600"}})),
              0);
  }
  EXPECT_EQ(s.count(m + "triggers_total"), 2u) << "no per-collection series by default";
  EXPECT_EQ(s.value(cs("collection_status", "ext_0", {{"status", "idle"}})), 1);
  EXPECT_EQ(s.value(cs("collection_status", "ext_2", {{"status", "suspended"}})), 1);
  EXPECT_EQ(s.count(m + "job_duration_seconds_bucket"), 2 * (job_duration_buckets.size() + 1));
  const auto results = api_result_labels();
  EXPECT_EQ(s.count(m + "api_requests_total"), 2 * 3 * results.size()) << "2 clusters x 3 ops";
  EXPECT_EQ(s.value(series(m + "api_requests_total",
                           {{"cluster", "staging"}, {"operation", "refresh"}, {"result", "ok"}})),
            0);
  EXPECT_EQ(s.count(m + "api_request_duration_seconds_count"), 6u);
  EXPECT_EQ(s.value(m + "config_last_reload_successful"), 1);
  EXPECT_EQ(s.value(m + "config_last_reload_success_timestamp_seconds"), 1'795'341'601);
  EXPECT_EQ(s.value(m + "scheduler_last_tick_timestamp_seconds"), 0) << "no tick yet";
  EXPECT_EQ(s.value(series(m + "build_info", {{"version", std::string(version())},
                                              {"revision", std::string(git_revision())}})),
            1);
  EXPECT_EQ(s.value(m + "scrape_series"), 0) << "no scrape before this one";
  const auto second = scrape();
  EXPECT_EQ(second.value(m + "scrape_series"), static_cast<double>(s.samples.size()))
      << "the sample lines of the previous scrape";
}

/// The sample lines of one scrape of a runtime over `n` collections in one cluster.
std::size_t samples_with(int n, config::metrics_settings settings) {
  net::io_context ioc;
  auto cfg = std::make_shared<config::config>();
  cfg->metrics = settings;
  auto& c = cfg->clusters.emplace_back();
  c.name = "prod";
  c.endpoint = "http://model.example:19530";
  model_cluster model;
  for (int i = 0; i < n; ++i) {
    auto& col = c.collections.emplace_back();
    col.name = "ext_" + std::to_string(i);
    col.database = "default";
    col.settings.edit().schedule = "every 1h";
    col.settings.edit().catch_up = false;
    model.collections[col.name] = model_cluster::behaviour{};
  }
  auto rt = basic_runtime<mock_clock>::create(
      ioc.get_executor(), cfg,
      [&model](executor, const config::cluster&, std::string) {
        return cluster_client{std::make_unique<test::model_api>(model), {}};
      },
      runtime_options{.seed = 1});
  basic_runtime_metrics<mock_clock> metrics(*rt);
  metrics.attach();
  rt->start();
  advance_and_poll(ioc, 2s, 10ms);
  const auto samples = parsed_scrape::parse(metrics.scrape()).samples.size();
  rt->stop();
  advance_and_poll(ioc, 100ms);
  return samples;
}

TEST_F(Metrics, ACollectionCostsTwelveSeriesAndTheOptInDetailReplacesThePerClusterOnes) {
  // docs/METRICS.md "Cardinality": 12 series per collection by default.
  const auto one = samples_with(1, {});
  const auto hundred_one = samples_with(101, {});
  EXPECT_EQ(hundred_one - one, 100u * 12u);
  // metrics.per_collection: [triggers, skipped, job_duration] adds 2 + 3 + 19 per collection
  // (16 buckets, +Inf, sum, count) and drops the 2 + 3 + 19 series of the cluster.
  const config::metrics_settings all{true, true, true};
  const auto one_all = samples_with(1, all);
  EXPECT_EQ(samples_with(101, all) - one_all, 100u * (12u + 24u));
  EXPECT_EQ(one_all, one) << "one collection: its series replace the cluster's, one for one";
  EXPECT_EQ(samples_with(101, {true, false, false}) - one, 100u * (12u + 2u));
}

TEST_F(Metrics, ReadyWhenRequestsAreCountedOnlyWhereTheyAreSent) {
  cluster("prod", 1, "every 10s").collections[0].settings.edit().ready_when =
      config::ready_condition::indexed;
  models_["prod"].collections["ext_0"].indexing = 3s;
  cluster("plain", 1, "every 10s");
  start();
  run_for(25s);
  const auto s = scrape();
  const auto index_calls =
      s.value(series(m + "api_requests_total",
                     {{"cluster", "prod"}, {"operation", "index_describe"}, {"result", "ok"}}));
  EXPECT_GE(index_calls, 2) << "the index followed until it caught up";
  EXPECT_EQ(index_calls, static_cast<double>(rt_->clusters()[0]->requests.get(
                             client::operation::index_describe, "ok")));
  EXPECT_GE(s.value(series(m + "api_request_duration_seconds_count",
                           {{"cluster", "prod"}, {"operation", "index_list"}})),
            1);
  EXPECT_EQ(s.value(series(m + "api_request_duration_seconds_count",
                           {{"cluster", "plain"}, {"operation", "index_list"}})),
            -1)
      << "a cluster that never waits for servability keeps its three histograms";
  EXPECT_GT(secs(state(0).last_success), 0);
}

TEST_F(Metrics, TargetLagCollectionsExportTheirLagAndExpectedDurationOnly) {
  auto& c = cluster("prod", 2, "every 1h");
  c.collections[0].settings.edit().target_lag = 10min;
  models_["prod"].collections["ext_0"].running = 60s;
  start();
  run_for(90s);  // ext_0 triggered at once (never ready), its job done after a minute
  auto s = scrape();
  EXPECT_EQ(s.types.at(m + "lag_seconds"), "gauge");
  EXPECT_EQ(s.types.at(m + "expected_duration_seconds"), "gauge");
  EXPECT_EQ(s.count(m + "lag_seconds"), 1u) << "the target_lag collection only";
  EXPECT_EQ(s.count(m + "expected_duration_seconds"), 1u);
  const double lag = s.value(cs("lag_seconds", "ext_0"));
  EXPECT_GE(lag, 0);
  EXPECT_LE(lag, 40) << "ready about 30 s ago";
  EXPECT_NEAR(s.value(cs("expected_duration_seconds", "ext_0")), 61, 6)
      << "learned from the one refresh (trigger to ready)";
  EXPECT_EQ(s.value(cs("collection_info", "ext_0",
                       {{"schedule", "target_lag 10m"}, {"timezone", "UTC"}})),
            1);
  EXPECT_EQ(s.value(cs("lag_seconds", "ext_1")), -1) << "a scheduled collection: absent";
}

TEST_F(Metrics, DependentCollectionsExportWhetherAFailedUpstreamHoldsThem) {
  auto& c = cluster("prod", 3, "every 1m");
  for (const int i : {1, 2}) {
    auto& d = c.collections[static_cast<std::size_t>(i)].settings.edit();
    d.schedule.clear();
    d.depends_on = {"prod/default/ext_0"};
  }
  models_["prod"].collections["ext_0"].fail = true;
  c.collections[0].settings.edit().retries = 0;
  start();
  run_for(70s);  // ext_0's 10:01 slot failed
  auto s = scrape();
  EXPECT_EQ(s.types.at(m + "upstream_held"), "gauge");
  EXPECT_EQ(s.count(m + "upstream_held"), 2u) << "the two dependents only";
  EXPECT_EQ(s.value(cs("upstream_held", "ext_1")), 1);
  EXPECT_EQ(s.value(cs("upstream_held", "ext_0")), -1);
  EXPECT_EQ(s.value(cs("collection_info", "ext_1",
                       {{"schedule", "depends_on prod/default/ext_0"}, {"timezone", "UTC"}})),
            1);
  models_["prod"].collections["ext_0"].fail = false;
  run_for(60s);
  s = scrape();
  EXPECT_EQ(s.value(cs("upstream_held", "ext_1")), 0) << "released by the upstream's success";
}

TEST_F(Metrics, LabelValuesComeFromClosedSets) {
  cluster("prod", 2, "every 10s");
  start();
  run_for(15s);
  const auto s = scrape();
  const std::set<std::string> statuses{"idle",          "running",     "stuck",       "failing",
                                       "misconfigured", "unsupported", "auth_failed", "suspended"};
  for (const auto& v : s.label_values(m + "collection_status", "status")) {
    EXPECT_TRUE(statuses.contains(v)) << v;
  }
  EXPECT_EQ(s.label_values(m + "skipped_total", "reason"),
            (std::set<std::string>{"already_running", "suspended", "limit"}));
  EXPECT_EQ(s.label_values(m + "jobs_finished_total", "outcome"),
            (std::set<std::string>{"completed", "failed"}));
  EXPECT_EQ(s.label_values(m + "api_requests_total", "operation"),
            (std::set<std::string>{"refresh", "describe", "list"}));
  EXPECT_EQ(s.label_values(m + "api_requests_total", "result"),
            (std::set<std::string>{"ok", "transient", "rate_limited", "unauthenticated",
                                   "unsupported", "not_found", "no_source", "duplicate",
                                   "job_not_found", "invalid", "bad_response"}));
  EXPECT_EQ(s.label_values(m + "collection_info", "collection"),
            (std::set<std::string>{"ext_0", "ext_1"}));
}

TEST_F(Metrics, CountersGaugesAndHistogramsFollowTheRuntime) {
  cluster("prod", 3, "every 10s").collections[2].suspend = true;
  models_["prod"].collections["ext_1"].fail = true;
  cfg_->metrics = config::metrics_settings{true, true, true};  // every family per collection
  start();
  run_for(35s);
  const auto s = scrape();
  for (std::size_t i = 0; i < 3; ++i) {
    const auto col = "ext_" + std::to_string(i);
    const auto& st = state(i);
    EXPECT_EQ(
        s.value(cs("collection_status", col, {{"status", std::string(to_string(st.current))}})), 1)
        << col;
    EXPECT_EQ(s.value(cs("triggers_total", col)), static_cast<double>(st.counters.triggers));
    EXPECT_EQ(s.value(cs("jobs_finished_total", col, {{"outcome", "completed"}})),
              static_cast<double>(st.counters.finished.completed));
    EXPECT_EQ(s.value(cs("jobs_finished_total", col, {{"outcome", "failed"}})),
              static_cast<double>(st.counters.finished.failed));
    EXPECT_EQ(s.value(cs("consecutive_failures", col)), st.consecutive_failures);
    EXPECT_EQ(s.value(cs("last_success_timestamp_seconds", col)), secs(st.last_success));
    EXPECT_EQ(s.value(cs("last_failure_timestamp_seconds", col)), secs(st.last_failure));
    EXPECT_EQ(s.value(cs("last_trigger_timestamp_seconds", col)), secs(st.last_trigger));
    EXPECT_EQ(s.value(cs("next_run_timestamp_seconds", col)), secs(st.next_run));
    // Model jobs take 1.1 s (100 ms pending + 1 s running): all in the 5 s bucket.
    const auto jobs =
        static_cast<double>(st.counters.finished.completed + st.counters.finished.failed);
    EXPECT_EQ(s.value(cs("job_duration_seconds_count", col)), jobs) << col;
    EXPECT_EQ(s.value(cs("job_duration_seconds_bucket", col, {{"le", "1"}})), 0);
    EXPECT_EQ(s.value(cs("job_duration_seconds_bucket", col, {{"le", "5"}})), jobs);
    EXPECT_NEAR(s.value(cs("job_duration_seconds_sum", col)), 1.1 * jobs, 1e-9);
  }
  EXPECT_GE(s.value(cs("jobs_finished_total", "ext_0", {{"outcome", "completed"}})), 3);
  EXPECT_GE(s.value(cs("jobs_finished_total", "ext_1", {{"outcome", "failed"}})), 1);
  EXPECT_GE(s.value(cs("consecutive_failures", "ext_1")), 1);
  EXPECT_GT(s.value(cs("last_success_timestamp_seconds", "ext_0")), 1'795'341'600);
  EXPECT_GT(s.value(cs("next_run_timestamp_seconds", "ext_0")), 1'795'341'635);
  EXPECT_GE(s.value(cs("skipped_total", "ext_2", {{"reason", "suspended"}})), 3);
  EXPECT_EQ(s.value(cs("triggers_total", "ext_2")), 0);

  const auto& requests = rt_->clusters()[0]->requests;
  for (const auto op :
       {client::operation::refresh, client::operation::describe, client::operation::list}) {
    const std::string o(client::to_string(op));
    double calls = 0;
    for (const auto r : api_result_labels()) {
      const auto v =
          s.value(series(m + "api_requests_total",
                         {{"cluster", "prod"}, {"operation", o}, {"result", std::string(r)}}));
      EXPECT_EQ(v, static_cast<double>(requests.get(op, r))) << o << " " << r;
      calls += v;
    }
    EXPECT_GT(calls, 0) << o;
    EXPECT_EQ(s.value(series(m + "api_request_duration_seconds_count",
                             {{"cluster", "prod"}, {"operation", o}})),
              calls)
        << "every call observed once";
  }
  EXPECT_EQ(s.value(m + "scheduler_last_tick_timestamp_seconds"), secs(rt_->last_tick()));
  EXPECT_GT(s.value(m + "scheduler_last_tick_timestamp_seconds"), 1'795'341'630);
  EXPECT_EQ(s.count(m + "triggers_total"), 3u) << "per collection, no per-cluster series";
  EXPECT_EQ(s.count(m + "job_duration_seconds_count"), 3u);
}

TEST_F(Metrics, PerClusterFamiliesSumTheCollectionsAndAReloadDoesNotLowerThem) {
  cluster("prod", 3, "every 10s").collections[2].suspend = true;
  models_["prod"].collections["ext_1"].fail = true;
  cluster("staging", 1, "every 1h");
  start();
  run_for(35s);
  auto s = scrape();
  counter_sums sum;
  std::uint64_t jobs = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& k = state(i).counters;
    add_difference(sum, collection_counters{}, k);
    jobs += k.finished.completed + k.finished.failed;
    EXPECT_EQ(s.value(cs("last_job_duration_seconds", "ext_" + std::to_string(i))),
              i == 2 ? 0 : 1.1)
        << "model jobs take 1.1 s";
  }
  const labels prod{{"cluster", "prod"}};
  ASSERT_GT(sum.triggers, 3u);
  EXPECT_EQ(s.value(series(m + "triggers_total", prod)), static_cast<double>(sum.triggers));
  EXPECT_EQ(s.value(series(m + "triggers_lost_total", prod)), 0);
  EXPECT_EQ(s.value(series(m + "skipped_total", {{"cluster", "prod"}, {"reason", "suspended"}})),
            static_cast<double>(sum.skipped.suspended));
  EXPECT_GE(sum.skipped.suspended, 3u);
  EXPECT_EQ(s.value(series(m + "job_duration_seconds_count", prod)), static_cast<double>(jobs));
  EXPECT_NEAR(s.value(series(m + "job_duration_seconds_sum", prod)),
              1.1 * static_cast<double>(jobs), 1e-9);
  EXPECT_EQ(s.value(series(m + "triggers_total", {{"cluster", "staging"}})), 0)
      << "its first slot is an hour away: another cluster's counts are its own";

  // A reload removes ext_0: the cluster's counters keep what it counted.
  const double before = s.value(series(m + "triggers_total", prod));
  auto next = std::make_shared<config::config>(*cfg_);
  next->clusters[0].collections.erase(next->clusters[0].collections.begin());
  ASSERT_TRUE(rt_->can_apply_config());
  rt_->apply_config(next);
  s = scrape();
  EXPECT_GE(s.value(series(m + "triggers_total", prod)), before) << "never lower";
  EXPECT_LT(
      s.value(cs("collection_info", "ext_0", {{"schedule", "every 10s"}, {"timezone", "UTC"}})), 0)
      << "the removed collection's own series are gone";
  run_for(20s);
  EXPECT_GT(scrape().value(series(m + "triggers_total", prod)), before) << "and it goes on";
}

TEST_F(Metrics, ProgressRatioFollowsTheRunningJobAndACompletedJobShowsOne) {
  cluster("prod", 1, "every 1h");
  models_["prod"].collections["ext_0"] = model_cluster::behaviour{100ms, 100s, false};
  models_["prod"].start_job("ext_0");  // adopted at startup
  start();
  run_for(50s);
  auto s = scrape();
  ASSERT_TRUE(state(0).job.has_value());
  const auto ratio = s.value(cs("job_progress_ratio", "ext_0"));
  EXPECT_EQ(ratio, state(0).job->progress / 100.0);
  EXPECT_GT(ratio, 0.2);
  EXPECT_LT(ratio, 0.8);
  EXPECT_EQ(s.value(cs("collection_status", "ext_0", {{"status", "running"}})), 1);
  run_for(60s);
  s = scrape();
  EXPECT_EQ(s.value(cs("job_progress_ratio", "ext_0")), 1);
  EXPECT_EQ(s.value(cs("collection_status", "ext_0", {{"status", "idle"}})), 1);
  EXPECT_EQ(s.value(series(m + "job_duration_seconds_count", {{"cluster", "prod"}})), 1)
      << "adopted jobs count too";
  EXPECT_GT(s.value(cs("last_job_duration_seconds", "ext_0")), 100);
}

TEST_F(Metrics, ApiErrorsAreCountedByClassAndTheStatusFollows) {
  cluster("prod", 2, "every 30s");
  client::api_error e;
  e.kind = client::error_class::unsupported;
  e.http_status = 404;
  models_["prod"].broken = e;
  start();
  run_for(35s);
  const auto s = scrape();
  const auto& requests = rt_->clusters()[0]->requests;
  ASSERT_GE(requests.get(client::operation::list, "unsupported"), 1u);
  EXPECT_EQ(
      s.value(series(m + "api_requests_total",
                     {{"cluster", "prod"}, {"operation", "list"}, {"result", "unsupported"}})),
      static_cast<double>(requests.get(client::operation::list, "unsupported")));
  EXPECT_EQ(s.value(series(m + "api_requests_total",
                           {{"cluster", "prod"}, {"operation", "list"}, {"result", "ok"}})),
            0);
  for (const auto* col : {"ext_0", "ext_1"}) {
    EXPECT_EQ(s.value(cs("collection_status", col, {{"status", "unsupported"}})), 1) << col;
    EXPECT_LT(s.value(cs("collection_status", col, {{"status", "idle"}})), 0)
        << "absent: only the current status has a series " << col;
  }
}

TEST_F(Metrics, AScrapeIsWrittenInPartsFromTheValuesOfTheMomentItBegan) {
  cluster("prod", 300, "every 10s");
  start();
  run_for(15s);
  const auto completed_then = [&] {
    std::uint64_t n = 0;
    for (const auto& c : rt_->collections()) {
      n += c.state.counters.finished.completed;
    }
    return n;
  }();
  ASSERT_GT(completed_then, 0u);
  auto stream = metrics_->begin_scrape();
  run_for(30s);  // more jobs finish while the scrape is written
  std::string text;
  std::size_t parts = 0;
  for (std::string part = stream->next(100); !part.empty(); part = stream->next(100)) {
    ++parts;
    const auto lines = static_cast<std::size_t>(std::count(part.begin(), part.end(), '\n'));
    if (!part.starts_with("# HELP milvus_refresh_triggers_total")) {  // not the last part
      EXPECT_LE(lines, 100u + 2u * 8u) << "about 100 sample lines, and family headers";
    }
    text += part;
  }
  EXPECT_GT(parts, 300u * 12u / 100u);
  const auto s = parsed_scrape::parse(text);
  double completed = 0;
  for (int i = 0; i < 300; ++i) {
    completed +=
        s.value(cs("jobs_finished_total", "ext_" + std::to_string(i), {{"outcome", "completed"}}));
  }
  EXPECT_EQ(completed, static_cast<double>(completed_then)) << "the values of the moment it began";
  const auto now = scrape();
  double completed_now = 0;
  for (int i = 0; i < 300; ++i) {
    completed_now += now.value(
        cs("jobs_finished_total", "ext_" + std::to_string(i), {{"outcome", "completed"}}));
  }
  EXPECT_GT(completed_now, completed) << "a new scrape sees the jobs finished since";
  EXPECT_EQ(s.count(m + "collection_info"), 300u);
}

TEST_F(Metrics, AReloadWhileAScrapeIsWrittenDoesNotChangeOrBreakIt) {
  cluster("prod", 50, "every 1h");
  start();
  run_for(10s);
  ASSERT_TRUE(rt_->ready());
  auto stream = metrics_->begin_scrape();
  std::string text = stream->next(10);  // the first part; the rest after the reload
  // The reload renames every collection: the old configuration would be freed without the
  // scrape's hold on it (ASan reports a use after free in that case).
  auto next = std::make_shared<config::config>(*cfg_);
  for (auto& c : next->clusters[0].collections) {
    c.name = "new_" + c.name;
    models_["prod"].collections[c.name] = model_cluster::behaviour{};
  }
  ASSERT_TRUE(rt_->can_apply_config());
  rt_->apply_config(next);
  cfg_.reset();
  for (std::string part = stream->next(10); !part.empty(); part = stream->next(10)) {
    text += part;
  }
  const auto s = parsed_scrape::parse(text);
  EXPECT_EQ(s.count(m + "collection_info"), 50u);
  EXPECT_EQ(s.label_values(m + "collection_status", "collection").count("ext_49"), 1u);
  EXPECT_EQ(s.label_values(m + "collection_status", "collection").count("new_ext_0"), 0u);
  const auto after = scrape();
  EXPECT_EQ(after.label_values(m + "collection_status", "collection").count("new_ext_49"), 1u)
      << "the next scrape has the new names (new label blocks)";
  EXPECT_EQ(after.label_values(m + "collection_status", "collection").count("ext_0"), 0u);
}

TEST_F(Metrics, ReloadResultSetsTheGaugesAndAFailureKeepsTheLastSuccessTime) {
  cluster("prod", 1, "every 1h");
  start();
  metrics_->set_reload_result(false, wall_time(1'795'345'200'000ms));
  auto s = scrape();
  EXPECT_EQ(s.value(m + "config_last_reload_successful"), 0);
  EXPECT_EQ(s.value(m + "config_last_reload_success_timestamp_seconds"), 1'795'341'601);
  metrics_->set_reload_result(true, wall_time(1'795'348'800'500ms));
  s = scrape();
  EXPECT_EQ(s.value(m + "config_last_reload_successful"), 1);
  EXPECT_EQ(s.value(m + "config_last_reload_success_timestamp_seconds"), 1'795'348'800.5);
}

TEST_F(Metrics, ScrapeHoldsNoSecret) {
  auto& c = cluster("prod", 2, "every 10s");
  c.collections[0].external.edit().source = "s3://bucket/books/";
  c.collections[0].external.edit().spec =
      config::secret_string(R"({"format":"parquet","key":"SECRET"})");
  start();
  run_for(25s);
  const auto text = metrics_->scrape();
  ASSERT_GT(models_["prod"].triggers_of("ext_0"), 0);
  for (const auto* secret :
       {"SECRET", "tok-LITERAL-123", "s3://bucket", "parquet", "model.example", "19530"}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << secret;
  }
}

TEST_F(Metrics, PromtoolAcceptsARealScrape) {
  auto& c = cluster("prod", 3, "every 10s");
  c.collections[2].name = "odd \"name\" \\ here";  // escaped by the serializer
  models_["prod"].collections[c.collections[2].name] = model_cluster::behaviour{};
  models_["prod"].collections["ext_1"].fail = true;
  cluster("staging", 1, "*/5 * * * *");
  start();
  run_for(25s);
  const auto text = metrics_->scrape();
  ASSERT_NE(text.find(R"(collection="odd \"name\" \\ here")"), std::string::npos);
  const auto file = std::filesystem::temp_directory_path() /
                    ("refreshd-metrics-" + std::to_string(::getpid()) + ".prom");
  std::ofstream(file) << text;
  const auto r = test::run({"/bin/sh", "-c", "promtool check metrics < '" + file.string() + "'"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "") << "lint problems";
  EXPECT_EQ(r.err, "");
  std::filesystem::remove(file);
}

TEST_F(Metrics, ProcessMetricsOfTheLiveProcessArePlausible) {
  cluster("prod", 1, "every 1h");
  start();
  const auto s = scrape();
  const auto now = static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count());
  EXPECT_GT(s.value("process_resident_memory_bytes"), 1 << 20);
  EXPECT_GE(s.value("process_virtual_memory_bytes"), s.value("process_resident_memory_bytes"));
  EXPECT_GE(s.value("process_cpu_seconds_total"), 0);
  EXPECT_GE(s.value("process_open_fds"), 3);
  EXPECT_GE(s.value("process_max_fds"), s.value("process_open_fds"));
  EXPECT_LE(s.value("process_start_time_seconds"), now + 1);
  EXPECT_GT(s.value("process_start_time_seconds"), now - 86400 * 30);
}

}  // namespace
}  // namespace refreshd::daemon
