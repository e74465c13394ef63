// The .deb files that the packaging.build_debs fixture builds from this tree with CPack, unpacked
// with dpkg-deb into scratch directories: control fields, dependencies, conffiles, maintainer
// scripts, layout, and the unpacked binaries run.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <refreshd/test/child_process.hpp>

#include "packaging_support.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace refreshd::test {
namespace {

const fs::path artifacts{REFRESHD_PACKAGING_ARTIFACTS};
const fs::path source_dir{REFRESHD_SOURCE_DIR};

// The one .deb of `package` in the fixture's output.
fs::path deb_of(const std::string& package) {
  std::vector<fs::path> found;
  if (fs::exists(artifacts)) {
    for (const auto& entry : fs::directory_iterator(artifacts)) {
      const auto name = entry.path().filename().string();
      if (name.starts_with(package + "_") && name.ends_with(".deb")) {
        found.push_back(entry.path());
      }
    }
  }
  if (found.size() != 1) {
    ADD_FAILURE() << "expected one " << package << "_*.deb in " << artifacts << ", found "
                  << found.size() << " (run the packaging.build_debs fixture first)";
    return {};
  }
  return found.front();
}

class DebPackageTest : public ::testing::Test {
 protected:
  // Unpacks `package`: files below root(), control files below control().
  void unpack(const std::string& package) {
    const auto deb = deb_of(package);
    ASSERT_FALSE(deb.empty());
    auto x = run({"/usr/bin/dpkg-deb", "-x", deb.string(), root().string()});
    ASSERT_EQ(x.exit_code, 0) << x.err;
    auto e = run({"/usr/bin/dpkg-deb", "-e", deb.string(), control().string()});
    ASSERT_EQ(e.exit_code, 0) << e.err;
    fields_ = parse_control(read_text_file(control() / "control"));
  }
  fs::path root() const { return dir_.path() / "root"; }
  fs::path control() const { return dir_.path() / "DEBIAN"; }
  const std::string& field(const std::string& name) { return fields_[name]; }

 private:
  scratch_dir dir_;
  std::map<std::string, std::string> fields_;
};

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) {
      out.push_back(line);
    }
  }
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST_F(DebPackageTest, ControlNamesPackageVersionArchitectureAndMaintainer) {
  ASSERT_NO_FATAL_FAILURE(unpack("milvus-refreshd"));
  EXPECT_EQ(field("Package"), "milvus-refreshd");
  EXPECT_EQ(field("Version"), std::string(REFRESHD_VERSION) + "-1");
  const auto arch = run({"/usr/bin/dpkg", "--print-architecture"});
  EXPECT_EQ(field("Architecture") + "\n", arch.out);
  EXPECT_NE(field("Maintainer").find('@'), std::string::npos);
  EXPECT_EQ(field("Section"), "database");
  EXPECT_NE(field("Description").find("external collections"), std::string::npos);
}

TEST_F(DebPackageTest, DependsNamesThePackageOfEveryNeededLibrary) {
  ASSERT_NO_FATAL_FAILURE(unpack("milvus-refreshd"));
  const auto depends = relation_packages(field("Depends"));
  const auto binary = root() / "usr/bin/milvus-refreshd";
  const auto needed = needed_libraries(binary);
  ASSERT_FALSE(needed.empty());
  const auto paths = ldd_paths(binary);
  std::vector<std::string> libraries;
  for (const auto& soname : needed) {
    ASSERT_TRUE(paths.contains(soname)) << soname << " not resolved by ldd";
    libraries.push_back(paths.at(soname));
  }
  const auto owners = owning_packages(libraries);
  for (const auto& soname : needed) {
    const auto owner = owners.find(paths.at(soname));
    ASSERT_NE(owner, owners.end()) << "no package owns " << paths.at(soname);
    // The package itself, or a virtual package it provides (what its shlibs file names).
    const auto names = names_of_package(owner->second);
    EXPECT_TRUE(std::any_of(names.begin(), names.end(),
                            [&](const std::string& name) { return contains(depends, name); }))
        << soname << " comes from " << owner->second
        << ", missing in Depends: " << field("Depends");
  }
  EXPECT_TRUE(contains(depends, "tzdata")) << field("Depends");
}

TEST_F(DebPackageTest, ConffilesListEveryFileBelowEtc) {
  ASSERT_NO_FATAL_FAILURE(unpack("milvus-refreshd"));
  ASSERT_TRUE(fs::exists(control() / "conffiles"));
  const auto conffiles = lines(read_text_file(control() / "conffiles"));
  EXPECT_TRUE(contains(conffiles, "/etc/milvus-refreshd/config.yaml"));
  for (const auto& entry : fs::recursive_directory_iterator(root() / "etc")) {
    if (!entry.is_directory()) {
      const auto path = "/" + fs::relative(entry.path(), root()).string();
      EXPECT_TRUE(contains(conffiles, path)) << path << " is not a conffile";
    }
  }
  for (const auto& path : conffiles) {
    EXPECT_TRUE(fs::is_regular_file(root() / fs::path(path).relative_path())) << path;
  }
}

TEST_F(DebPackageTest, UnpackedBinaryRunsVersionAndChecksTheShippedConfig) {
  ASSERT_NO_FATAL_FAILURE(unpack("milvus-refreshd"));
  const auto binary = (root() / "usr/bin/milvus-refreshd").string();
  const auto version = run({binary, "version"}, {}, 20s);
  EXPECT_EQ(version.exit_code, 0) << version.err;
  EXPECT_NE(version.out.find(REFRESHD_VERSION), std::string::npos) << version.out;

  // As shipped, the config names /etc/milvus-refreshd/token, which the operator creates after
  // installing: validate it as for another host (no token file read).
  const auto config = root() / "etc/milvus-refreshd/config.yaml";
  const auto check = run({binary, "check-config", "-c", config.string(), "--skip-file-checks"},
                         {"MILVUS_REFRESHD_LISTEN="}, 20s);
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("ext_books"), std::string::npos) << check.out;

  // With the token in place (the same file, the token path moved into the scratch tree, mode
  // 0400 as the config's instructions say) the full check passes too, without a warning and
  // without printing the token.
  const std::string shipped_token = "/etc/milvus-refreshd/token";
  auto text = read_text_file(config);
  const auto at = text.find("token_file: " + shipped_token + "\n");
  ASSERT_NE(at, std::string::npos) << "the shipped config no longer names " << shipped_token;
  const auto token = root() / fs::path(shipped_token).relative_path();
  const std::string secret = "deb-test-secret-0123456789";
  { std::ofstream(token) << secret << "\n"; }
  fs::permissions(token, fs::perms::owner_read);
  text.replace(at + std::string("token_file: ").size(), shipped_token.size(), token.string());
  const auto local = root() / "etc/milvus-refreshd/local.yaml";
  { std::ofstream(local) << text; }
  const auto full =
      run({binary, "check-config", "-c", local.string()}, {"MILVUS_REFRESHD_LISTEN="}, 20s);
  EXPECT_EQ(full.exit_code, 0) << full.out << full.err;
  EXPECT_EQ(full.err.find("warn"), std::string::npos) << full.err;
  EXPECT_EQ((full.out + full.err).find(secret), std::string::npos);
}

// The systemd files come from systemd/CMakeLists.txt (included by packaging/CMakeLists.txt)
// once that folder has its install rules: unit, sysusers.d, tmpfiles.d, and the environment file
// as the conffile /etc/default/milvus-refreshd.
TEST_F(DebPackageTest, SystemdFilesShipWithTheDaemon) {
  ASSERT_NO_FATAL_FAILURE(unpack("milvus-refreshd"));
  const auto postinst = read_text_file(control() / "postinst");
  if (!fs::exists(source_dir / "systemd/CMakeLists.txt")) {
    // Not installed yet: the maintainer scripts must cope (they test for the files first).
    EXPECT_NE(postinst.find("[ -e /usr/lib/sysusers.d/milvus-refreshd.conf ]"), std::string::npos);
    EXPECT_FALSE(fs::exists(root() / "usr/lib/sysusers.d"));
    return;
  }
  fs::path unit;
  for (const char* dir : {"usr/lib/systemd/system", "lib/systemd/system"}) {
    if (fs::is_regular_file(root() / dir / "milvus-refreshd.service")) {
      EXPECT_TRUE(unit.empty()) << "two unit files";
      unit = root() / dir / "milvus-refreshd.service";
    }
  }
  ASSERT_FALSE(unit.empty()) << "no milvus-refreshd.service in the package";
  // The unit runs the packaged binary on the packaged config.
  const auto unit_text = read_text_file(unit);
  EXPECT_NE(unit_text.find("ExecStart=/usr/bin/milvus-refreshd run"), std::string::npos);
  EXPECT_NE(unit_text.find("/etc/milvus-refreshd/config.yaml"), std::string::npos);

  // The paths postinst hands to systemd-sysusers / systemd-tmpfiles.
  for (const char* file :
       {"usr/lib/sysusers.d/milvus-refreshd.conf", "usr/lib/tmpfiles.d/milvus-refreshd.conf"}) {
    EXPECT_TRUE(fs::is_regular_file(root() / file)) << file;
    EXPECT_NE(postinst.find(std::string("/") + file), std::string::npos) << file;
  }
  EXPECT_NE(unit_text.find("EnvironmentFile=-/etc/default/milvus-refreshd"), std::string::npos);
  EXPECT_TRUE(fs::is_regular_file(root() / "etc/default/milvus-refreshd"));
  // It may carry tokens (token_env): root only.
  EXPECT_EQ(fs::status(root() / "etc/default/milvus-refreshd").permissions(),
            fs::perms::owner_read | fs::perms::owner_write);
  const auto conffiles = lines(read_text_file(control() / "conffiles"));
  EXPECT_TRUE(contains(conffiles, "/etc/default/milvus-refreshd"));
  // Nothing systemd-related under /etc but that file: units and presets live below /usr.
  EXPECT_FALSE(fs::exists(root() / "etc/systemd"));
}

TEST_F(DebPackageTest, FilesFollowTheDebianLayout) {
  ASSERT_NO_FATAL_FAILURE(unpack("milvus-refreshd"));
  for (const char* file :
       {"usr/bin/milvus-refreshd", "etc/milvus-refreshd/config.yaml",
        "usr/share/doc/milvus-refreshd/README.md", "usr/share/doc/milvus-refreshd/CONFIG.md",
        "usr/share/man/man1/milvus-refreshd.1.gz"}) {
    EXPECT_TRUE(fs::is_regular_file(root() / file)) << file;
  }
  EXPECT_FALSE(fs::exists(root() / "usr/etc"));
  EXPECT_FALSE(fs::exists(root() / "usr/local"));
  EXPECT_FALSE(fs::exists(root() / "usr/bin/milvus-refresh-sim"))
      << "the simulator has its own package";
  const auto perms = fs::status(root() / "usr/bin/milvus-refreshd").permissions();
  EXPECT_NE(perms & fs::perms::others_exec, fs::perms::none);
}

TEST_F(DebPackageTest, MaintainerScriptsAreValidAndNeverStartTheService) {
  ASSERT_NO_FATAL_FAILURE(unpack("milvus-refreshd"));
  for (const char* script : {"postinst", "prerm", "postrm"}) {
    const auto path = control() / script;
    ASSERT_TRUE(fs::is_regular_file(path)) << script;
    const auto perms = fs::status(path).permissions();
    EXPECT_EQ(perms & fs::perms::mask, static_cast<fs::perms>(0755)) << script;
    const auto syntax = run({"/bin/sh", "-n", path.string()});
    EXPECT_EQ(syntax.exit_code, 0) << script << ": " << syntax.err;
  }
  const auto postinst = read_text_file(control() / "postinst");
  EXPECT_EQ(postinst.find("systemctl enable"), std::string::npos);
  EXPECT_EQ(postinst.find("systemctl start"), std::string::npos);
  EXPECT_NE(postinst.find("systemd-sysusers"), std::string::npos);
  EXPECT_NE(postinst.find("daemon-reload"), std::string::npos);
}

TEST_F(DebPackageTest, SimulatorShipsInItsOwnPackage) {
  ASSERT_NO_FATAL_FAILURE(unpack("milvus-refresh-sim"));
  EXPECT_EQ(field("Package"), "milvus-refresh-sim");
  EXPECT_EQ(field("Version"), std::string(REFRESHD_VERSION) + "-1");
  EXPECT_FALSE(relation_packages(field("Depends")).empty());
  const auto sim = root() / "usr/bin/milvus-refresh-sim";
  ASSERT_TRUE(fs::is_regular_file(sim));
  EXPECT_FALSE(fs::exists(root() / "etc"));
  const auto help = run({sim.string(), "--help"}, {}, 20s);
  EXPECT_EQ(help.exit_code, 0) << help.err;
}

}  // namespace
}  // namespace refreshd::test
