// End to end: the real daemon runs against the real simulator and the real Prometheus server
// scrapes it every second with the shipped rules (deploy/prometheus/alerts.yml, unmodified).
// Checked through Prometheus's HTTP API: completed jobs rise, each collection has one status
// series at a time and triggers are per cluster, the failing collection's alert fires (and
// nothing else does), every shipped rule and every dashboard query evaluates on the live
// series; promtool lints a real scrape.
#include <csignal>
#include <fstream>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <refreshd/test/child_process.hpp>
#include <refreshd/test/http.hpp>
#include <refreshd/test/sim_process.hpp>

#include "daemon_support.hpp"
#include "e2e_support.hpp"

namespace refreshd::test {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

const std::string source_dir = REFRESHD_SOURCE_DIR;

// Two healthy collections and one whose jobs fail, all every 2 s. The failing one has no
// retries, so each slot adds one to consecutive_failures: three slots reach the alert's N.
class PrometheusEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(tools::prometheus().empty())
        << "prometheus is not installed: run scripts/setup.sh";
    sim_.add_collection(
        json::array({{{"name", "ext_books"}, {"job", {{"pending_ms", 100}, {"running_ms", 300}}}},
                     {{"name", "ext_reviews"}, {"job", {{"pending_ms", 100}, {"running_ms", 500}}}},
                     {{"name", "ext_broken"},
                      {"job",
                       {{"pending_ms", 100},
                        {"running_ms", 200},
                        {"outcome", "failed"},
                        {"reason", "no files found in external source: s3://lake/missing/"}}}}}));
    const auto config =
        dir_.write("config.yaml", daemon_config(sim_,
                                                "  schedule: every 2s\n"
                                                "  poll: {initial: 200ms, max: 1s}\n"
                                                "  freshness_target: 1h\n",
                                                "    token: \"\"\n"
                                                "    rate_limit: 0\n",
                                                "      - name: ext_books\n"
                                                "      - name: ext_reviews\n"
                                                "      - name: ext_broken\n"
                                                "        retries: 0\n"));
    daemon_ = std::make_unique<child_process>(daemon_argv(config));
    daemon_port_ = wait_for_http_port(*daemon_, 20s);
    ASSERT_NE(daemon_port_, 0) << daemon_->err();
    prom_ = std::make_unique<prometheus_process>(
        dir_.path(), "127.0.0.1:" + std::to_string(daemon_port_),
        std::vector<std::string>{source_dir + "/deploy/prometheus/alerts.yml"});
    ASSERT_TRUE(prom_->wait_ready(30s)) << prom_->log();
  }

  void TearDown() override {
    if (daemon_) {
      daemon_->send_signal(SIGTERM);
      auto r = daemon_->wait(9s);
      EXPECT_TRUE(r && r->exit_code == 0) << daemon_->err().substr(0, 4000);
    }
  }

  /// Keeps both processes' pipes drained while polling.
  void drain() {
    daemon_->wait_for_err_line([](std::string_view) { return false; }, 1ms);
    prom_->drain();
  }

  /// The value of a one-series instant query, or nullopt while it has no result.
  std::optional<double> scalar(const std::string& promql) {
    const auto r = prom_->query(promql);
    if (r.size() != 1) {
      return std::nullopt;
    }
    return std::stod(r[0].at("value")[1].get<std::string>());
  }

  sim_process sim_;
  temp_dir dir_;
  std::unique_ptr<child_process> daemon_;
  unsigned short daemon_port_ = 0;
  std::unique_ptr<prometheus_process> prom_;
};

TEST_F(PrometheusEndToEnd, CompletedJobsCounterRises) {
  const std::string q = R"(sum(milvus_refresh_jobs_finished_total{outcome="completed"}))";
  std::optional<double> first;
  double last = 0;
  const bool rose = poll_until(
      [&] {
        drain();
        const auto v = scalar(q);
        if (!v) {
          return false;
        }
        first = first.value_or(*v);
        last = *v;
        return last >= *first + 2;
      },
      30s, 250ms);
  EXPECT_TRUE(rose) << "first " << first.value_or(-1) << ", last " << last;
  // Per collection too: both healthy ones completed, the broken one never did.
  EXPECT_GE(
      scalar(R"(milvus_refresh_jobs_finished_total{collection="ext_books",outcome="completed"})")
          .value_or(0),
      1);
  EXPECT_EQ(
      scalar(R"(milvus_refresh_jobs_finished_total{collection="ext_broken",outcome="completed"})")
          .value_or(-1),
      0);
  EXPECT_EQ(scalar(R"(up{job="milvus-refreshd"})").value_or(0), 1);
}

TEST_F(PrometheusEndToEnd, EachCollectionHasOneStatusSeriesAndTriggersArePerCluster) {
  const auto status_of_broken = [&] {
    drain();
    const auto r = prom_->query(R"(milvus_refresh_collection_status{collection="ext_broken"})");
    // One status series per collection at any time (the old one is stale at once).
    EXPECT_LE(r.size(), 1u) << r.dump();
    return r.size() == 1 ? r[0].at("metric").at("status").get<std::string>() : std::string();
  };
  ASSERT_TRUE(poll_until([&] { return status_of_broken() == "failing"; }, 30s, 250ms));
  // The lake is fixed: ext_broken's next job completes and its status leaves `failing`.
  sim_.add_collection(
      {{"name", "ext_broken"}, {"job", {{"pending_ms", 100}, {"running_ms", 200}}}});
  EXPECT_TRUE(poll_until([&] { return status_of_broken() == "idle"; }, 30s, 250ms));
  EXPECT_EQ(scalar("max(count by (cluster, database, collection) "
                   "(milvus_refresh_collection_status))")
                .value_or(-1),
            1);
  EXPECT_EQ(scalar("count(milvus_refresh_collection_status)").value_or(-1), 3);
  EXPECT_GE(scalar("sum(milvus_refresh_triggers_total)").value_or(0), 3);
  EXPECT_EQ(scalar(R"(count(milvus_refresh_triggers_total{collection!=""}))").value_or(0), 0)
      << "per cluster by default";
  EXPECT_EQ(scalar("count(milvus_refresh_job_duration_seconds_count)").value_or(-1), 1)
      << "one cluster, one histogram";
  EXPECT_GT(
      scalar(R"(milvus_refresh_last_job_duration_seconds{collection="ext_reviews"})").value_or(0),
      0.4);
  EXPECT_GT(scalar("milvus_refresh_scrape_series").value_or(0), 36);
}

TEST_F(PrometheusEndToEnd, FailingCollectionAlertFires) {
  json alerts;
  const auto firing_for_broken = [&] {
    drain();
    alerts = prom_->api("alerts").at("alerts");
    for (const auto& a : alerts) {
      const auto& l = a.at("labels");
      if (l.value("alertname", "") == "MilvusRefreshFailing" &&
          l.value("collection", "") == "ext_broken" && a.at("state") == "firing") {
        return true;
      }
    }
    return false;
  };
  ASSERT_TRUE(poll_until(firing_for_broken, 40s, 250ms)) << alerts.dump(1);
  // Exactly that one alert: the healthy collections, the daemon and the cluster raise nothing
  // (not even pending).
  ASSERT_EQ(alerts.size(), 1U) << alerts.dump(1);
  const auto& a = alerts[0];
  EXPECT_EQ(a.at("labels").at("cluster"), "local");
  EXPECT_EQ(a.at("labels").at("database"), "default");
  EXPECT_EQ(a.at("labels").at("severity"), "warning");
  EXPECT_EQ(a.at("labels").at("job"), "milvus-refreshd");
  EXPECT_EQ(a.at("annotations").at("summary"), "Refresh of local/default/ext_broken is failing");
  EXPECT_GE(std::stod(a.at("value").get<std::string>()), 3);
}

// Every shipped rule evaluated on the live series without an error (a vector-matching mistake,
// e.g. duplicate series on the one side of a group_left, shows only on real data).
TEST_F(PrometheusEndToEnd, ShippedRulesEvaluateWithoutError) {
  json rules;
  const bool evaluated = poll_until(
      [&] {
        drain();
        rules = prom_->api("rules").at("groups");
        if (rules.size() != 1) {
          return false;
        }
        for (const auto& r : rules[0].at("rules")) {
          if (r.value("health", "") == "unknown") {
            return false;
          }
        }
        // A few evaluations after the first scrape, so every series exists.
        return scalar("count(milvus_refresh_collection_info)").value_or(0) == 3 &&
               scalar("count(count_over_time(up[10s]) >= 3)").value_or(0) == 1;
      },
      30s, 250ms);
  ASSERT_TRUE(evaluated) << rules.dump(1);
  ASSERT_EQ(rules[0].at("name"), "milvus-refreshd");
  EXPECT_EQ(rules[0].at("rules").size(), 11U);
  for (const auto& r : rules[0].at("rules")) {
    EXPECT_EQ(r.value("health", ""), "ok")
        << r.value("name", "") << ": " << r.value("lastError", "");
  }
}

// The dashboard's queries, with its variables set to "all", run on the live series and return
// data: the panels use names and labels the daemon really exports.
TEST_F(PrometheusEndToEnd, DashboardQueriesReturnData) {
  std::ifstream in(source_dir + "/deploy/grafana/milvus-refreshd.json");
  const auto dash = json::parse(in);
  std::vector<std::string> exprs;
  for (const auto& p : dash.at("panels")) {
    for (const auto& t : p.value("targets", json::array())) {
      exprs.push_back(t.at("expr").get<std::string>());
    }
  }
  for (const auto& v : dash.at("templating").at("list")) {
    if (v.at("type") == "query") {  // label_values(SELECTOR, label) -> SELECTOR
      const auto d = v.at("definition").get<std::string>();
      exprs.push_back(d.substr(13, d.rfind(',') - 13));
    }
  }
  const auto expand = [](std::string e) {
    for (const auto& [from, to] :
         std::vector<std::pair<std::string, std::string>>{{"$__rate_interval", "5s"},
                                                          {"$__range", "1m"},
                                                          {"$instance", ".*"},
                                                          {"$cluster", ".*"},
                                                          {"$database", ".*"},
                                                          {"$collection", ".*"}}) {
      for (auto pos = e.find(from); pos != std::string::npos; pos = e.find(from, pos)) {
        e.replace(pos, from.size(), to);
      }
    }
    return e;
  };
  // Wait until a job of each kind finished and rates have two samples.
  ASSERT_TRUE(poll_until(
      [&] {
        drain();
        return scalar(R"(sum(milvus_refresh_jobs_finished_total{outcome="failed"}))").value_or(0) >=
                   2 &&
               scalar("count(count_over_time(up[10s]) >= 6)").value_or(0) == 1;
      },
      30s, 250ms));
  for (const auto& e : exprs) {
    const auto q = expand(e);
    json result;
    ASSERT_NO_THROW(result = prom_->query(q)) << q;
    EXPECT_FALSE(result.empty()) << "no data: " << q;
  }
}

/// The value of the first sample of `name` whose labels contain every `needles` entry.
std::optional<double> sample_value(const std::string& exposition, std::string_view name,
                                   const std::vector<std::string>& needles) {
  std::size_t pos = 0;
  while (pos < exposition.size()) {
    auto end = exposition.find('\n', pos);
    end = end == std::string::npos ? exposition.size() : end;
    const std::string_view line(exposition.data() + pos, end - pos);
    pos = end + 1;
    if (!line.starts_with(std::string(name) + "{")) {
      continue;
    }
    bool all = true;
    for (const auto& n : needles) {
      all = all && line.find(n) != std::string_view::npos;
    }
    if (all) {
      return std::stod(std::string(line.substr(line.rfind(' ') + 1)));
    }
  }
  return std::nullopt;
}

// `promtool check metrics` on a real scrape: valid exposition, no lint problem.
TEST(DaemonScrape, PassesPromtoolCheckMetrics) {
  ASSERT_FALSE(tools::promtool().empty()) << "promtool is not installed: run scripts/setup.sh";
  sim_process sim;
  sim.add_collection({{"name", "ext_a"}, {"job", {{"pending_ms", 50}, {"running_ms", 100}}}});
  temp_dir dir;
  const auto config =
      dir.write("config.yaml",
                daemon_config(sim, "  schedule: every 2s\n  poll: {initial: 100ms, max: 1s}\n",
                              "    token: \"\"\n", "      - name: ext_a\n      - name: ext_b\n"));
  sim.add_collection({{"name", "ext_b"},
                      {"job", {{"pending_ms", 50}, {"running_ms", 100}, {"outcome", "failed"}}}});
  child_process d(daemon_argv(config));
  const auto port = wait_for_http_port(d, 20s);
  ASSERT_NE(port, 0) << d.err();
  http_reply scrape;
  // After a completed and a failed job, so counters and histograms carry data.
  const auto finished = [&](std::string_view collection, std::string_view outcome) {
    return sample_value(scrape.body, "milvus_refresh_jobs_finished_total",
                        {"collection=\"" + std::string(collection) + "\"",
                         "outcome=\"" + std::string(outcome) + "\""});
  };
  ASSERT_TRUE(poll_until(
      [&] {
        d.wait_for_err_line([](std::string_view) { return false; }, 1ms);
        scrape = http_request("GET", "127.0.0.1", port, "/metrics");
        return finished("ext_a", "completed").value_or(0) >= 1 &&
               finished("ext_b", "failed").value_or(0) >= 1;
      },
      20s, 200ms))
      << scrape.body.substr(0, 4000);
  EXPECT_EQ(scrape.status, 200);
  const auto r = run({tools::promtool(), "check", "metrics"}, {}, 30s, scrape.body);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "") << "lint problems";
  EXPECT_EQ(r.err, "");
  d.send_signal(SIGTERM);
  EXPECT_TRUE(d.wait(9s).has_value());
}

// docs/HTTP.md: Prometheus scrapes the daemon over HTTPS (verifying it against the test CA) with a
// bearer token from a credentials file, as the shipped ServiceMonitor does; a second job
// without the token is refused (401), so the token is what lets the first one in.
TEST(SecuredScrape, PrometheusScrapesOverTlsWithABearerToken) {
  ASSERT_FALSE(tools::prometheus().empty()) << "prometheus is not installed: run scripts/setup.sh";
  temp_dir dir;
  const auto certs = dir.path() / "certs";
  const auto made = run({"/bin/bash", REFRESHD_CERT_SCRIPT, certs.string()});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const auto cert = [&](const char* name) { return (certs / name).string(); };
  const auto token = dir.write("read.token", "pr0metheus-read-t0ken\n");
  std::filesystem::permissions(
      token, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  sim_process sim;
  sim.add_collection({{"name", "ext_a"}, {"job", {{"pending_ms", 50}, {"running_ms", 100}}}});
  auto cfg = daemon_config(sim, "  schedule: every 2s\n  poll: {initial: 100ms, max: 1s}\n",
                           "    token: \"\"\n", "      - name: ext_a\n");
  cfg.insert(cfg.find("defaults:"), "listen_tls:\n  cert_file: " + cert("server.pem") +
                                        "\n  key_file: " + cert("server.key") +
                                        "\nread_auth:\n  token_file: " + token + "\n");
  child_process d(daemon_argv(dir.write("config.yaml", cfg)));
  const auto port = wait_for_http_port(d, 20s);
  ASSERT_NE(port, 0) << d.err();
  const std::string target = "127.0.0.1:" + std::to_string(port);
  const std::string tls = "    scheme: https\n    tls_config:\n      ca_file: " + cert("ca.pem") +
                          "\n      server_name: localhost\n";
  prometheus_process prom(dir.path(), target, {},
                          tls + "    authorization:\n      credentials_file: " + token +
                              "\n  - job_name: no-token\n    static_configs:\n"
                              "      - targets: ['" +
                              target + "']\n" + tls);
  ASSERT_TRUE(prom.wait_ready(30s)) << prom.log();
  const auto up = [&](const std::string& job) -> std::optional<double> {
    const auto r = prom.query("up{job=\"" + job + "\"}");
    if (r.size() != 1) {
      return std::nullopt;
    }
    return std::stod(r[0].at("value")[1].get<std::string>());
  };
  std::optional<double> secured;
  std::optional<double> refused;
  EXPECT_TRUE(poll_until(
      [&] {
        d.wait_for_err_line([](std::string_view) { return false; }, 1ms);
        prom.drain();
        secured = up("milvus-refreshd");
        refused = up("no-token");
        return secured == 1.0 && refused.has_value();
      },
      30s, 200ms))
      << prom.log();
  EXPECT_EQ(secured, 1.0) << "scraped over TLS with the bearer token";
  EXPECT_EQ(refused, 0.0) << "no token: 401, the target is down";
  const auto samples = prom.query("milvus_refresh_collection_info{job=\"milvus-refreshd\"}");
  EXPECT_EQ(samples.size(), 1u) << samples.dump();
  const auto targets = prom.api("targets?state=active");
  bool saw_401 = false;
  for (const auto& t : targets.at("activeTargets")) {
    if (t.at("labels").at("job") == "no-token") {
      saw_401 = t.value("lastError", "").find("401") != std::string::npos;
    }
  }
  EXPECT_TRUE(saw_401) << targets.dump();
  d.send_signal(SIGTERM);
  EXPECT_TRUE(d.wait(9s).has_value());
}

}  // namespace
}  // namespace refreshd::test
