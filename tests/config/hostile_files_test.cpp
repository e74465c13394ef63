// Hostile files (docs/SECURITY.md): config, token and CA files must be regular files of bounded
// size (a FIFO is refused without blocking, /dev/zero is refused, not read without end), and a file
// that is not YAML never has its lines echoed in errors.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <refreshd/config/file_read.hpp>
#include <refreshd/config/loader.hpp>
#include <refreshd/config/token.hpp>

#include "config_test_support.hpp"

namespace refreshd::config {
namespace {

namespace fs = std::filesystem;

std::string read_error(const fs::path& p, std::size_t cap, std::string_view what) {
  try {
    (void)read_bounded_regular_file(p, cap, what);
  } catch (const file_read_error& e) {
    return e.what();
  }
  return "(no error)";
}

fs::path make_fifo(const test::temp_dir& dir, const std::string& name) {
  const fs::path p = dir.path() / name;
  EXPECT_EQ(::mkfifo(p.c_str(), 0600), 0);
  return p;
}

fs::path link_to_dev_zero(const test::temp_dir& dir, const std::string& name) {
  const fs::path p = dir.path() / name;
  fs::create_symlink("/dev/zero", p);
  return p;
}

TEST(ReadBoundedRegularFile, ReturnsASmallFileWhole) {
  test::temp_dir dir;
  const auto p = dir.write("f", "hello\n");
  EXPECT_EQ(read_bounded_regular_file(p, 6, "test file"), "hello\n");
}

TEST(ReadBoundedRegularFile, RefusesOneByteOverTheCapNamingTheFile) {
  test::temp_dir dir;
  const auto p = dir.write("f", "hello\n!");
  EXPECT_EQ(read_error(p, 6, "test file"),
            "cannot read test file " + p.string() + ": larger than 6 bytes");
}

TEST(ReadBoundedRegularFile, RefusesAFifoWithoutBlocking) {
  test::temp_dir dir;
  const auto p = make_fifo(dir, "fifo");
  EXPECT_EQ(read_error(p, 1024, "config file"),
            "config file " + p.string() + " is not a regular file (a FIFO)");
}

TEST(ReadBoundedRegularFile, RefusesASymlinkToDevZero) {
  test::temp_dir dir;
  const auto p = link_to_dev_zero(dir, "zero");
  EXPECT_EQ(read_error(p, 1024, "token file"),
            "token file " + p.string() + " is not a regular file (a character device)");
}

TEST(ReadBoundedRegularFile, RefusesADirectoryAndNamesAMissingFile) {
  test::temp_dir dir;
  EXPECT_EQ(read_error(dir.path(), 1024, "CA file"),
            "CA file " + dir.path().string() + " is not a regular file (a directory)");
  EXPECT_EQ(
      read_error(dir.path() / "nope", 1024, "CA file"),
      "cannot read CA file " + (dir.path() / "nope").string() + ": No such file or directory");
}

TEST(HostileFiles, ATokenFileOnDevZeroIsNotARegularFile) {
  test::temp_dir dir;
  const auto p = link_to_dev_zero(dir, "token");
  try {
    (void)read_token({token_kind::file, p.string(), {}}, {});
    FAIL() << "expected token_error";
  } catch (const token_error& e) {
    EXPECT_NE(std::string(e.what()).find(p.string() + " is not a regular file"), std::string::npos)
        << e.what();
  }
}

TEST(HostileFiles, ATokenFileThatIsAFifoIsRefusedWithoutBlocking) {
  test::temp_dir dir;
  const auto p = make_fifo(dir, "token");
  EXPECT_THROW((void)read_token({token_kind::file, p.string(), {}}, {}), token_error);
}

TEST(HostileFiles, AConfigFileThatIsAFifoIsOneErrorNamingItWithoutBlocking) {
  test::temp_dir dir;
  const auto p = make_fifo(dir, "config.yaml");
  const load_result r = load_config_file(p, test::test_options());
  ASSERT_EQ(r.errors.size(), 1u) << test::dump(r);
  EXPECT_EQ(to_string(r.errors[0]), p.string() + ": cannot read: not a regular file (a FIFO)");
}

TEST(HostileFiles, AnOversizedCaFileIsAnErrorAtLoadTime) {
  test::temp_dir dir;
  dir.write("ca.pem", std::string(max_ca_file_size + 1, 'C'));
  load_options o = test::test_options();
  o.check_files = true;
  o.base_directory = dir.path();
  const load_result r = test::load(
      "version: 1\nclusters:\n  - name: a\n    endpoint: https://m\n    token_env: TOKEN\n"
      "    tls: {ca_file: ca.pem}\n    collections: [{name: b, schedule: '@daily'}]\n",
      o);
  ASSERT_EQ(r.errors.size(), 1u) << test::dump(r);
  EXPECT_EQ(r.errors[0].path, "clusters[0].tls.ca_file");
  EXPECT_NE(r.errors[0].message.find("larger than"), std::string::npos) << test::dump(r);
  EXPECT_EQ(r.errors[0].message.find("CCCC"), std::string::npos) << test::dump(r);
}

// /etc/shadow-like lines parse as YAML keys ("root:$6$...:7::" then ':' at the end of the line).
const std::string shadow =
    "root:$6$saltsalt$hashhashhashhashhashhashhashhashhashhashhashhash:19000:0:99999:7:::\n"
    "daemon:*:19000:0:99999:7:::\n"
    "alice:$6$pepperpe$secretsecretsecretsecretsecretsecretsecret0123:19001:0:99999:7:::\n";

TEST(HostileFiles, AShadowLikeFileNeverHasItsLinesEchoed) {
  test::temp_dir dir;
  const auto p = dir.write("shadow", shadow);
  const load_result r = load_config_file(p, test::test_options());
  ASSERT_FALSE(r.ok());
  const std::string text = to_string(r.errors);
  EXPECT_EQ(text.find("$6$"), std::string::npos) << text;
  EXPECT_EQ(text.find("hashhash"), std::string::npos) << text;
  EXPECT_EQ(text.find("secretsecret"), std::string::npos) << text;
  EXPECT_EQ(text.find("19000"), std::string::npos) << text;
  // Each line is reported with its position and a short key.
  EXPECT_NE(text.find(p.string() + ":1:1: root...: unknown key 'root...'"), std::string::npos)
      << text;
  EXPECT_NE(text.find(p.string() + ":3:1: alice...: unknown key 'alice...'"), std::string::npos)
      << text;
}

TEST(HostileFiles, ALongPlainKeyIsCutAtFortyCharacters) {
  const std::string key(100, 'k');
  const load_result r = test::load("version: 1\n" + key + ": 1\n");
  const std::string text = to_string(r.errors);
  EXPECT_NE(text.find("unknown key '" + std::string(40, 'k') + "...'"), std::string::npos) << text;
  EXPECT_EQ(text.find(std::string(41, 'k')), std::string::npos) << text;
}

TEST(HostileFiles, AYamlErrorNeverQuotesTheInput) {
  // yaml-cpp appends the offending text to a few messages ("bad YAML version: ...").
  const load_result r = test::load("%YAML 1.1-SECRET-VALUE\n---\nversion: 1\n");
  const std::string text = to_string(r.errors);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(text.find("SECRET"), std::string::npos) << text;
}

}  // namespace
}  // namespace refreshd::config
