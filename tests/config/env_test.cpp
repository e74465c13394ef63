#include <gtest/gtest.h>

#include <refreshd/config/env.hpp>

#include "config_test_support.hpp"

namespace refreshd::config {
namespace {

using test::fake_env;

const env_lookup& env() {
  static const env_lookup e = fake_env({{"HOST", "milvus.local"},
                                        {"PORT", "19530"},
                                        {"EMPTY", ""},
                                        {"DOLLAR", "a$b"},
                                        {"REF", "${HOST}"},
                                        {"_UNDER_1", "u"}});
  return e;
}

struct expand_case {
  std::string text;
  std::string expected;
};

class ExpandsReference : public ::testing::TestWithParam<expand_case> {};

TEST_P(ExpandsReference, ToValue) {
  const expansion x = expand_env(GetParam().text, env());
  ASSERT_TRUE(x.value.has_value()) << GetParam().text << ": " << x.errors.front();
  EXPECT_EQ(*x.value, GetParam().expected) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ExpandsReference,
    ::testing::Values(expand_case{"plain", "plain"}, expand_case{"", ""},
                      expand_case{"${HOST}", "milvus.local"},
                      expand_case{"https://${HOST}:${PORT}", "https://milvus.local:19530"},
                      expand_case{"${MISSING:-fallback}", "fallback"},
                      expand_case{"${HOST:-fallback}", "milvus.local"},
                      expand_case{"${EMPTY:-fallback}", "fallback"}, expand_case{"${EMPTY}", ""},
                      expand_case{"${MISSING:-}", ""}, expand_case{"$$", "$"},
                      expand_case{"$${HOST}", "${HOST}"}, expand_case{"a$$b", "a$b"},
                      expand_case{"s3://b/$x", "s3://b/$x"}, expand_case{"cost$", "cost$"},
                      expand_case{"$", "$"}, expand_case{"${DOLLAR}", "a$b"},
                      expand_case{"${REF}", "${HOST}"}, expand_case{"${_UNDER_1}", "u"},
                      expand_case{"${MISSING:-a:-b}", "a:-b"},
                      expand_case{"${MISSING:-with space}", "with space"},
                      expand_case{"x${HOST}y", "xmilvus.localy"}));

struct expand_error_case {
  std::string text;
  std::string message;
};

class RejectsReference : public ::testing::TestWithParam<expand_error_case> {};

TEST_P(RejectsReference, WithMessage) {
  const expansion x = expand_env(GetParam().text, env());
  EXPECT_FALSE(x.value.has_value()) << GetParam().text;
  ASSERT_FALSE(x.errors.empty());
  EXPECT_NE(x.errors.front().find(GetParam().message), std::string::npos) << x.errors.front();
}

INSTANTIATE_TEST_SUITE_P(
    Table, RejectsReference,
    ::testing::Values(expand_error_case{"${MISSING}", "environment variable MISSING is not set"},
                      expand_error_case{"${HOST", "unterminated"},
                      expand_error_case{"${}", "invalid variable"},
                      expand_error_case{"${1ABC}", "invalid variable"},
                      expand_error_case{"${A-B}", "invalid variable"},
                      expand_error_case{"${HOST-default}", "invalid variable"},
                      expand_error_case{"${A:-${B}}", "nested"},
                      expand_error_case{"${with space}", "invalid variable"}));

TEST(ExpandEnv, ReportsEveryUnsetVariable) {
  const expansion x = expand_env("${A}/${HOST}/${B}", env());
  ASSERT_EQ(x.errors.size(), 2u);
  EXPECT_NE(x.errors[0].find(" A "), std::string::npos);
  EXPECT_NE(x.errors[1].find(" B "), std::string::npos);
}

TEST(ExpandEnv, FlagsUseOfVariables) {
  EXPECT_TRUE(expand_env("${HOST}", env()).used_variables);
  EXPECT_TRUE(expand_env("${MISSING:-x}", env()).used_variables);
  EXPECT_FALSE(expand_env("plain $$ text", env()).used_variables);
}

TEST(ExpandEnv, ErrorNeverContainsTheDefault) {
  const expansion x = expand_env("${9BAD:-hunter2}", env());
  ASSERT_FALSE(x.errors.empty());
  EXPECT_EQ(x.errors.front().find("hunter2"), std::string::npos);
}

TEST(ExpandEnv, ProcessEnvReadsTheRealEnvironment) {
  // PATH is set in every test environment; nothing is written.
  EXPECT_TRUE(process_env()("PATH").has_value());
  EXPECT_FALSE(process_env()("REFRESHD_SURELY_UNSET_VARIABLE_42").has_value());
}

TEST(LoaderEnv, ExpandsEveryKindOfValue) {
  const load_result r = test::load(R"(version: 1
listen: ${LISTEN_HOST:-0.0.0.0}:${LISTEN_PORT}
clusters:
  - name: ${CLUSTER}
    endpoint: https://${HOST}
    token: ${TOKEN}
    rate_limit: ${RATE}
    max_running_jobs: ${JOBS:-3}
    collections:
      - name: books
        schedule: every ${EVERY}
        catch_up: ${CATCH_UP}
)",
                                   test::test_options({{"LISTEN_PORT", "9000"},
                                                       {"CLUSTER", "east"},
                                                       {"HOST", "m.example.com"},
                                                       {"TOKEN", "t"},
                                                       {"RATE", "2.5"},
                                                       {"EVERY", "10m"},
                                                       {"CATCH_UP", "false"}}));
  ASSERT_TRUE(r.ok()) << test::dump(r);
  const config& c = *r.value;
  EXPECT_EQ(c.listen.host, "0.0.0.0");
  EXPECT_EQ(c.listen.port, 9000);
  EXPECT_EQ(c.clusters[0].name, "east");
  EXPECT_EQ(c.clusters[0].endpoint, "https://m.example.com");
  EXPECT_EQ(c.clusters[0].rate_limit, 2.5);
  EXPECT_EQ(c.clusters[0].max_running_jobs, 3);
  EXPECT_EQ(c.clusters[0].collections[0].settings->schedule, "every 10m");
  EXPECT_FALSE(c.clusters[0].collections[0].settings->catch_up);
}

TEST(LoaderEnv, UnsetVariableNamesVariableAndKeyWithPosition) {
  const load_result r = test::load(test::with_collection("timeout: ${JOB_TIMEOUT}"));
  ASSERT_EQ(r.errors.size(), 1u) << test::dump(r);
  const diagnostic& d = r.errors[0];
  EXPECT_EQ(d.line, 9);
  EXPECT_EQ(d.column, 18);
  EXPECT_EQ(d.path, "clusters[0].collections[0].timeout");
  EXPECT_NE(d.message.find("JOB_TIMEOUT is not set"), std::string::npos) << d.message;
}

TEST(LoaderEnv, KeysAreNotExpanded) {
  const load_result r = test::load(test::with_collection("${KEY}: 5m"),
                                   test::test_options({{"TOKEN", "t"}, {"KEY", "timeout"}}));
  ASSERT_EQ(r.errors.size(), 1u) << test::dump(r);
  EXPECT_NE(r.errors[0].message.find("unknown key"), std::string::npos);
}

TEST(LoaderEnv, DoubleDollarGivesLiteralDollarInValues) {
  const load_result r = test::load(test::with_collection(
      "external_source: s3://bucket/$$data/\nexternal_spec: '{\"format\":\"parquet\"}'"));
  ASSERT_TRUE(r.ok()) << test::dump(r);
  EXPECT_EQ(r.value->clusters[0].collections[0].external->source, "s3://bucket/$data/");
}

}  // namespace
}  // namespace refreshd::config
