// defaults → cluster → collection, key by key.
#include <gtest/gtest.h>

#include "config_test_support.hpp"

namespace refreshd::config {
namespace {

using namespace std::chrono_literals;

const char* const layered = R"(version: 1
defaults:
  schedule: "@hourly"
  timezone: America/New_York
  jitter: 1m
  retries: 4
  poll: {initial: 1s, max: 30s}
  freshness_target: 3h
clusters:
  - name: prod
    endpoint: https://m.example.com
    token_env: TOKEN
    database: sales
    schedule: every 30m
    jitter: 2m
    jitter_mode: fixed
    poll: {max: 2m}
    suspend: true
    collections:
      - name: plain
      - name: own
        database: hr
        schedule: after 6h
        timezone: Asia/Tokyo
        poll: {initial: 5s}
        retries: 0
        suspend: false
  - name: other
    endpoint: https://o.example.com
    token_env: TOKEN
    collections:
      - name: plain
)";

class Inheritance : public ::testing::Test {
 protected:
  void SetUp() override {
    result_ = test::load(layered);
    ASSERT_TRUE(result_.ok()) << test::dump(result_);
  }
  const cluster& prod() const { return result_.value->clusters[0]; }
  const cluster& other() const { return result_.value->clusters[1]; }

  load_result result_;
};

TEST_F(Inheritance, DefaultsSectionOverridesBuiltIns) {
  const collection_settings& d = result_.value->defaults;
  EXPECT_EQ(d.schedule, "@hourly");
  EXPECT_EQ(d.timezone, "America/New_York");
  EXPECT_EQ(d.jitter, 1min);
  EXPECT_EQ(d.retries, 4);
  EXPECT_EQ(d.timeout, 6h);  // built-in
  EXPECT_EQ(d.poll.initial, 1s);
  EXPECT_EQ(d.poll.max, 30s);
}

TEST_F(Inheritance, ClusterOverridesDefaultsKeyByKey) {
  const collection_settings& s = prod().collections[0].settings;
  EXPECT_EQ(s.schedule, "every 30m");                   // cluster
  EXPECT_EQ(s.timezone, "America/New_York");            // defaults
  EXPECT_EQ(s.jitter, 2min);                            // cluster
  EXPECT_EQ(s.jitter_mode, jitter_kind::fixed);         // cluster
  EXPECT_EQ(s.retries, 4);                              // defaults
  EXPECT_EQ(s.freshness_target, 3h);                    // defaults
  EXPECT_EQ(s.ready_when, ready_condition::completed);  // built-in
  EXPECT_EQ(s.pending_timeout, 30min);                  // built-in
  EXPECT_EQ(prod().settings, s);                        // the cluster's own effective settings
}

TEST(InheritanceReadyWhen, ReadyWhenInheritsLikeEveryOtherSetting) {
  const auto r = test::load(R"(version: 1
defaults:
  schedule: "@hourly"
  ready_when: indexed
clusters:
  - name: prod
    endpoint: https://m.example.com
    token_env: TOKEN
    collections:
      - name: plain
      - name: own
        ready_when: loaded
  - name: other
    endpoint: https://o.example.com
    token_env: TOKEN
    ready_when: completed
    collections:
      - name: plain
)");
  ASSERT_TRUE(r.ok()) << test::dump(r);
  EXPECT_EQ(r.value->clusters[0].collections[0].settings->ready_when, ready_condition::indexed);
  EXPECT_EQ(r.value->clusters[0].collections[1].settings->ready_when, ready_condition::loaded);
  EXPECT_EQ(r.value->clusters[1].collections[0].settings->ready_when, ready_condition::completed);
  EXPECT_EQ(to_string(ready_condition::loaded), "loaded");
}

TEST(InheritanceTargetLag, TargetLagReplacesAnInheritedScheduleAndTheReverse) {
  const auto r = test::load(R"(version: 1
defaults:
  schedule: "@hourly"
clusters:
  - name: prod
    endpoint: https://m.example.com
    token_env: TOKEN
    target_lag: 30m
    collections:
      - name: lagged
      - name: own
        target_lag: 15m
        min_interval: 5m
      - name: scheduled
        schedule: every 10m
)");
  ASSERT_TRUE(r.ok()) << test::dump(r);
  const auto& cols = r.value->clusters[0].collections;
  EXPECT_EQ(cols[0].settings->target_lag, 30min);
  EXPECT_EQ(cols[0].settings->min_interval, 0ms) << "0: a tenth of the target";
  EXPECT_EQ(cols[1].settings->target_lag, 15min);
  EXPECT_EQ(cols[1].settings->min_interval, 5min);
  EXPECT_EQ(cols[2].settings->target_lag, 0ms) << "a schedule set closer wins";
  EXPECT_EQ(cols[2].settings->schedule, "every 10m");
}

TEST(InheritanceTargetLag, TargetLagNeedsNoScheduleButNotBothAtOneLevel) {
  const auto alone = test::load(R"(version: 1
clusters:
  - name: prod
    endpoint: https://m.example.com
    token_env: TOKEN
    collections:
      - name: lagged
        target_lag: 1h
)");
  EXPECT_TRUE(alone.ok()) << test::dump(alone);
  const auto both = test::load(R"(version: 1
clusters:
  - name: prod
    endpoint: https://m.example.com
    token_env: TOKEN
    collections:
      - name: lagged
        schedule: every 10m
        target_lag: 1h
)");
  ASSERT_FALSE(both.ok());
  EXPECT_NE(test::dump(both).find("set either 'schedule' or 'target_lag' here, not both"),
            std::string::npos)
      << test::dump(both);
  EXPECT_NE(test::dump(both).find(":9:"), std::string::npos) << "at the second key read";
}

TEST_F(Inheritance, PollBoundsInheritSeparately) {
  const poll_settings& cluster_level = prod().collections[0].settings->poll;
  EXPECT_EQ(cluster_level.initial, 1s);  // defaults
  EXPECT_EQ(cluster_level.max, 2min);    // cluster
  const poll_settings& own = prod().collections[1].settings->poll;
  EXPECT_EQ(own.initial, 5s);  // collection
  EXPECT_EQ(own.max, 2min);    // cluster
}

TEST_F(Inheritance, CollectionOverridesCluster) {
  const collection& own = prod().collections[1];
  EXPECT_EQ(own.settings->schedule, "after 6h");
  EXPECT_EQ(own.settings->timezone, "Asia/Tokyo");
  EXPECT_EQ(own.settings->retries, 0);
  EXPECT_EQ(own.settings->jitter, 2min);
  EXPECT_EQ(own.database, "hr");
  EXPECT_FALSE(own.suspend);
}

TEST_F(Inheritance, DatabaseAndSuspendComeFromTheCluster) {
  const collection& plain = prod().collections[0];
  EXPECT_EQ(plain.database, "sales");
  EXPECT_TRUE(plain.suspend);
  EXPECT_EQ(other().collections[0].database, "default");
  EXPECT_FALSE(other().collections[0].suspend);
}

TEST_F(Inheritance, ClustersDoNotLeakIntoEachOther) {
  const collection_settings& s = other().collections[0].settings;
  EXPECT_EQ(s.schedule, "@hourly");
  EXPECT_EQ(s.jitter, 1min);
  EXPECT_EQ(s.jitter_mode, jitter_kind::random);
  EXPECT_EQ(s.poll.max, 30s);
  EXPECT_EQ(s, result_.value->defaults);
}

// docs/DAEMON.md "Memory": collections with equal effective settings share one copy, across
// clusters too; a change through edit() copies first, so the others keep their values.
TEST_F(Inheritance, EqualSettingsAreSharedAndCopiedOnChange) {
  auto r = test::load(std::string(layered) +
                      "      - name: second\n"
                      "      - name: third\n"
                      "        retries: 9\n");
  ASSERT_TRUE(r.ok()) << test::dump(r);
  const auto& other_cols = r.value->clusters[1].collections;
  ASSERT_EQ(other_cols.size(), 3U);
  EXPECT_TRUE(other_cols[0].settings.shares_with(other_cols[1].settings));
  EXPECT_FALSE(other_cols[0].settings.shares_with(other_cols[2].settings));
  EXPECT_EQ(other_cols[2].settings->retries, 9);
  const auto& prod_cols = r.value->clusters[0].collections;
  EXPECT_FALSE(prod_cols[0].settings.shares_with(prod_cols[1].settings)) << "different values";

  collection copy = other_cols[0];
  EXPECT_TRUE(copy.settings.shares_with(other_cols[0].settings));
  copy.settings.edit().retries = 1;
  EXPECT_FALSE(copy.settings.shares_with(other_cols[0].settings));
  EXPECT_EQ(other_cols[0].settings->retries, 4) << "the shared value is untouched";
  EXPECT_EQ(other_cols[1].settings->retries, 4);
  EXPECT_EQ(copy.settings->retries, 1);
  EXPECT_NE(copy, other_cols[0]) << "equality compares values";
  copy.settings.edit().retries = 4;
  EXPECT_EQ(copy, other_cols[0]);
}

TEST(InheritanceErrors, PollConflictReportedAtTheMoreSpecificKey) {
  // defaults poll.max 30s; the collection raises poll.initial above it.
  const load_result r = test::load(std::string(layered) + "        poll: {initial: 1m}\n");
  ASSERT_EQ(r.errors.size(), 1u) << test::dump(r);
  EXPECT_EQ(r.errors[0].path, "clusters[1].collections[0].poll.initial");
  EXPECT_EQ(r.errors[0].line, 33);
  EXPECT_EQ(r.errors[0].column, 25);
  EXPECT_NE(r.errors[0].message.find("poll.max (30s) is smaller than poll.initial (1m)"),
            std::string::npos);
}

TEST(InheritanceErrors, PollConflictInDefaultsIsReportedOnce) {
  const load_result r = test::load(
      "version: 1\ndefaults: {schedule: '@daily', poll: {max: 1s}}\nclusters:\n"
      "  - name: a\n    endpoint: https://m\n    token_env: TOKEN\n"
      "    collections: [{name: b}, {name: c}, {name: d}]\n");
  ASSERT_EQ(r.errors.size(), 1u) << test::dump(r);
  EXPECT_EQ(r.errors[0].path, "defaults.poll.max");
}

TEST(InheritanceErrors, InvalidDefaultScheduleIsNotAlsoMissing) {
  const load_result r = test::load(
      "version: 1\ndefaults: {schedule: 'every'}\nclusters:\n"
      "  - name: a\n    endpoint: https://m\n    token_env: TOKEN\n"
      "    collections: [{name: b}]\n");
  ASSERT_EQ(r.errors.size(), 1u) << test::dump(r);
  EXPECT_EQ(r.errors[0].path, "defaults.schedule");
}

TEST(InheritanceErrors, ScheduleFromClusterSatisfiesEveryCollection) {
  const load_result r = test::load(
      "version: 1\nclusters:\n  - name: a\n    endpoint: https://m\n    token_env: TOKEN\n"
      "    schedule: '0 3 * * *'\n    collections: [{name: b}, {name: c}]\n");
  ASSERT_TRUE(r.ok()) << test::dump(r);
  EXPECT_EQ(r.value->clusters[0].collections[1].settings->schedule, "0 3 * * *");
}

}  // namespace
}  // namespace refreshd::config

namespace refreshd::config {
namespace {

TEST(OperatorIntent, StateDirAndQuarantineAfter) {
  load_options o = test::test_options();
  o.base_directory = "/etc/milvus-refreshd";
  const auto r = test::load(R"(version: 1
state_dir: state
defaults:
  schedule: "@hourly"
  quarantine_after: 5
clusters:
  - name: prod
    endpoint: https://m.example.com
    token_env: TOKEN
    collections:
      - name: a
      - name: b
        quarantine_after: 0
)",
                            o);
  ASSERT_TRUE(r.ok()) << test::dump(r);
  EXPECT_EQ(r.value->state_dir, "/etc/milvus-refreshd/state") << "relative to the file";
  EXPECT_EQ(r.value->clusters[0].collections[0].settings->quarantine_after, 5);
  EXPECT_EQ(r.value->clusters[0].collections[1].settings->quarantine_after, 0);
  EXPECT_EQ(config{}.state_dir, "/var/lib/milvus-refreshd");
  EXPECT_EQ(collection_settings{}.quarantine_after, 0) << "off by default";

  const auto bad = test::load(R"(version: 1
state_dir: ""
defaults:
  schedule: "@hourly"
  quarantine_after: 1001
clusters: []
)");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(test::dump(bad).find(":2:12: state_dir: state_dir is empty"), std::string::npos)
      << test::dump(bad);
  EXPECT_NE(test::dump(bad).find(":5:21: defaults.quarantine_after:"), std::string::npos)
      << test::dump(bad);
}

}  // namespace
}  // namespace refreshd::config
