// Secrets (token values, external_spec contents, credentials in URLs) never appear in any error,
// warning or exception message.
#include <ostream>

#include <gtest/gtest.h>

#include <refreshd/config/token.hpp>

#include "config_test_support.hpp"

namespace refreshd::config {
namespace {

template <class T>
concept streamable = requires(std::ostream& os, const T& t) {
  os << t;
};
static_assert(!streamable<secret_string>, "secret_string must not be printable");
static_assert(!std::is_convertible_v<secret_string, std::string>);

// Every message the loader produced, joined.
std::string all_messages(const load_result& r) {
  return to_string(r.errors) + to_string(r.warnings, "warning: ");
}

struct secret_case {
  std::string name;
  std::string yaml;
  std::vector<std::string> secrets;  // none may appear
  bool expect_error;
};

std::ostream& operator<<(std::ostream& os, const secret_case& c) {
  return os << c.name;
}

class NeverPrintsSecret : public ::testing::TestWithParam<secret_case> {};

TEST_P(NeverPrintsSecret, InAnyDiagnostic) {
  const secret_case& c = GetParam();
  test::temp_dir dir;
  dir.write("open-token", "SECRET-FILE-TOKEN\n",
            std::filesystem::perms::owner_read | std::filesystem::perms::group_read |
                std::filesystem::perms::others_read);
  load_options o =
      test::test_options({{"TOKEN", "SECRET-ENV-TOKEN"}, {"SPEC_KEY", "SECRET-ENV-SPEC"}});
  o.check_files = true;
  o.base_directory = dir.path();
  const load_result r = test::load(c.yaml, o);
  EXPECT_EQ(!r.ok(), c.expect_error) << test::dump(r);
  EXPECT_FALSE(r.errors.empty() && r.warnings.empty()) << "the case must produce a message";
  const std::string text = all_messages(r);
  for (const std::string& secret : c.secrets) {
    EXPECT_EQ(text.find(secret), std::string::npos) << "'" << secret << "' leaked:\n" << text;
  }
}

std::string cluster(const std::string& lines, const std::string& collection_lines = "") {
  return "version: 1\nclusters:\n  - name: a\n" + test::indent(lines, 4) +
         "    collections:\n      - name: b\n        schedule: '@daily'\n" +
         test::indent(collection_lines, 8);
}

std::string external(const std::string& source, const std::string& value) {
  return cluster("endpoint: https://m\ntoken_env: TOKEN",
                 "external_source: " + source + "\nexternal_spec: " + value);
}

std::string spec(const std::string& value) {
  return external("s3://b/p/", value);
}

INSTANTIATE_TEST_SUITE_P(
    Table, NeverPrintsSecret,
    ::testing::Values(
        secret_case{"LiteralTokenWithSecondSource",
                    cluster("endpoint: https://m\ntoken: SECRET-LITERAL-1\ntoken_env: TOKEN"),
                    {"SECRET-LITERAL-1", "SECRET-ENV-TOKEN"},
                    true},
        secret_case{"LiteralTokenPlainTextWarning",
                    cluster("endpoint: http://remote\ntoken: SECRET-LITERAL-2"),
                    {"SECRET-LITERAL-2"},
                    false},
        secret_case{"ExpandedTokenOverHttp",
                    cluster("endpoint: http://remote\ntoken: ${TOKEN}"),
                    {"SECRET-ENV-TOKEN"},
                    false},
        secret_case{"TokenOfWrongType",
                    cluster("endpoint: https://m\ntoken: {v: SECRET-MAP-3}"),
                    {"SECRET-MAP-3"},
                    true},
        secret_case{"TokenSequence",
                    cluster("endpoint: https://m\ntoken: [SECRET-SEQ-4]"),
                    {"SECRET-SEQ-4"},
                    true},
        secret_case{"DefaultOfBadReference",
                    cluster("endpoint: https://m\ntoken: ${9X:-SECRET-DEFAULT-5}"),
                    {"SECRET-DEFAULT-5"},
                    true},
        secret_case{"WorldReadableTokenFile",
                    cluster("endpoint: https://m\ntoken_file: open-token"),
                    {"SECRET-FILE-TOKEN"},
                    false},
        secret_case{"TokenEnvIsAName",
                    cluster("endpoint: http://remote\ntoken_env: TOKEN"),
                    {"SECRET-ENV-TOKEN"},
                    false},
        secret_case{"EndpointUserinfo",
                    cluster("endpoint: https://admin:SECRET-PW-6@m.example.com\ntoken_env: TOKEN"),
                    {"SECRET-PW-6", "admin:"},
                    true},
        secret_case{"SourceCredentials",
                    external("s3://AKIAID:SECRET-KEY-7@bucket/x/", "'{\"format\":\"parquet\"}'"),
                    {"SECRET-KEY-7", "AKIAID"},
                    true},
        secret_case{"SpecInvalidJson",
                    spec("'{\"format\":\"parquet\",\"key\":\"SECRET-SPEC-8\"'"),
                    {"SECRET-SPEC-8"},
                    true},
        secret_case{"SpecNotAnObject", spec("'\"SECRET-SPEC-9\"'"), {"SECRET-SPEC-9"}, true},
        secret_case{"SpecUnknownFormat",
                    spec("'{\"format\":\"SECRET-FORMAT-10\"}'"),
                    {"SECRET-FORMAT-10"},
                    false},
        secret_case{"SpecUnknownKey",
                    spec("'{\"format\":\"parquet\",\"SECRET-KEYNAME-11\":\"SECRET-VALUE-11\"}'"),
                    {"SECRET-KEYNAME-11", "SECRET-VALUE-11"},
                    false},
        secret_case{"SpecBadSnapshot",
                    spec("'{\"format\":\"parquet\",\"snapshot_id\":\"SECRET-12\"}'"),
                    {"SECRET-12"},
                    true},
        secret_case{"SpecFromEnv",
                    spec("'{\"format\":\"parquet\",\"k\":\"${SPEC_KEY}\",'"),
                    {"SECRET-ENV-SPEC"},
                    true},
        secret_case{"SpecMappingWithUnsetVariable",
                    spec("{format: parquet, key: SECRET-MAPVAL-13, other: '${UNSET_VAR}'}"),
                    {"SECRET-MAPVAL-13"},
                    true},
        secret_case{"SpecMappingUnknownFormat",
                    spec("{format: SECRET-FMT-14, k: '${SPEC_KEY}'}"),
                    {"SECRET-FMT-14", "SECRET-ENV-SPEC"},
                    false}),
    [](const auto& p) { return p.param.name; });

TEST(Secrets, ReadTokenErrorsNameTheSourceNotTheValue) {
  test::temp_dir dir;
  const auto big = dir.write("big", std::string(max_token_file_size + 10, 'S'));
  const auto empty = dir.write("empty", "\n\n");
  const env_lookup env = test::fake_env({{"EMPTY_TOKEN", "   "}});
  const std::vector<token_source> sources{
      {token_kind::file, big.string(), {}},
      {token_kind::file, empty.string(), {}},
      {token_kind::file, (dir.path() / "missing").string(), {}},
      {token_kind::env, "EMPTY_TOKEN", {}},
      {token_kind::env, "UNSET_TOKEN", {}},
  };
  for (const token_source& s : sources) {
    try {
      (void)read_token(s, env);
      ADD_FAILURE() << "expected token_error for " << describe(s);
    } catch (const token_error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(s.reference), std::string::npos) << what;
      EXPECT_EQ(what.find("SSSS"), std::string::npos) << what;
    }
  }
}

TEST(Secrets, DescribeNeverShowsALiteralToken) {
  const token_source s{token_kind::literal, {}, secret_string("SECRET-DESCRIBE")};
  EXPECT_EQ(describe(s), "inline token");
}

TEST(Secrets, ThrownLoadErrorHasNoSecret) {
  test::temp_dir dir;
  const auto file =
      dir.write("c.yaml",
                "version: 1\nclusters:\n  - name: a\n    endpoint: https://u:SECRET-THROW@m\n"
                "    token: SECRET-THROW-2\n    token_env: X\n    collections: []\n");
  try {
    (void)load_config_file_or_throw(file, test::test_options());
    FAIL();
  } catch (const config_load_error& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.find("SECRET-THROW"), std::string::npos) << what;
    EXPECT_NE(what.find("c.yaml:4:15"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace refreshd::config
