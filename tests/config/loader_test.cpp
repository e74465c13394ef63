// Valid files: defaults, every key's value, source locations, warnings, file loading.
#include <gtest/gtest.h>

#include "config_test_support.hpp"

namespace refreshd::config {
namespace {

using namespace std::chrono_literals;

bool has_warning(const load_result& r, std::string_view path, std::string_view text) {
  for (const diagnostic& w : r.warnings) {
    if (w.path == path && w.message.find(text) != std::string::npos) {
      return true;
    }
  }
  return false;
}

TEST(Loader, LoadsBaseFileWithBuiltInDefaults) {
  const load_result r = test::load(std::string(test::base_yaml));
  ASSERT_TRUE(r.ok()) << test::dump(r);
  EXPECT_TRUE(r.warnings.empty()) << test::dump(r);
  const config& c = *r.value;
  EXPECT_EQ(c.version, 1);
  EXPECT_EQ(c.file, "test.yaml");
  EXPECT_EQ(to_string(c.listen), "127.0.0.1:9748");
  EXPECT_EQ(c.admin.token.kind, token_kind::none);
  EXPECT_EQ(c.log.format, log_format::text);
  EXPECT_EQ(c.log.level, log_level::info);
  ASSERT_EQ(c.clusters.size(), 1u);
  const cluster& p = c.clusters[0];
  EXPECT_EQ(p.name, "prod");
  EXPECT_EQ(p.endpoint, "https://milvus.example.com");
  EXPECT_EQ(p.token.kind, token_kind::env);
  EXPECT_EQ(p.token.reference, "TOKEN");
  EXPECT_EQ(p.database, "default");
  EXPECT_EQ(p.tls, tls_settings{});
  EXPECT_EQ(p.request_timeout, 10s);
  EXPECT_EQ(p.rate_limit, 20.0);
  EXPECT_EQ(p.max_running_jobs, 8);
  EXPECT_FALSE(p.suspend);
  ASSERT_EQ(p.collections.size(), 1u);
  const collection& b = p.collections[0];
  EXPECT_EQ(b.name, "books");
  EXPECT_EQ(b.database, "default");
  EXPECT_FALSE(b.has_external());
  EXPECT_FALSE(b.suspend);
  const collection_settings& s = b.settings;
  EXPECT_EQ(s.schedule, "@hourly");
  EXPECT_EQ(s.timezone, "UTC");
  EXPECT_EQ(s.jitter, 0ms);
  EXPECT_EQ(s.jitter_mode, jitter_kind::random);
  EXPECT_TRUE(s.catch_up);
  EXPECT_EQ(s.starting_deadline, 1h);
  EXPECT_EQ(s.pending_timeout, 30min);
  EXPECT_EQ(s.timeout, 6h);
  EXPECT_EQ(s.retries, 2);
  EXPECT_EQ(s.retry_backoff, 1min);
  EXPECT_EQ(s.poll.initial, 2s);
  EXPECT_EQ(s.poll.max, 60s);
  EXPECT_EQ(s.freshness_target, 2h);
}

TEST(Loader, ReadsEveryKey) {
  const load_result r = test::load(R"(version: 1
listen: "[::1]:0"
log: {format: json, level: debug}
defaults:
  schedule: "*/15 * * * *"
  timezone: Europe/Berlin
  jitter: 30s
  jitter_mode: fixed
  catch_up: false
  starting_deadline: 0s
  pending_timeout: 10m
  timeout: 1h30m
  retries: 0
  retry_backoff: 250ms
  poll: {initial: 500ms, max: 5m}
  freshness_target: 1d
clusters:
  - name: edge-1_a
    endpoint: http://127.0.0.1:19530/prefix/
    token: ${TOKEN}
    database: analytics
    tls: {ca_file: "", insecure_skip_verify: false}
    request_timeout: 2s
    rate_limit: 0
    max_running_jobs: 1
    suspend: true
    collections:
      - name: _private9
        suspend: false
)");
  ASSERT_TRUE(r.ok()) << test::dump(r);
  const config& c = *r.value;
  EXPECT_EQ(c.listen.host, "::1");
  EXPECT_EQ(c.listen.port, 0);
  EXPECT_EQ(to_string(c.listen), "[::1]:0");
  EXPECT_EQ(c.log.format, log_format::json);
  EXPECT_EQ(c.log.level, log_level::debug);
  const cluster& k = c.clusters[0];
  EXPECT_EQ(k.name, "edge-1_a");
  EXPECT_EQ(k.token.kind, token_kind::literal);
  EXPECT_EQ(k.token.literal.reveal(), "tkn-value");
  EXPECT_EQ(k.database, "analytics");
  EXPECT_EQ(k.request_timeout, 2s);
  EXPECT_EQ(k.rate_limit, 0.0);
  EXPECT_EQ(k.max_running_jobs, 1);
  EXPECT_TRUE(k.suspend);
  const collection& x = k.collections[0];
  EXPECT_EQ(x.database, "analytics");
  EXPECT_FALSE(x.suspend);
  const collection_settings& s = x.settings;
  EXPECT_EQ(s.schedule, "*/15 * * * *");
  EXPECT_EQ(s.timezone, "Europe/Berlin");
  EXPECT_EQ(s.jitter, 30s);
  EXPECT_EQ(s.jitter_mode, jitter_kind::fixed);
  EXPECT_FALSE(s.catch_up);
  EXPECT_EQ(s.starting_deadline, 0s);
  EXPECT_EQ(s.pending_timeout, 10min);
  EXPECT_EQ(s.timeout, 90min);
  EXPECT_EQ(s.retries, 0);
  EXPECT_EQ(s.retry_backoff, 250ms);
  EXPECT_EQ(s.poll.initial, 500ms);
  EXPECT_EQ(s.poll.max, 5min);
  EXPECT_EQ(s.freshness_target, 24h);
  EXPECT_EQ(c.defaults, s);
}

struct level_case {
  std::string text;
  log_level level;
};

class ReadsLogLevel : public ::testing::TestWithParam<level_case> {};

TEST_P(ReadsLogLevel, ByName) {
  const load_result r = test::load(test::with_top("log: {level: " + GetParam().text + "}"));
  ASSERT_TRUE(r.ok()) << test::dump(r);
  EXPECT_EQ(r.value->log.level, GetParam().level);
  EXPECT_EQ(to_string(GetParam().level), GetParam().text);
}

INSTANTIATE_TEST_SUITE_P(Table, ReadsLogLevel,
                         ::testing::Values(level_case{"trace", log_level::trace},
                                           level_case{"debug", log_level::debug},
                                           level_case{"info", log_level::info},
                                           level_case{"warn", log_level::warn},
                                           level_case{"error", log_level::error},
                                           level_case{"critical", log_level::critical},
                                           level_case{"off", log_level::off}));

TEST(Loader, AcceptsSameCollectionNameInDifferentDatabases) {
  const load_result ok = test::load(R"(version: 1
clusters:
  - name: prod
    endpoint: https://m.example.com
    token_env: TOKEN
    collections:
      - {name: books, schedule: "@daily"}
      - {name: books, database: archive, schedule: "@daily"}
  - name: staging
    endpoint: https://s.example.com
    token_env: TOKEN
    collections:
      - {name: books, schedule: "@daily"}
)");
  ASSERT_TRUE(ok.ok()) << test::dump(ok);
  EXPECT_EQ(ok.value->clusters[0].collections[1].database, "archive");
}

TEST(Loader, RecordsSourceLocationsOfClustersAndCollections) {
  const load_result r = test::load(std::string(test::base_yaml));
  ASSERT_TRUE(r.ok());
  const cluster& p = r.value->clusters[0];
  EXPECT_EQ(p.location, (source_location{"test.yaml", 3, 5}));
  EXPECT_EQ(p.collections[0].location, (source_location{"test.yaml", 7, 9}));
}

TEST(Loader, FindsClustersAndCollections) {
  const load_result r = test::load(std::string(test::base_yaml));
  ASSERT_TRUE(r.ok());
  const cluster* p = find_cluster(*r.value, "prod");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(find_cluster(*r.value, "nope"), nullptr);
  EXPECT_NE(find_collection(*p, "default", "books"), nullptr);
  EXPECT_EQ(find_collection(*p, "other", "books"), nullptr);
}

TEST(Loader, EqualityIgnoresSourceLocations) {
  const load_result a = test::load(std::string(test::base_yaml));
  const load_result b = test::load("# moved down by a comment\n" + std::string(test::base_yaml));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a.value->clusters[0].location, b.value->clusters[0].location);
  EXPECT_EQ(a.value->clusters[0], b.value->clusters[0]);
  const load_result c = test::load(test::with_collection("retries: 5"));
  ASSERT_TRUE(c.ok());
  EXPECT_NE(a.value->clusters[0].collections[0], c.value->clusters[0].collections[0]);
}

TEST(Loader, EmptyAdminTokenFileDisablesAdminApi) {
  const load_result r = test::load(test::with_top("admin: {token_file: \"\"}"));
  ASSERT_TRUE(r.ok()) << test::dump(r);
  EXPECT_EQ(r.value->admin.token.kind, token_kind::none);
}

TEST(LoaderWarnings, ClusterWithoutCollections) {
  const load_result r = test::load(
      "version: 1\nclusters:\n  - name: a\n    endpoint: https://m\n    token_env: TOKEN\n");
  ASSERT_TRUE(r.ok()) << test::dump(r);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0].path, "clusters[0]");
  EXPECT_NE(r.warnings[0].message.find("no collections"), std::string::npos);
}

TEST(LoaderWarnings, InsecureSkipVerify) {
  const load_result r = test::load(test::with_cluster("tls: {insecure_skip_verify: true}"));
  ASSERT_TRUE(r.ok()) << test::dump(r);
  EXPECT_TRUE(r.value->clusters[0].tls.insecure_skip_verify);
  EXPECT_TRUE(has_warning(r, "clusters[0].tls.insecure_skip_verify", "verification is disabled"))
      << test::dump(r);
}

struct http_case {
  std::string endpoint;
  bool warns;
};

class WarnsAboutPlainHttp : public ::testing::TestWithParam<http_case> {};

TEST_P(WarnsAboutPlainHttp, OnlyForNonLoopbackHosts) {
  const load_result r =
      test::load("version: 1\nclusters:\n  - name: a\n    endpoint: " + GetParam().endpoint +
                 "\n    token_env: TOKEN\n    collections: [{name: b, "
                 "schedule: '@daily'}]\n");
  ASSERT_TRUE(r.ok()) << test::dump(r);
  const bool warned = has_warning(r, "clusters[0].endpoint", "plain http");
  EXPECT_EQ(warned, GetParam().warns) << GetParam().endpoint << "\n" << test::dump(r);
  if (warned) {
    EXPECT_EQ(r.warnings[0].line, 4);
    EXPECT_EQ(r.warnings[0].column, 15);
  }
}

INSTANTIATE_TEST_SUITE_P(Table, WarnsAboutPlainHttp,
                         ::testing::Values(http_case{"http://milvus.internal:19530", true},
                                           http_case{"http://10.0.0.5:19530", true},
                                           http_case{"HTTP://m.example", true},
                                           http_case{"http://127.0.0.1:19530", false},
                                           http_case{"http://127.10.20.30", false},
                                           http_case{"http://localhost", false},
                                           http_case{"http://api.localhost:8080", false},
                                           http_case{"http://[::1]:19530", false},
                                           http_case{"https://milvus.internal:19530", false}));

TEST(LoaderWarnings, NoPlainHttpWarningWithoutToken) {
  const load_result r = test::load(
      "version: 1\nclusters:\n  - name: a\n    endpoint: http://m.example\n    token: \"\"\n"
      "    collections: [{name: b, schedule: '@daily'}]\n");
  ASSERT_TRUE(r.ok()) << test::dump(r);
  EXPECT_FALSE(has_warning(r, "clusters[0].endpoint", "plain http"));
  EXPECT_TRUE(has_warning(r, "clusters[0].token", "the token is empty"));
}

TEST(LoaderWarnings, TlsSettingsOnHttpEndpoint) {
  const load_result r = test::load(
      "version: 1\nclusters:\n  - name: a\n    endpoint: http://localhost\n    token_env: TOKEN\n"
      "    tls: {ca_file: /etc/ca.pem}\n    collections: [{name: b, schedule: '@daily'}]\n");
  ASSERT_TRUE(r.ok()) << test::dump(r);
  EXPECT_TRUE(has_warning(r, "clusters[0].endpoint", "no effect on an http:// endpoint"));
}

TEST(LoaderWarnings, LiteralTokenInFile) {
  const load_result r = test::load(
      "version: 1\nclusters:\n  - name: a\n    endpoint: https://m\n    token: abc123\n"
      "    collections: [{name: b, schedule: '@daily'}]\n");
  ASSERT_TRUE(r.ok()) << test::dump(r);
  EXPECT_TRUE(has_warning(r, "clusters[0].token", "written in the config file"));
  EXPECT_EQ(r.value->clusters[0].token.literal.reveal(), "abc123");
}

TEST(LoaderWarnings, AreReturnedWithErrorsToo) {
  const load_result r =
      test::load(test::with_cluster("tls: {insecure_skip_verify: true}") + "    retries: many\n");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.errors.size(), 1u) << test::dump(r);
  EXPECT_EQ(r.warnings.size(), 1u) << test::dump(r);
}

TEST(LoadFile, ResolvesRelativePathsAgainstTheConfigDirectory) {
  test::temp_dir dir;
  dir.write("token", "secret\n");
  dir.write("ca.pem", "-----BEGIN CERTIFICATE-----\n");
  const auto file = dir.write("config.yaml", R"(version: 1
admin: {token_file: token}
clusters:
  - name: a
    endpoint: https://m
    token_file: token
    tls: {ca_file: ca.pem}
    collections: [{name: b, schedule: '@daily'}]
)");
  load_options o = test::test_options();
  o.check_files = true;
  const load_result r = load_config_file(file, o);
  ASSERT_TRUE(r.ok()) << test::dump(r);
  EXPECT_TRUE(r.warnings.empty()) << test::dump(r);
  EXPECT_EQ(r.value->file, file.string());
  EXPECT_EQ(r.value->clusters[0].token.reference, (dir.path() / "token").string());
  EXPECT_EQ(r.value->clusters[0].tls.ca_file, (dir.path() / "ca.pem").string());
  EXPECT_EQ(r.value->admin.token.reference, (dir.path() / "token").string());
}

TEST(LoadFile, MissingFileIsOneErrorNamingTheFile) {
  test::temp_dir dir;
  const load_result r = load_config_file(dir.path() / "absent.yaml", test::test_options());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 0);
  const std::string text = to_string(r.errors[0]);
  EXPECT_NE(text.find("absent.yaml: cannot read: No such file or directory"), std::string::npos)
      << text;
}

TEST(LoadFile, DirectoryIsAnError) {
  test::temp_dir dir;
  const load_result r = load_config_file(dir.path(), test::test_options());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("cannot read"), std::string::npos);
}

TEST(LoadFile, OrThrowThrowsOnceWithEveryError) {
  test::temp_dir dir;
  const auto file = dir.write("bad.yaml", "version: 3\nclusters: []\n");
  try {
    (void)load_config_file_or_throw(file, test::test_options());
    FAIL() << "expected config_load_error";
  } catch (const config_load_error& e) {
    EXPECT_EQ(e.errors().size(), 2u);
    const std::string what = e.what();
    EXPECT_NE(what.find("bad.yaml:1:10: version: unsupported config version 3"), std::string::npos)
        << what;
    EXPECT_NE(what.find("bad.yaml:2:11: clusters: at least one cluster is required"),
              std::string::npos)
        << what;
  }
}

TEST(LoadFile, OrThrowReturnsConfigAndWarnings) {
  test::temp_dir dir;
  const auto file = dir.write("ok.yaml", test::with_cluster("tls: {insecure_skip_verify: true}"));
  std::vector<diagnostic> warnings;
  const config c = load_config_file_or_throw(file, test::test_options(), &warnings);
  EXPECT_EQ(c.clusters.size(), 1u);
  EXPECT_EQ(warnings.size(), 1u);
}

TEST(LoadString, RejectsOversizedInput) {
  const std::string big(max_config_size + 1, '#');
  const load_result r = test::load(big);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("larger than"), std::string::npos);
}

TEST(LoadString, UsesInjectedScheduleChecker) {
  load_options o = test::test_options();
  std::vector<std::string> seen;
  o.check_schedule = [&seen](std::string_view s) -> std::optional<std::string> {
    seen.emplace_back(s);
    if (s == "@hourly") {
      return std::nullopt;
    }
    return "not allowed by the test checker";
  };
  const load_result ok = test::load(std::string(test::base_yaml), o);
  EXPECT_TRUE(ok.ok()) << test::dump(ok);
  const load_result bad = test::load(test::with_cluster("schedule: \"61 * * * *\""), o);
  ASSERT_EQ(bad.errors.size(), 1u) << test::dump(bad);
  EXPECT_EQ(bad.errors[0].message, "invalid schedule: not allowed by the test checker");
  EXPECT_EQ(bad.errors[0].path, "clusters[0].schedule");
  EXPECT_EQ(seen.size(), 3u);  // @hourly, then @hourly and "61 * * * *"
}

}  // namespace
}  // namespace refreshd::config
