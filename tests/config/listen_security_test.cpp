// listen_tls and read_auth (docs/HTTP.md): parsing, file checks, bcrypt hash shape, and no secret
// or hash in any message.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "config_test_support.hpp"

namespace refreshd::config {
namespace {

// A syntactically valid bcrypt hash (of "pw", cost 4); never printed in a message.
constexpr std::string_view good_hash =
    "$2b$04$Kx9ZrWm2V9PzG6yq0P0nLe0e2XyN3o2Wl3iTq3H9x5Yl8o5m5q6ZC";

struct files {
  test::temp_dir dir;
  files() {
    dir.write("tls.crt", "-----BEGIN CERTIFICATE-----\n");
    dir.write("tls.key", "-----BEGIN PRIVATE KEY-----\n");
    dir.write("ca.crt", "-----BEGIN CERTIFICATE-----\n");
    dir.write("read.token", "read-secret\n");
  }
  load_options options() const {
    load_options o = test::test_options();
    o.check_files = true;
    o.base_directory = dir.path();
    return o;
  }
};

std::string all_messages(const load_result& r) {
  return to_string(r.errors) + to_string(r.warnings, "warning: ");
}

TEST(ListenTls, AbsentMeansPlainHttpAndNoReadAuth) {
  const load_result r = test::load(std::string(test::base_yaml));
  ASSERT_TRUE(r.ok()) << test::dump(r);
  EXPECT_FALSE(r.value->listen_tls.enabled());
  EXPECT_FALSE(r.value->read_auth.enabled());
}

TEST(ListenTls, ReadsTheFilesResolvedAgainstTheConfigDirectory) {
  files f;
  const load_result r = test::load(
      test::with_top(
          "listen_tls: {cert_file: tls.crt, key_file: tls.key, client_ca_file: ca.crt}\n"),
      f.options());
  ASSERT_TRUE(r.ok()) << test::dump(r);
  EXPECT_TRUE(r.warnings.empty()) << test::dump(r);
  const auto& t = r.value->listen_tls;
  EXPECT_TRUE(t.enabled());
  EXPECT_EQ(t.cert_file, (f.dir.path() / "tls.crt").string());
  EXPECT_EQ(t.key_file, (f.dir.path() / "tls.key").string());
  EXPECT_EQ(t.client_ca_file, (f.dir.path() / "ca.crt").string());
}

TEST(ListenTls, MissingKeyFileIsAnError) {
  files f;
  const load_result r =
      test::load(test::with_top("listen_tls: {cert_file: tls.crt}\n"), f.options());
  ASSERT_EQ(r.errors.size(), 1u) << test::dump(r);
  EXPECT_EQ(r.errors[0].path, "listen_tls.key_file");
  EXPECT_NE(r.errors[0].message.find("missing required key 'key_file'"), std::string::npos);
}

TEST(ListenTls, EmptyMappingNeedsBothFiles) {
  const load_result r = test::load(test::with_top("listen_tls: {}\n"));
  EXPECT_EQ(r.errors.size(), 2u) << test::dump(r);
}

TEST(ListenTls, MissingCertFileNamesThePath) {
  files f;
  const load_result r = test::load(
      test::with_top("listen_tls: {cert_file: absent.crt, key_file: tls.key}\n"), f.options());
  ASSERT_EQ(r.errors.size(), 1u) << test::dump(r);
  EXPECT_EQ(r.errors[0].path, "listen_tls.cert_file");
  EXPECT_NE(r.errors[0].message.find((f.dir.path() / "absent.crt").string()), std::string::npos);
}

TEST(ListenTls, FifoAsCertIsRefusedWithoutBlocking) {
  files f;
  const auto fifo = f.dir.path() / "fifo.crt";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const load_result r = test::load(
      test::with_top("listen_tls: {cert_file: fifo.crt, key_file: tls.key}\n"), f.options());
  ASSERT_EQ(r.errors.size(), 1u) << test::dump(r);
  EXPECT_NE(r.errors[0].message.find("is not a regular file (a FIFO)"), std::string::npos)
      << test::dump(r);
}

TEST(ListenTls, UnknownKeyIsAnError) {
  const load_result r =
      test::load(test::with_top("listen_tls: {cert_file: a, key_file: b, ca_file: c}\n"));
  ASSERT_EQ(r.errors.size(), 1u) << test::dump(r);
  EXPECT_EQ(r.errors[0].path, "listen_tls.ca_file");
}

TEST(ListenTls, KeyFileReadableByOthersIsAWarning) {
  files f;
  f.dir.write("open.key", "-----BEGIN PRIVATE KEY-----\n",
              std::filesystem::perms::owner_read | std::filesystem::perms::others_read);
  const load_result r = test::load(
      test::with_top("listen_tls: {cert_file: tls.crt, key_file: open.key}\n"), f.options());
  ASSERT_TRUE(r.ok()) << test::dump(r);
  ASSERT_EQ(r.warnings.size(), 1u) << test::dump(r);
  EXPECT_NE(r.warnings[0].message.find("mode 0404"), std::string::npos);
}

TEST(ReadAuth, TokenFileAndUsers) {
  files f;
  const load_result r =
      test::load(test::with_top("read_auth:\n  token_file: read.token\n  basic_auth_users:\n"
                                "    zed: \"" +
                                std::string(good_hash) + "\"\n    prometheus: '" +
                                std::string(good_hash) + "'\n"),
                 f.options());
  ASSERT_TRUE(r.ok()) << test::dump(r);
  const auto& a = r.value->read_auth;
  EXPECT_TRUE(a.enabled());
  EXPECT_EQ(a.token.kind, token_kind::file);
  EXPECT_EQ(a.token.reference, (f.dir.path() / "read.token").string());
  ASSERT_EQ(a.basic_auth_users.size(), 2u);
  EXPECT_EQ(a.basic_auth_users[0].name, "prometheus");
  EXPECT_EQ(a.basic_auth_users[0].hash.reveal(), good_hash);
  EXPECT_EQ(a.basic_auth_users[1].name, "zed");
}

TEST(ReadAuth, MissingTokenFileIsAnError) {
  files f;
  const load_result r = test::load(test::with_top("read_auth: {token_file: nope}\n"), f.options());
  ASSERT_EQ(r.errors.size(), 1u) << test::dump(r);
  EXPECT_EQ(r.errors[0].path, "read_auth.token_file");
}

TEST(ReadAuth, PlainPasswordIsNotABcryptHashAndIsNeverQuoted) {
  const load_result r =
      test::load(test::with_top("read_auth:\n  basic_auth_users:\n    prometheus: hunter2-pw\n"));
  ASSERT_EQ(r.errors.size(), 1u) << test::dump(r);
  EXPECT_EQ(r.errors[0].path, "read_auth.basic_auth_users.prometheus");
  EXPECT_NE(r.errors[0].message.find("not a bcrypt hash"), std::string::npos);
  EXPECT_EQ(all_messages(r).find("hunter2"), std::string::npos) << all_messages(r);
}

TEST(ReadAuth, OtherCryptSchemesAreRefused) {
  // A SHA-512 crypt hash and a bcrypt hash with an impossible cost.
  for (const std::string h : {"$6$salt$abcdefghijklmnopqrstuvwxyz",
                              "$2b$99$Kx9ZrWm2V9PzG6yq0P0nLe0e2XyN3o2Wl3iTq3H9x5Yl8o5m5q6ZC"}) {
    const load_result r =
        test::load(test::with_top("read_auth:\n  basic_auth_users:\n    p: '" + h + "'\n"));
    ASSERT_EQ(r.errors.size(), 1u) << test::dump(r);
    EXPECT_EQ(all_messages(r).find(h), std::string::npos) << all_messages(r);
  }
}

TEST(ReadAuth, UserNameWithColonIsRefused) {
  const load_result r = test::load(test::with_top("read_auth:\n  basic_auth_users:\n    'a:b': '" +
                                                  std::string(good_hash) + "'\n"));
  ASSERT_EQ(r.errors.size(), 1u) << test::dump(r);
  EXPECT_NE(r.errors[0].message.find("without ':'"), std::string::npos);
}

TEST(ReadAuth, EmptyIsAnError) {
  for (const std::string yaml :
       {"read_auth: {}\n", "read_auth:\n", "read_auth: {basic_auth_users: {}}\n"}) {
    const load_result r = test::load(test::with_top(yaml));
    ASSERT_EQ(r.errors.size(), 1u) << yaml << test::dump(r);
    EXPECT_NE(r.errors[0].message.find("needs token_file or basic_auth_users"), std::string::npos);
  }
}

TEST(ReadAuth, AtClusterLevelPointsToTheTop) {
  const load_result r = test::load(test::with_cluster("read_auth: {token_file: x}\n"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.errors[0].message.find("top-level key"), std::string::npos) << test::dump(r);
}

}  // namespace
}  // namespace refreshd::config
