// The shipped example configurations load and mean what their comments say.
#include <gtest/gtest.h>

#include "config_test_support.hpp"

namespace refreshd::config {
namespace {

using namespace std::chrono_literals;

std::filesystem::path example(const char* name) {
  return std::filesystem::path(REFRESHD_SOURCE_DIR) / "examples" / name;
}

load_result load_example(const char* name, test::env_map env) {
  return load_config_file(example(name), test::test_options(std::move(env)));
}

TEST(Examples, MinimalLoads) {
  const load_result r = load_example("minimal.yaml", {{"ZILLIZ_TOKEN", "t"}});
  ASSERT_TRUE(r.ok()) << test::dump(r);
  EXPECT_TRUE(r.warnings.empty()) << test::dump(r);
  ASSERT_EQ(r.value->clusters.size(), 1u);
  const cluster& c = r.value->clusters[0];
  EXPECT_EQ(c.name, "prod");
  EXPECT_EQ(c.token.kind, token_kind::env);
  EXPECT_EQ(c.token.reference, "ZILLIZ_TOKEN");
  ASSERT_EQ(c.collections.size(), 1u);
  EXPECT_EQ(c.collections[0].name, "ext_books");
  EXPECT_EQ(c.collections[0].settings->schedule, "*/15 * * * *");
  EXPECT_EQ(c.collections[0].settings->timezone, "UTC");
}

TEST(Examples, CoordinatedSharesFourCollectionsThroughEtcd) {
  const load_result r =
      load_example("coordinated.yaml", {{"ZILLIZ_TOKEN", "t"}, {"HOSTNAME", "refreshd-7f9c-x2"}});
  ASSERT_TRUE(r.ok()) << test::dump(r);
  EXPECT_TRUE(r.warnings.empty()) << test::dump(r);
  const auto& co = r.value->coordination;
  EXPECT_TRUE(co.enabled);
  EXPECT_EQ(co.replica_id, "refreshd-7f9c-x2");
  EXPECT_EQ(co.etcd.endpoints.size(), 3u);
  EXPECT_EQ(co.etcd.lease_ttl, 10s);
  EXPECT_EQ(r.value->clusters[0].collections.size(), 4u);
}

TEST(Examples, SearchableWaitsForIndexesOrLoadingPerCollection) {
  const load_result r = load_example("searchable.yaml", {{"ZILLIZ_TOKEN", "t"}});
  ASSERT_TRUE(r.ok()) << test::dump(r);
  const auto& cols = r.value->clusters.at(0).collections;
  ASSERT_EQ(cols.size(), 3U);
  EXPECT_EQ(cols[0].settings->ready_when, ready_condition::indexed);
  EXPECT_EQ(cols[1].settings->ready_when, ready_condition::loaded);
  EXPECT_EQ(cols[2].settings->ready_when, ready_condition::completed);
}

TEST(Examples, TargetLagReplacesTheScheduleWhereItIsSet) {
  const load_result r = load_example("target-lag.yaml", {{"ZILLIZ_TOKEN", "t"}});
  ASSERT_TRUE(r.ok()) << test::dump(r);
  const auto& cols = r.value->clusters.at(0).collections;
  ASSERT_EQ(cols.size(), 3U);
  EXPECT_EQ(cols[0].settings->target_lag, std::chrono::minutes(15));
  EXPECT_EQ(cols[1].settings->min_interval, std::chrono::minutes(2));
  EXPECT_EQ(cols[1].settings->ready_when, ready_condition::indexed);
  EXPECT_EQ(cols[2].settings->target_lag.count(), 0);
  EXPECT_EQ(cols[2].settings->schedule, "0 * * * *");
}

TEST(Examples, DependsOnNamesItsUpstreamsRelativelyAndGivesAnOrder) {
  const load_result r = load_example("depends-on.yaml", {{"ZILLIZ_TOKEN", "t"}});
  ASSERT_TRUE(r.ok()) << test::dump(r);
  const auto& cols = r.value->clusters.at(0).collections;
  ASSERT_EQ(cols.size(), 4U);
  EXPECT_EQ(cols[2].settings->depends_on,
            (std::vector<std::string>{"prod/default/ext_products", "prod/default/ext_reviews"}));
  EXPECT_EQ(cols[3].settings->depends_on,
            (std::vector<std::string>{"prod/default/ext_product_reviews"}));
  const auto order = dependency_order(*r.value);
  ASSERT_EQ(order.size(), 4U);
  EXPECT_EQ(order.back().key, "prod/serving/ext_recommendations");
}

TEST(Examples, OperatorIntentSetsStateDirAndQuarantine) {
  const load_result r = load_example("operator-intent.yaml", {{"ZILLIZ_TOKEN", "t"}});
  ASSERT_TRUE(r.ok()) << test::dump(r);
  EXPECT_EQ(r.value->state_dir, "/var/lib/milvus-refreshd");
  const auto& cols = r.value->clusters.at(0).collections;
  ASSERT_EQ(cols.size(), 2U);
  EXPECT_EQ(cols[0].settings->quarantine_after, 6);
  EXPECT_EQ(cols[1].settings->quarantine_after, 0);
}

TEST(Examples, MultiClusterLoadsWithItsOverrides) {
  const load_result r = load_example("multi-cluster.yaml", {{"ZILLIZ_EU_TOKEN", "t"}});
  ASSERT_TRUE(r.ok()) << test::dump(r);
  EXPECT_TRUE(r.warnings.empty()) << test::dump(r);
  const config& c = *r.value;
  EXPECT_EQ(c.admin.token.reference, "/run/secrets/refreshd-admin");
  ASSERT_EQ(c.clusters.size(), 3u);

  const cluster& prod = c.clusters[0];
  ASSERT_EQ(prod.collections.size(), 5u);
  EXPECT_EQ(prod.collections[0].settings->timezone, "America/New_York");
  EXPECT_EQ(prod.collections[1].settings->schedule, "@daily");
  EXPECT_EQ(prod.collections[1].settings->timezone, "Europe/Berlin");
  const collection& movies = prod.collections[2];
  EXPECT_EQ(movies.database, "media");
  EXPECT_EQ(movies.settings->schedule, "after 6h");
  EXPECT_EQ(movies.external->source, "volume://lake/movies/");
  EXPECT_EQ(movies.external->spec.reveal(), R"({"format":"parquet"})");
  EXPECT_EQ(movies.settings->timeout, 12h);
  const collection& events = prod.collections[3];
  EXPECT_EQ(events.settings->schedule, "every 30m");
  EXPECT_EQ(events.settings->jitter, 0s);
  EXPECT_EQ(events.settings->poll.initial, 1s);
  EXPECT_EQ(events.settings->poll.max, 60s);
  EXPECT_TRUE(prod.collections[4].suspend);
  EXPECT_FALSE(prod.collections[0].suspend);

  const cluster& eu = c.clusters[1];
  EXPECT_EQ(eu.rate_limit, 5.0);
  EXPECT_EQ(eu.max_running_jobs, 2);
  const collection& sessions = eu.collections[0];
  EXPECT_EQ(sessions.database, "analytics");
  EXPECT_EQ(sessions.settings->schedule, "30 2 * * *");
  EXPECT_EQ(sessions.settings->timezone, "Europe/Paris");
  EXPECT_EQ(sessions.settings->jitter, 10min);
  EXPECT_EQ(sessions.settings->jitter_mode, jitter_kind::fixed);
  EXPECT_EQ(sessions.settings->retries, 4);
  EXPECT_EQ(eu.collections[1].external->spec.reveal(),
            R"({"format":"iceberg-table","snapshot_id":449503829274509311})");

  const cluster& local = c.clusters[2];
  EXPECT_EQ(local.token.kind, token_kind::literal);
  EXPECT_EQ(local.token.literal.reveal(), "root:Milvus");
  EXPECT_FALSE(local.collections[0].settings->catch_up);
}

TEST(Examples, KubernetesExpandsTheEnvironment) {
  const load_result r = load_example(
      "kubernetes.yaml", {{"ZILLIZ_ENDPOINT", "https://in03-xyz.serverless.gcp.zillizcloud.com"},
                          {"PRODUCTS_SOURCE", "s3://shop-lake/products/"},
                          {"LOG_LEVEL", "debug"}});
  ASSERT_TRUE(r.ok()) << test::dump(r);
  EXPECT_TRUE(r.warnings.empty()) << test::dump(r);
  const config& c = *r.value;
  EXPECT_EQ(to_string(c.listen), "0.0.0.0:9748");
  EXPECT_TRUE(c.listen_tls.enabled()) << "beyond loopback only with TLS";
  EXPECT_EQ(c.listen_tls.key_file, "/var/run/secrets/milvus-refreshd-tls/tls.key");
  EXPECT_EQ(c.read_auth.token.reference, "/var/run/secrets/milvus-refreshd-read/token");
  EXPECT_EQ(c.log.format, log_format::json);
  EXPECT_EQ(c.log.level, log_level::debug);
  const cluster& z = c.clusters[0];
  EXPECT_EQ(z.endpoint, "https://in03-xyz.serverless.gcp.zillizcloud.com");
  EXPECT_EQ(z.token.kind, token_kind::file);
  EXPECT_EQ(z.token.reference, "/var/run/secrets/zilliz/token");
  EXPECT_EQ(z.database, "default");
  const collection& products = z.collections[0];
  EXPECT_EQ(products.external->source, "s3://shop-lake/products/");
  EXPECT_EQ(products.settings->schedule, "every 1h");
  EXPECT_EQ(products.settings->jitter_mode, jitter_kind::fixed);
  EXPECT_EQ(products.settings->jitter, 5min);
  EXPECT_EQ(z.collections[1].settings->timezone, "Asia/Singapore");
}

TEST(Examples, KubernetesWithoutEndpointVariableNamesIt) {
  const load_result r =
      load_example("kubernetes.yaml", {{"PRODUCTS_SOURCE", "s3://shop-lake/products/"}});
  ASSERT_EQ(r.errors.size(), 1u) << test::dump(r);
  EXPECT_EQ(r.errors[0].path, "clusters[0].endpoint");
  EXPECT_NE(r.errors[0].message.find("ZILLIZ_ENDPOINT is not set"), std::string::npos);
}

TEST(Examples, FuzzSeedsLoad) {
  for (const char* seed : {"minimal.yaml", "defaults.yaml"}) {
    const auto path =
        std::filesystem::path(REFRESHD_SOURCE_DIR) / "tests/fuzz/corpus/config" / seed;
    const load_result r = load_config_file(path, test::test_options());
    EXPECT_TRUE(r.ok()) << seed << "\n" << test::dump(r);
  }
}

}  // namespace
}  // namespace refreshd::config
