// The reload comparison (cycle/reload_plan.hpp): what a new configuration keeps, changes, adds and
// removes, without a runtime.
#include <gtest/gtest.h>

#include <refreshd/cycle/reload_plan.hpp>

namespace refreshd::daemon {
namespace {

using namespace std::chrono_literals;
using queueing = collection_change::queueing;

config::collection collection(std::string name, std::string schedule = "every 15m") {
  config::collection c;
  c.name = std::move(name);
  c.database = "default";
  c.settings.edit().schedule = std::move(schedule);
  c.settings.edit().timezone = "UTC";
  return c;
}

config::cluster cluster(std::string name, std::vector<config::collection> collections) {
  config::cluster c;
  c.name = std::move(name);
  c.endpoint = "http://milvus:19530";
  c.token.kind = config::token_kind::env;
  c.token.reference = "MILVUS_TOKEN";
  c.collections = std::move(collections);
  return c;
}

config::config make_config(std::vector<config::cluster> clusters) {
  config::config c;
  c.clusters = std::move(clusters);
  return c;
}

TEST(ReloadPlan, AnIdenticalConfigKeepsEverything) {
  const auto a = make_config({cluster("prod", {collection("a"), collection("b")})});
  const auto b = a;
  const auto plan = plan_reload(a, b, {0}, {0});
  ASSERT_EQ(plan.clusters.size(), 1u);
  EXPECT_EQ(plan.clusters[0].reuse, 0u);
  ASSERT_EQ(plan.collections.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(plan.collections[i].reuse, i);
    EXPECT_FALSE(plan.collections[i].plan);
    EXPECT_FALSE(plan.collections[i].changed);
    EXPECT_EQ(plan.collections[i].queue, queueing::keep);
    EXPECT_EQ(plan.collections[i].cfg, &b.clusters[0].collections[i]) << "points into the new";
  }
  EXPECT_TRUE(plan.removed.empty());
  EXPECT_TRUE(plan.retired_clusters.empty());
  EXPECT_TRUE(plan.needs_restart.empty());
}

TEST(ReloadPlan, ASettingChangeKeepsTheQueueButAScheduleChangeReschedules) {
  const auto a = make_config({cluster("prod", {collection("a"), collection("b")})});
  auto b = a;
  b.clusters[0].collections[0].settings.edit().retries = 5;
  b.clusters[0].collections[1].settings.edit().schedule = "every 5m";
  const auto plan = plan_reload(a, b, {0}, {0});
  EXPECT_TRUE(plan.collections[0].changed);
  EXPECT_TRUE(plan.collections[0].settings_changed);
  EXPECT_FALSE(plan.collections[0].plan);
  EXPECT_EQ(plan.collections[0].queue, queueing::keep);
  EXPECT_TRUE(plan.collections[1].plan);
  EXPECT_EQ(plan.collections[1].queue, queueing::reschedule);
}

TEST(ReloadPlan, SuspendingReschedules) {
  const auto a = make_config({cluster("prod", {collection("a")})});
  auto b = a;
  b.clusters[0].collections[0].suspend = true;
  const auto plan = plan_reload(a, b, {0}, {0});
  EXPECT_EQ(plan.collections[0].queue, queueing::reschedule);
  EXPECT_FALSE(plan.collections[0].plan) << "the schedule did not change";
}

TEST(ReloadPlan, AddedCollectionsAreReconciledAndRemovedOnesListedInOldOrder) {
  const auto a = make_config(
      {cluster("prod", {collection("a"), collection("b")}), cluster("stage", {collection("c")})});
  const auto b = make_config(
      {cluster("prod", {collection("b"), collection("new")}), cluster("stage", {collection("c")})});
  const auto plan = plan_reload(a, b, {0, 0}, {0, 0});
  ASSERT_EQ(plan.collections.size(), 3u);
  EXPECT_EQ(plan.collections[0].reuse, 1u) << "b moved to the front";
  EXPECT_FALSE(plan.collections[1].reuse);
  EXPECT_TRUE(plan.collections[1].plan);
  EXPECT_EQ(plan.collections[1].queue, queueing::reconcile);
  EXPECT_EQ(plan.collections[2].reuse, 2u);
  EXPECT_EQ(plan.collections[2].cluster, 1u);
  EXPECT_EQ(plan.removed, std::vector<std::size_t>{0});
}

TEST(ReloadPlan, ACollectionIsMatchedByClusterDatabaseAndName) {
  const auto a = make_config({cluster("prod", {collection("a")})});
  auto b = a;
  b.clusters[0].collections[0].database = "media";
  const auto plan = plan_reload(a, b, {0}, {0});
  EXPECT_FALSE(plan.collections[0].reuse) << "another database: another collection";
  EXPECT_EQ(plan.removed, std::vector<std::size_t>{0});
}

TEST(ReloadPlan, AConnectionSettingOrTheCaFileContentReplacesTheCluster) {
  const auto a = make_config({cluster("prod", {collection("a")}), cluster("stage", {})});
  auto b = a;
  b.clusters[0].request_timeout = 30s;
  auto plan = plan_reload(a, b, {0, 0}, {0, 0});
  EXPECT_FALSE(plan.clusters[0].reuse);
  EXPECT_EQ(plan.clusters[0].replaces, 0u);
  EXPECT_EQ(plan.clusters[1].reuse, 1u);
  EXPECT_EQ(plan.retired_clusters, std::vector<std::size_t>{0});
  EXPECT_TRUE(plan.collections[0].changed) << "its cluster was replaced";
  EXPECT_FALSE(plan.collections[0].settings_changed);
  EXPECT_EQ(plan.collections[0].queue, queueing::keep);

  plan = plan_reload(a, a, {0, 7}, {0, 8});
  EXPECT_EQ(plan.clusters[0].reuse, 0u);
  EXPECT_EQ(plan.clusters[1].replaces, 1u) << "the CA file changed in place";
}

TEST(ReloadPlan, LimitsChangeInPlaceAndARenamedClusterIsANewOne) {
  const auto a = make_config({cluster("prod", {collection("a")})});
  auto b = a;
  b.clusters[0].rate_limit = 5;
  b.clusters[0].max_running_jobs = 1;
  EXPECT_EQ(plan_reload(a, b, {0}, {0}).clusters[0].reuse, 0u);
  b.clusters[0].name = "production";
  const auto plan = plan_reload(a, b, {0}, {0});
  EXPECT_FALSE(plan.clusters[0].reuse);
  EXPECT_FALSE(plan.clusters[0].replaces);
  EXPECT_EQ(plan.retired_clusters, std::vector<std::size_t>{0});
  EXPECT_FALSE(plan.collections[0].reuse);
  EXPECT_EQ(plan.removed, std::vector<std::size_t>{0});
}

TEST(ReloadPlan, AChangedListenAddressNeedsARestart) {
  const auto a = make_config({});
  auto b = a;
  b.listen.port = 9999;
  const auto plan = plan_reload(a, b, {}, {});
  ASSERT_EQ(plan.needs_restart.size(), 1u);
  EXPECT_EQ(plan.needs_restart[0],
            "listen: 127.0.0.1:9748 -> 127.0.0.1:9999 (kept until a restart)");
}

TEST(ReloadPlan, AnInvalidNewScheduleThrowsBeforeAnythingIsDecided) {
  const auto a = make_config({cluster("prod", {collection("a")})});
  auto b = a;
  b.clusters[0].collections[0].settings.edit().schedule = "every never";
  EXPECT_THROW(plan_reload(a, b, {0}, {0}), std::invalid_argument);
}

}  // namespace
}  // namespace refreshd::daemon
