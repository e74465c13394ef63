// Token sources: read_token, and the load-time checks of token files and token variables.
#include <gtest/gtest.h>

#include <refreshd/config/token.hpp>

#include "config_test_support.hpp"

namespace refreshd::config {
namespace {

namespace fs = std::filesystem;

constexpr fs::perms owner_only = fs::perms::owner_read | fs::perms::owner_write;

struct trim_case {
  std::string content;
  std::string expected;
};

class ReadsTokenFile : public ::testing::TestWithParam<trim_case> {};

TEST_P(ReadsTokenFile, TrimmingTrailingWhitespace) {
  test::temp_dir dir;
  const auto file = dir.write("token", GetParam().content);
  EXPECT_EQ(read_token({token_kind::file, file.string(), {}}, {}), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(Table, ReadsTokenFile,
                         ::testing::Values(trim_case{"abc", "abc"}, trim_case{"abc\n", "abc"},
                                           trim_case{"abc\r\n", "abc"}, trim_case{"abc\n\n", "abc"},
                                           trim_case{"user:pass \t\n", "user:pass"},
                                           trim_case{" lead", " lead"}));

TEST(ReadToken, FromEnvironmentTrimmed) {
  const env_lookup env = test::fake_env({{"T", "value\n"}});
  EXPECT_EQ(read_token({token_kind::env, "T", {}}, env), "value");
}

TEST(ReadToken, LiteralAndNone) {
  EXPECT_EQ(read_token({token_kind::literal, {}, secret_string("lit\n")}, {}), "lit");
  EXPECT_EQ(read_token({token_kind::literal, {}, secret_string("")}, {}), "");
  EXPECT_EQ(read_token({}, {}), "");
}

TEST(ReadToken, RereadsTheFileEachTime) {
  test::temp_dir dir;
  const auto file = dir.write("token", "first\n");
  const token_source s{token_kind::file, file.string(), {}};
  EXPECT_EQ(read_token(s, {}), "first");
  dir.write("token", "second\n");
  EXPECT_EQ(read_token(s, {}), "second");
}

TEST(ReadToken, ThrowsNamingTheSource) {
  test::temp_dir dir;
  const auto empty = dir.write("empty", "\n");
  const env_lookup env = test::fake_env({{"BLANK", ""}});
  const auto message = [&](const token_source& s) -> std::string {
    try {
      (void)read_token(s, env);
    } catch (const token_error& e) {
      return e.what();
    }
    return "(no exception)";
  };
  EXPECT_EQ(message({token_kind::file, empty.string(), {}}),
            "token file " + empty.string() + " is empty");
  EXPECT_EQ(
      message({token_kind::file, (dir.path() / "nope").string(), {}}),
      "cannot read token file " + (dir.path() / "nope").string() + ": No such file or directory");
  EXPECT_EQ(message({token_kind::env, "BLANK", {}}), "token variable BLANK is empty");
  EXPECT_EQ(message({token_kind::env, "GONE", {}}), "token variable GONE is not set");
  EXPECT_EQ(message({token_kind::env, "GONE", {}}).find("(no exception)"), std::string::npos);
}

TEST(DescribeToken, NamesTheSource) {
  EXPECT_EQ(describe({token_kind::file, "/run/secrets/t", {}}), "file /run/secrets/t");
  EXPECT_EQ(describe({token_kind::env, "ZILLIZ_TOKEN", {}}), "env ZILLIZ_TOKEN");
  EXPECT_EQ(describe({}), "none");
}

// Load-time checks (check_files = true).
load_result load_checked(const std::string& yaml, const fs::path& base, test::env_map env = {}) {
  load_options o = test::test_options(std::move(env));
  o.check_files = true;
  o.base_directory = base;
  return test::load(yaml, o);
}

std::string with_token_line(const std::string& line) {
  return "version: 1\nclusters:\n  - name: a\n    endpoint: https://m\n    " + line +
         "\n    collections: [{name: b, schedule: '@daily'}]\n";
}

TEST(TokenFileCheck, PrivateFileLoadsWithoutWarning) {
  test::temp_dir dir;
  dir.write("t", "secret\n", owner_only);
  const load_result r = load_checked(with_token_line("token_file: t"), dir.path());
  ASSERT_TRUE(r.ok()) << test::dump(r);
  EXPECT_TRUE(r.warnings.empty()) << test::dump(r);
  EXPECT_EQ(r.value->clusters[0].token.kind, token_kind::file);
}

struct mode_case {
  fs::perms perms;
  std::string mode;
};

class WarnsAboutTokenFileMode : public ::testing::TestWithParam<mode_case> {};

TEST_P(WarnsAboutTokenFileMode, WhenGroupOrOthersCanRead) {
  test::temp_dir dir;
  const auto file = dir.write("t", "secret\n", GetParam().perms);
  const load_result r = load_checked(with_token_line("token_file: t"), dir.path());
  ASSERT_TRUE(r.ok()) << test::dump(r);
  ASSERT_EQ(r.warnings.size(), 1u) << test::dump(r);
  const diagnostic& w = r.warnings[0];
  EXPECT_EQ(w.path, "clusters[0].token_file");
  EXPECT_EQ(w.line, 5);
  EXPECT_EQ(w.column, 17);
  EXPECT_EQ(w.message, "token file " + file.string() + " is readable by group or others (mode " +
                           GetParam().mode + "); restrict it, e.g. chmod 600");
}

INSTANTIATE_TEST_SUITE_P(
    Table, WarnsAboutTokenFileMode,
    ::testing::Values(mode_case{fs::perms::owner_read | fs::perms::group_read, "0440"},
                      mode_case{fs::perms::owner_read | fs::perms::owner_write |
                                    fs::perms::group_read | fs::perms::others_read,
                                "0644"},
                      mode_case{fs::perms::owner_read | fs::perms::others_read, "0404"}));

TEST(TokenFileCheck, GroupWritableButNotReadableDoesNotWarn) {
  test::temp_dir dir;
  dir.write("t", "secret\n", owner_only | fs::perms::group_write);
  const load_result r = load_checked(with_token_line("token_file: t"), dir.path());
  ASSERT_TRUE(r.ok()) << test::dump(r);
  EXPECT_TRUE(r.warnings.empty()) << test::dump(r);
}

TEST(TokenFileCheck, MissingFileIsAnErrorNamingThePath) {
  test::temp_dir dir;
  const load_result r = load_checked(with_token_line("token_file: absent"), dir.path());
  ASSERT_EQ(r.errors.size(), 1u) << test::dump(r);
  EXPECT_EQ(r.errors[0].path, "clusters[0].token_file");
  EXPECT_EQ(r.errors[0].line, 5);
  EXPECT_EQ(r.errors[0].column, 17);
  EXPECT_EQ(r.errors[0].message,
            "token file " + (dir.path() / "absent").string() + ": No such file or directory");
}

TEST(TokenFileCheck, EmptyFileIsAnError) {
  test::temp_dir dir;
  dir.write("t", "\n", owner_only);
  const load_result r = load_checked(with_token_line("token_file: t"), dir.path());
  ASSERT_EQ(r.errors.size(), 1u) << test::dump(r);
  EXPECT_NE(r.errors[0].message.find("is empty"), std::string::npos);
}

TEST(TokenFileCheck, DirectoryIsAnError) {
  test::temp_dir dir;
  fs::create_directory(dir.path() / "d");
  const load_result r = load_checked(with_token_line("token_file: d"), dir.path());
  ASSERT_EQ(r.errors.size(), 1u) << test::dump(r);
  EXPECT_NE(r.errors[0].message.find("is not a regular file"), std::string::npos);
}

TEST(TokenFileCheck, SymlinkToFileIsFollowed) {
  // Kubernetes mounts secrets as symlinks into a ..data directory.
  test::temp_dir dir;
  fs::create_directory(dir.path() / "..data");
  dir.write("..data/token", "secret\n", owner_only);
  fs::create_symlink("..data/token", dir.path() / "token");
  const load_result r = load_checked(with_token_line("token_file: token"), dir.path());
  ASSERT_TRUE(r.ok()) << test::dump(r);
  EXPECT_TRUE(r.warnings.empty()) << test::dump(r);
}

TEST(TokenFileCheck, SkippedWhenFileChecksAreOff) {
  const load_result r = test::load(with_token_line("token_file: /surely/not/here"));
  ASSERT_TRUE(r.ok()) << test::dump(r);
  EXPECT_EQ(r.value->clusters[0].token.reference, "/surely/not/here");
}

TEST(TokenFileCheck, EmptyPathIsAnError) {
  const load_result r = test::load(with_token_line("token_file: \"\""));
  ASSERT_EQ(r.errors.size(), 1u) << test::dump(r);
  EXPECT_EQ(r.errors[0].message, "empty token file path");
}

TEST(AdminTokenFileCheck, SameRulesAsClusterTokens) {
  test::temp_dir dir;
  dir.write("admin", "a\n", owner_only | fs::perms::others_read);
  const load_result ok =
      load_checked("admin: {token_file: admin}\n" + with_token_line("token_env: TOKEN"), dir.path(),
                   {{"TOKEN", "t"}});
  ASSERT_TRUE(ok.ok()) << test::dump(ok);
  ASSERT_EQ(ok.warnings.size(), 1u);
  EXPECT_EQ(ok.warnings[0].path, "admin.token_file");
  EXPECT_EQ(ok.value->admin.token.kind, token_kind::file);
  const load_result missing =
      load_checked("admin: {token_file: none}\n" + with_token_line("token_env: TOKEN"), dir.path(),
                   {{"TOKEN", "t"}});
  ASSERT_EQ(missing.errors.size(), 1u);
  EXPECT_EQ(missing.errors[0].path, "admin.token_file");
}

TEST(CaFileCheck, MissingCaFileIsAnError) {
  test::temp_dir dir;
  const load_result r =
      load_checked(with_token_line("token_env: TOKEN\n    tls: {ca_file: ca.pem}"), dir.path(),
                   {{"TOKEN", "t"}});
  ASSERT_EQ(r.errors.size(), 1u) << test::dump(r);
  EXPECT_EQ(r.errors[0].path, "clusters[0].tls.ca_file");
  EXPECT_NE(r.errors[0].message.find("ca.pem"), std::string::npos);
}

struct env_case {
  std::string name;
  test::env_map env;
  std::string message;  // empty: valid
};

std::ostream& operator<<(std::ostream& os, const env_case& c) {
  return os << c.name;
}

class ChecksTokenEnv : public ::testing::TestWithParam<env_case> {};

TEST_P(ChecksTokenEnv, AtLoadTime) {
  test::temp_dir dir;
  const load_result r =
      load_checked(with_token_line("token_env: ZILLIZ_TOKEN"), dir.path(), GetParam().env);
  if (GetParam().message.empty()) {
    EXPECT_TRUE(r.ok()) << test::dump(r);
    return;
  }
  ASSERT_EQ(r.errors.size(), 1u) << test::dump(r);
  EXPECT_EQ(r.errors[0].path, "clusters[0].token_env");
  EXPECT_EQ(r.errors[0].column, 16);
  EXPECT_EQ(r.errors[0].message, GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ChecksTokenEnv,
    ::testing::Values(
        env_case{"Set", {{"ZILLIZ_TOKEN", "t"}}, ""},
        env_case{"Unset", {}, "environment variable ZILLIZ_TOKEN is not set"},
        env_case{"Empty", {{"ZILLIZ_TOKEN", ""}}, "environment variable ZILLIZ_TOKEN is empty"}),
    [](const auto& p) { return p.param.name; });

TEST(TokenEnv, InvalidVariableNameIsAnError) {
  const load_result r = test::load(with_token_line("token_env: MY-TOKEN"));
  ASSERT_EQ(r.errors.size(), 1u) << test::dump(r);
  EXPECT_EQ(r.errors[0].message, "invalid environment variable name 'MY-TOKEN'");
}

}  // namespace
}  // namespace refreshd::config
