// `cmake --install` of this build tree into scratch prefixes: the layout, /etc under prefix /usr,
// nothing written outside the prefix, an edited config kept, the component split.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <refreshd/test/child_process.hpp>

#include "packaging_support.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace refreshd::test {
namespace {

const fs::path source_dir{REFRESHD_SOURCE_DIR};

process_result cmake_install(const fs::path& prefix, std::vector<std::string> extra = {},
                             std::vector<std::string> env = {}) {
  std::vector<std::string> argv{REFRESHD_CMAKE_COMMAND, "--install", REFRESHD_BUILD_DIR, "--prefix",
                                prefix.string()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  // No DESTDIR from the caller's environment; an entry of `env` (later entries win) may set one.
  env.insert(env.begin(), "DESTDIR=");
  return run(std::move(argv), std::move(env), 60s);
}

// Every regular file below `root`, as paths relative to it.
std::vector<std::string> files_below(const fs::path& root) {
  std::vector<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_directory()) {
      files.push_back(fs::relative(entry.path(), root).string());
    }
  }
  return files;
}

TEST(InstallTest, ScratchPrefixGetsBinariesConfigDocsAndManPage) {
  scratch_dir dir;
  const auto prefix = dir.path() / "x";
  const auto r = cmake_install(prefix);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  for (const char* file :
       {"bin/milvus-refreshd", "bin/milvus-refresh-sim", "etc/milvus-refreshd/config.yaml",
        "share/doc/milvus-refreshd/README.md", "share/doc/milvus-refreshd/examples/minimal.yaml",
        "share/man/man1/milvus-refreshd.1.gz", "share/doc/milvus-refresh-sim/README.md"}) {
    EXPECT_TRUE(fs::is_regular_file(prefix / file)) << file;
  }
  for (const auto& doc : fs::directory_iterator(source_dir / "docs")) {
    if (doc.path().extension() == ".md") {
      EXPECT_TRUE(fs::exists(prefix / "share/doc/milvus-refreshd" / doc.path().filename()))
          << doc.path();
    }
  }
  if (fs::exists(source_dir / "deploy/prometheus/alerts.yml")) {
    EXPECT_TRUE(fs::exists(prefix / "share/doc/milvus-refreshd/prometheus/alerts.yml"));
  }
  const auto version = run({(prefix / "bin/milvus-refreshd").string(), "version"}, {}, 20s);
  EXPECT_EQ(version.exit_code, 0) << version.err;
  EXPECT_NE(version.out.find(REFRESHD_VERSION), std::string::npos) << version.out;
}

TEST(InstallTest, NothingIsWrittenOutsideTheScratchPrefix) {
  scratch_dir dir;
  const auto prefix = dir.path() / "x";
  // With DESTDIR, a file installed to an absolute path outside the prefix lands beside it.
  const auto r = cmake_install(prefix, {}, {"DESTDIR=" + (dir.path() / "dest").string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto staged_prefix = dir.path() / "dest" / prefix.relative_path();
  const auto files = files_below(dir.path() / "dest");
  ASSERT_FALSE(files.empty());
  for (const auto& file : files) {
    EXPECT_TRUE(fs::path(file).string().starts_with(prefix.relative_path().string()))
        << file << " is outside " << prefix;
  }
  EXPECT_TRUE(fs::exists(staged_prefix / "etc/milvus-refreshd/config.yaml"));
}

TEST(InstallTest, PrefixUsrPutsTheConfigInEtcAndTheUnitUnderUsrLib) {
  scratch_dir dir;
  const auto dest = dir.path() / "dest";
  const auto r = run({REFRESHD_CMAKE_COMMAND, "--install", REFRESHD_BUILD_DIR, "--prefix", "/usr"},
                     {"DESTDIR=" + dest.string()}, 60s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(fs::is_regular_file(dest / "usr/bin/milvus-refreshd"));
  EXPECT_TRUE(fs::is_regular_file(dest / "etc/milvus-refreshd/config.yaml"));
  EXPECT_FALSE(fs::exists(dest / "usr/etc"));
  if (fs::exists(source_dir / "systemd/milvus-refreshd.service")) {
    EXPECT_TRUE(fs::is_regular_file(dest / "usr/lib/systemd/system/milvus-refreshd.service") ||
                fs::is_regular_file(dest / "lib/systemd/system/milvus-refreshd.service"));
  }
}

TEST(InstallTest, ReinstallKeepsAnEditedConfig) {
  scratch_dir dir;
  const auto prefix = dir.path() / "x";
  ASSERT_EQ(cmake_install(prefix).exit_code, 0);
  const auto config = prefix / "etc/milvus-refreshd/config.yaml";
  std::ofstream(config, std::ios::app) << "# edited by the operator\n";
  const auto edited = read_text_file(config);

  const auto r = cmake_install(prefix);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(read_text_file(config), edited);
  EXPECT_NE(r.out.find("Keeping existing"), std::string::npos) << r.out;
}

TEST(InstallTest, DaemonComponentLeavesTheSimulatorOut) {
  scratch_dir dir;
  const auto prefix = dir.path() / "x";
  const auto r = cmake_install(prefix, {"--component", "daemon"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(fs::is_regular_file(prefix / "bin/milvus-refreshd"));
  EXPECT_TRUE(fs::is_regular_file(prefix / "etc/milvus-refreshd/config.yaml"));
  EXPECT_FALSE(fs::exists(prefix / "bin/milvus-refresh-sim"));
}

TEST(InstallTest, InstalledConfigPassesCheckConfig) {
  scratch_dir dir;
  const auto prefix = dir.path() / "x";
  ASSERT_EQ(cmake_install(prefix).exit_code, 0);
  const auto config = prefix / "etc/milvus-refreshd/config.yaml";
  const auto text = read_text_file(config);
  EXPECT_NE(text.find("token_file: /etc/milvus-refreshd/token"), std::string::npos);

  const auto r = run({(prefix / "bin/milvus-refreshd").string(), "check-config", "-c",
                      config.string(), "--skip-file-checks"},
                     {"MILVUS_REFRESHD_LISTEN="}, 20s);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("valid"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace refreshd::test
