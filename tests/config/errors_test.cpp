// Every validation rule, one snippet each: the error's exact line, column, key path and message,
// and no other error (no cascades). Snippets are added to the 8-line base file of
// config_test_support.hpp, so their first line is line 9.
#include <gtest/gtest.h>

#include "config_test_support.hpp"

namespace refreshd::config {
namespace {

struct error_case {
  std::string name;
  std::string yaml;
  int line;
  int column;
  std::string path;
  std::string message;  // expected substring
};

std::ostream& operator<<(std::ostream& os, const error_case& c) {
  return os << c.name;
}

class ReportsError : public ::testing::TestWithParam<error_case> {};

TEST_P(ReportsError, AtItsPositionAndPath) {
  const error_case& c = GetParam();
  const load_result r = test::load(c.yaml);
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(r.errors.size(), 1u) << test::dump(r);
  const diagnostic& d = r.errors[0];
  EXPECT_EQ(d.file, "test.yaml");
  EXPECT_EQ(d.line, c.line) << to_string(d);
  EXPECT_EQ(d.column, c.column) << to_string(d);
  EXPECT_EQ(d.path, c.path) << to_string(d);
  EXPECT_NE(d.message.find(c.message), std::string::npos) << to_string(d);
}

std::string case_name(const ::testing::TestParamInfo<error_case>& info) {
  return info.param.name;
}

using test::with_cluster;
using test::with_collection;
using test::with_top;

const std::string col = "clusters[0].collections[0].";
const std::string clu = "clusters[0].";

INSTANTIATE_TEST_SUITE_P(
    CollectionKeys, ReportsError,
    ::testing::Values(
        error_case{"MisspelledKey", with_collection("schedul: \"@daily\""), 9, 9, col + "schedul",
                   "unknown key 'schedul' (did you mean 'schedule'?)"},
        error_case{"BadDurationUnit", with_collection("timeout: 5x"), 9, 18, col + "timeout",
                   "invalid duration '5x': unknown unit \"x\""},
        error_case{"ZeroTimeout", with_collection("timeout: 0s"), 9, 18, col + "timeout",
                   "must be at least 1ms"},
        error_case{"NegativeJitter", with_collection("jitter: -1m"), 9, 17, col + "jitter",
                   "a sign is not allowed (durations are never negative)"},
        error_case{"UnknownJitterMode", with_collection("jitter_mode: sometimes"), 9, 22,
                   col + "jitter_mode", "invalid value 'sometimes' (expected random or fixed)"},
        error_case{"UnknownReadyWhen", with_collection("ready_when: searchable"), 9, 21,
                   col + "ready_when",
                   "invalid value 'searchable' (expected completed, indexed or loaded)"},
        error_case{"YesIsNotABoolean", with_collection("catch_up: yes"), 9, 19, col + "catch_up",
                   "expected true or false, got 'yes'"},
        error_case{"NegativeRetries", with_collection("retries: -1"), 9, 18, col + "retries",
                   "must be between 0 and 100, got -1"},
        error_case{"TooManyRetries", with_collection("retries: 101"), 9, 18, col + "retries",
                   "must be between 0 and 100, got 101"},
        error_case{"RetriesNotANumber", with_collection("retries: two"), 9, 18, col + "retries",
                   "expected an integer, got 'two'"},
        error_case{"ZeroBackoff", with_collection("retry_backoff: 0s"), 9, 24,
                   col + "retry_backoff", "must be at least 1ms"},
        error_case{"ZeroPollInitial", with_collection("poll: {initial: 0s}"), 9, 25,
                   col + "poll.initial", "must be at least 1ms"},
        error_case{"PollMaxBelowInitial", with_collection("poll: {initial: 10s, max: 5s}"), 9, 35,
                   col + "poll.max", "poll.max (5s) is smaller than poll.initial (10s)"},
        error_case{"PollNotAMapping", with_collection("poll: [1s, 2s]"), 9, 15, col + "poll",
                   "expected a mapping, got a sequence"},
        error_case{"MisspelledPollKey", with_collection("poll: {initial: 1s, maxx: 2s}"), 9, 29,
                   col + "poll.maxx", "did you mean 'max'?"},
        error_case{"UnknownTimeZone", with_collection("timezone: Mars/Olympus"), 9, 19,
                   col + "timezone", "unknown time zone 'Mars/Olympus'"},
        error_case{"MiscasedTimeZone", with_collection("timezone: europe/berlin"), 9, 19,
                   col + "timezone", "did you mean 'Europe/Berlin'?"},
        error_case{"FractionalFreshness", with_collection("freshness_target: 1.5h"), 9, 27,
                   col + "freshness_target", "fractions are not supported"},
        error_case{"SuspendNotBoolean", with_collection("suspend: maybe"), 9, 18, col + "suspend",
                   "expected true or false"},
        error_case{"BadDatabaseName", with_collection("database: 9db"), 9, 19, col + "database",
                   "invalid database name '9db'"},
        error_case{"DuplicateKey", with_collection("name: other"), 9, 9, col + "name",
                   "duplicate key 'name'"},
        error_case{"ClusterKeyOnCollection", with_collection("rate_limit: 5"), 9, 9,
                   col + "rate_limit", "is a cluster setting and cannot be set per collection"},
        error_case{"EndpointOnCollection", with_collection("endpoint: https://x"), 9, 9,
                   col + "endpoint", "cluster setting"},
        error_case{"SourceWithoutSpec", with_collection("external_source: s3://b/p/"), 9, 9,
                   col + "external_source", "external_source is set but external_spec is not"},
        error_case{"SpecWithoutSource",
                   with_collection("external_spec: '{\"format\":\"parquet\"}'"), 9, 9,
                   col + "external_spec", "external_spec is set but external_source is not"},
        error_case{"DurationGivenASequence", with_collection("timeout: [1]"), 9, 18,
                   col + "timeout", "expected a duration such as 90s or 1h30m, got a sequence"},
        error_case{"DurationWithoutValue", with_collection("timeout:"), 9, 9, col + "timeout",
                   "got no value"},
        error_case{"DatabaseNameWithDash", with_collection("database: my-db"), 9, 19,
                   col + "database", "invalid database name 'my-db'"}),
    case_name);

INSTANTIATE_TEST_SUITE_P(
    ClusterKeys, ReportsError,
    ::testing::Values(error_case{"MisspelledToken", with_cluster("tokn: x"), 9, 5, clu + "tokn",
                                 "did you mean 'token'?"},
                      error_case{
                          "SecondTokenSource", with_cluster("token: abc"), 9, 5, clu + "token",
                          "only one of token_file, token_env and token may be set ('token_env' is "
                          "already set)"},
                      error_case{"ZeroRequestTimeout", with_cluster("request_timeout: 0s"), 9, 22,
                                 clu + "request_timeout", "must be at least 1ms"},
                      error_case{"NegativeRateLimit", with_cluster("rate_limit: -1"), 9, 17,
                                 clu + "rate_limit", "must be between 0 and 1000000"},
                      error_case{"RateLimitNotANumber", with_cluster("rate_limit: fast"), 9, 17,
                                 clu + "rate_limit", "expected a number, got 'fast'"},
                      error_case{"RateLimitInfinite", with_cluster("rate_limit: inf"), 9, 17,
                                 clu + "rate_limit", "expected a number"},
                      error_case{"ZeroRunningJobs", with_cluster("max_running_jobs: 0"), 9, 23,
                                 clu + "max_running_jobs", "must be between 1 and 10000, got 0"},
                      error_case{"FractionalRunningJobs", with_cluster("max_running_jobs: 2.5"), 9,
                                 23, clu + "max_running_jobs", "expected an integer, got '2.5'"},
                      error_case{"TlsBoolean", with_cluster("tls: {insecure_skip_verify: maybe}"),
                                 9, 33, clu + "tls.insecure_skip_verify", "expected true or false"},
                      error_case{"MisspelledTlsKey", with_cluster("tls: {cafile: x}"), 9, 11,
                                 clu + "tls.cafile", "did you mean 'ca_file'?"},
                      error_case{"ClusterDatabaseName", with_cluster("database: my-db"), 9, 15,
                                 clu + "database", "invalid database name"},
                      error_case{"SourceOnCluster", with_cluster("external_source: s3://x/"), 9, 5,
                                 clu + "external_source", "is set per collection"},
                      error_case{"SixFieldCron", with_cluster("schedule: \"* * * * * *\""), 9, 15,
                                 clu + "schedule", "expected 5 fields"},
                      error_case{"EveryZero", with_cluster("schedule: every 0s"), 9, 15,
                                 clu + "schedule", "at least 1s"},
                      error_case{"AfterWithoutDuration", with_cluster("schedule: after"), 9, 15,
                                 clu + "schedule", "after: missing duration"},
                      error_case{"UnknownMacro", with_cluster("schedule: \"@fortnightly\""), 9, 15,
                                 clu + "schedule", "unknown macro \"@fortnightly\""},
                      error_case{"EmptySchedule", with_cluster("schedule: \"\""), 9, 15,
                                 clu + "schedule", "empty schedule"},
                      error_case{"EveryFraction", with_cluster("schedule: every 1.5h"), 9, 15,
                                 clu + "schedule", "fractions"},
                      error_case{"CronBadCharacter", with_cluster("schedule: \"*/5 * * * mon?\""),
                                 9, 15, clu + "schedule", "\"mon?\" is not a day"},
                      error_case{"ClusterSuspendNumber", with_cluster("suspend: 1"), 9, 14,
                                 clu + "suspend", "expected true or false, got '1'"},
                      error_case{"DuplicateEndpoint", with_cluster("endpoint: https://other"), 9, 5,
                                 clu + "endpoint", "duplicate key 'endpoint'"},
                      error_case{"EmptyTokenFileAfterTokenEnv", with_cluster("token_file: \"\""), 9,
                                 5, clu + "token_file", "only one of"}),
    case_name);

INSTANTIATE_TEST_SUITE_P(
    TopLevelKeys, ReportsError,
    ::testing::Values(error_case{"ListenWithoutPort", with_top("listen: localhost"), 9, 9, "listen",
                                 "invalid or missing port"},
                      error_case{"ListenWithoutHost", with_top("listen: \":9748\""), 9, 9, "listen",
                                 "invalid listen address ':9748'"},
                      error_case{"ListenPortTooLarge", with_top("listen: 127.0.0.1:70000"), 9, 9,
                                 "listen", "port 0..65535"},
                      error_case{"ListenNotAString", with_top("listen: [a]"), 9, 9, "listen",
                                 "expected a string, got a sequence"},
                      error_case{"UnknownLogFormat", with_top("log: {format: xml}"), 9, 15,
                                 "log.format", "invalid value 'xml' (expected text or json)"},
                      error_case{"UnknownLogLevel", with_top("log: {level: verbose}"), 9, 14,
                                 "log.level",
                                 "expected trace, debug, info, warn, error, critical or off"},
                      error_case{"MisspelledLogKey", with_top("log: {levle: info}"), 9, 7,
                                 "log.levle", "did you mean 'level'?"},
                      error_case{"SettingAtTopLevel", with_top("schedule: \"@daily\""), 9, 1,
                                 "schedule", "belongs under defaults"},
                      error_case{"EndpointAtTopLevel", with_top("endpoint: https://x"), 9, 1,
                                 "endpoint", "belongs to a cluster"},
                      error_case{"ClusterKeyInDefaults", with_top("defaults: {endpoint: x}"), 9, 12,
                                 "defaults.endpoint", "cannot be set in defaults"},
                      error_case{"SuspendInDefaults", with_top("defaults: {suspend: true}"), 9, 12,
                                 "defaults.suspend", "cannot be set in defaults"},
                      error_case{"NameInDefaults", with_top("defaults: {name: x}"), 9, 12,
                                 "defaults.name", "cannot be set in defaults"},
                      error_case{"DefaultsNotAMapping", with_top("defaults: [schedule]"), 9, 11,
                                 "defaults", "expected a mapping, got a sequence"},
                      error_case{"AdminNotAMapping", with_top("admin: /run/secrets/admin"), 9, 8,
                                 "admin", "expected a mapping, got a scalar"},
                      error_case{"MisspelledDefaultsKey", with_top("defaults: {timout: 1h}"), 9, 12,
                                 "defaults.timout", "did you mean 'timeout'?"},
                      error_case{"DefaultsPollConflict",
                                 with_top("defaults: {poll: {initial: 5s, max: 1s}}"), 9, 37,
                                 "defaults.poll.max", "is smaller than poll.initial"},
                      error_case{"UnknownAdminKey", with_top("admin: {token: x}"), 9, 9,
                                 "admin.token", "unknown key 'token'"},
                      error_case{"CapitalizedKey", with_top("Version: 1"), 9, 1, "Version",
                                 "did you mean 'version'?"},
                      error_case{"DashedKey", with_top("defaults: {freshness-target: 1h}"), 9, 12,
                                 "defaults.freshness-target", "did you mean 'freshness_target'?"},
                      error_case{"DuplicateClustersKey", with_top("clusters: []"), 9, 1, "clusters",
                                 "duplicate key 'clusters'"},
                      error_case{"LogNotAMapping", with_top("log: json"), 9, 6, "log",
                                 "expected a mapping, got a scalar"}),
    case_name);

}  // namespace
}  // namespace refreshd::config
