// The shipped systemd files (systemd/, docs/SYSTEMD.md): the unit verifies clean with
// systemd-analyze and keeps its sandboxing, sysusers.d and tmpfiles.d create the user and the
// private config directory in a scratch root, the environment file is plain assignments, and the
// install rules put everything where systemd looks for it.
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <refreshd/test/child_process.hpp>

#include "../integration/daemon_support.hpp"

namespace refreshd::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const fs::path source_dir = REFRESHD_SOURCE_DIR;
const fs::path systemd_dir = source_dir / "systemd";
const std::string setup_hint = " (install the Debian package 'systemd': bash scripts/setup.sh)";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/// Key=value settings of a unit file (a key may repeat), comments and sections skipped.
std::multimap<std::string, std::string> settings(const std::string& text) {
  std::multimap<std::string, std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#' || line[0] == ';' || line[0] == '[') {
      continue;
    }
    const auto eq = line.find('=');
    if (eq != std::string::npos) {
      out.emplace(line.substr(0, eq), line.substr(eq + 1));
    }
  }
  return out;
}

std::string one(const std::multimap<std::string, std::string>& s, const std::string& key) {
  EXPECT_EQ(s.count(key), 1u) << key;
  const auto it = s.find(key);
  return it == s.end() ? std::string() : it->second;
}

/// The unit with ExecStart= pointing at the built daemon, in `dir` under its real name: what
/// systemd-analyze checks (ExecStart must name an existing executable) without installing.
fs::path unit_for_verify(const temp_dir& dir) {
  auto text = slurp(systemd_dir / "milvus-refreshd.service");
  const std::string shipped = "\nExecStart=/usr/bin/milvus-refreshd ";
  const auto at = text.find(shipped);
  EXPECT_NE(at, std::string::npos) << "the unit runs /usr/bin/milvus-refreshd";
  EXPECT_EQ(text.find(shipped, at + 1), std::string::npos) << "one ExecStart=";
  if (at != std::string::npos) {
    text.replace(at, shipped.size(), "\nExecStart=" + std::string(REFRESHD_DAEMON_BINARY) + " ");
  }
  dir.write("milvus-refreshd.service", text);
  return dir.path() / "milvus-refreshd.service";
}

TEST(SystemdUnit, VerifiesCleanWithSystemdAnalyze) {
  const std::string analyze = REFRESHD_SYSTEMD_ANALYZE;
  ASSERT_FALSE(analyze.empty()) << "systemd-analyze not found" << setup_hint;
  temp_dir dir;
  const auto unit = unit_for_verify(dir);
  // --man=no: Documentation=man:milvus-refreshd(1) exists only once the package is installed
  // (and man-db may be absent); everything else is checked, ExecStart's binary included.
  auto r = run({analyze, "verify", "--man=no", unit.string()}, {}, 60s);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "") << "systemd-analyze verify must print nothing on stderr";
  EXPECT_EQ(r.out, "");
}

TEST(SystemdUnit, VerifyCatchesABrokenUnit) {
  const std::string analyze = REFRESHD_SYSTEMD_ANALYZE;
  ASSERT_FALSE(analyze.empty()) << "systemd-analyze not found" << setup_hint;
  temp_dir dir;
  auto text = slurp(unit_for_verify(dir));
  text += "\n[Service]\nRestart=sometimes\nExecReload=relative/kill -HUP $MAINPID\n";
  dir.write("milvus-refreshd.service", text);
  auto r = run({analyze, "verify", "--man=no", (dir.path() / "milvus-refreshd.service").string()},
               {}, 60s);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("relative/kill"), std::string::npos)
      << "the check is not vacuous: " << r.err;
}

TEST(SystemdUnit, DocumentationLinksNameWhatThePackageInstalls) {
  const auto s = settings(slurp(systemd_dir / "milvus-refreshd.service"));
  std::istringstream links(one(s, "Documentation"));
  int checked = 0;
  for (std::string link; links >> link; ++checked) {
    std::smatch m;
    if (std::regex_match(link, m, std::regex("man:([a-z-]+)\\(([1-8])\\)"))) {
      // packaging/ installs packaging/<name>.<section> as the man page.
      EXPECT_TRUE(fs::is_regular_file(source_dir / "packaging" / (m[1].str() + "." + m[2].str())))
          << link;
    } else if (std::regex_match(
                   link, m, std::regex("file:///usr/share/doc/milvus-refreshd/([A-Z]+\\.md)"))) {
      // packaging/ installs docs/*.md into share/doc/milvus-refreshd.
      EXPECT_TRUE(fs::is_regular_file(source_dir / "docs" / m[1].str())) << link;
    } else {
      ADD_FAILURE() << "unexpected documentation link " << link;
    }
  }
  EXPECT_EQ(checked, 2);
}

TEST(SystemdUnit, SandboxingKeepsTheExposureLow) {
  const std::string analyze = REFRESHD_SYSTEMD_ANALYZE;
  ASSERT_FALSE(analyze.empty()) << "systemd-analyze not found" << setup_hint;
  temp_dir dir;
  const auto unit = unit_for_verify(dir);
  // The offline score reads only the unit file. 0 is fully locked down, 10 is unprotected; the
  // shipped unit scores about 1.2 ("OK"). --threshold is in tenths.
  auto r = run({analyze, "security", "--offline=yes", "--man=no", "--threshold=20", unit.string()},
               {}, 60s);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m,
                                std::regex("Overall exposure level for milvus-refreshd.service: "
                                           "([0-9]+\\.[0-9])")))
      << r.out;
  EXPECT_LE(std::stod(m[1].str()), 2.0) << r.out;
}

TEST(SystemdUnit, SpeaksNotifyWithWatchdogReloadRestartAndItsOwnUser) {
  const auto s = settings(slurp(systemd_dir / "milvus-refreshd.service"));
  EXPECT_EQ(one(s, "Type"), "notify");
  EXPECT_EQ(one(s, "NotifyAccess"), "main");
  EXPECT_EQ(one(s, "ExecStart"),
            "/usr/bin/milvus-refreshd run -c /etc/milvus-refreshd/config.yaml "
            "$MILVUS_REFRESHD_OPTS");
  EXPECT_EQ(one(s, "ExecReload"), "/bin/kill -HUP $MAINPID");
  EXPECT_EQ(one(s, "EnvironmentFile"), "-/etc/default/milvus-refreshd");
  EXPECT_EQ(one(s, "WatchdogSec"), "30s");
  EXPECT_EQ(one(s, "Restart"), "on-failure");
  EXPECT_EQ(one(s, "User"), "milvus-refreshd");
  EXPECT_EQ(one(s, "Group"), "milvus-refreshd");
  for (const auto& [key, value] :
       std::map<std::string, std::string>{{"ProtectSystem", "strict"},
                                          {"ProtectHome", "yes"},
                                          {"PrivateTmp", "yes"},
                                          {"PrivateDevices", "yes"},
                                          {"NoNewPrivileges", "yes"},
                                          {"CapabilityBoundingSet", ""},
                                          {"RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6"},
                                          {"MemoryDenyWriteExecute", "yes"},
                                          {"SystemCallArchitectures", "native"},
                                          {"UMask", "0077"}}) {
    EXPECT_EQ(one(s, key), value) << key;
  }
  EXPECT_EQ(one(s, "WantedBy"), "multi-user.target");
}

TEST(SystemdUnit, NeverWritesACoreDump) {
  // A core dump would hold the tokens (docs/SECURITY.md); the daemon also marks itself
  // non-dumpable.
  const auto s = settings(slurp(systemd_dir / "milvus-refreshd.service"));
  EXPECT_EQ(one(s, "LimitCORE"), "0");
}

TEST(SystemdUnit, ShippedFilesNeverArmTheTestHook) {
  for (const auto& entry : fs::directory_iterator(systemd_dir)) {
    EXPECT_EQ(slurp(entry.path()).find("MILVUS_REFRESHD_TEST_"), std::string::npos) << entry.path();
  }
}

TEST(SystemdUnit, EnvironmentFileIsPlainAssignmentsWithNoOptionsByDefault) {
  const auto text = slurp(systemd_dir / "milvus-refreshd.env");
  std::istringstream in(text);
  const std::regex assignment("[A-Z_][A-Z0-9_]*=.*");
  bool opts = false;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') {
      continue;
    }
    EXPECT_TRUE(std::regex_match(line, assignment)) << line;
    opts = opts || line == "MILVUS_REFRESHD_OPTS=";
  }
  EXPECT_TRUE(opts) << "MILVUS_REFRESHD_OPTS= (empty: the unit's $MILVUS_REFRESHD_OPTS vanishes)";
}

TEST(SystemdUnit, SysusersAndTmpfilesCreateTheUserAndAPrivateConfigDirectory) {
  const std::string sysusers = REFRESHD_SYSTEMD_SYSUSERS;
  const std::string tmpfiles = REFRESHD_SYSTEMD_TMPFILES;
  ASSERT_FALSE(sysusers.empty() || tmpfiles.empty())
      << "systemd-sysusers / systemd-tmpfiles not found" << setup_hint;
  temp_dir root;
  fs::create_directories(root.path() / "etc/milvus-refreshd");
  root.write("etc/milvus-refreshd/config.yaml", "version: 1\n");
  fs::permissions(root.path() / "etc/milvus-refreshd/config.yaml", fs::perms(0644));

  auto r = run({sysusers, "--root=" + root.path().string(),
                (systemd_dir / "milvus-refreshd.sysusers").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::smatch user;
  const auto passwd = slurp(root.path() / "etc/passwd");
  ASSERT_TRUE(std::regex_search(
      passwd, user,
      std::regex("(^|\n)milvus-refreshd:x:([0-9]+):([0-9]+):[^:\n]*:/:/usr/sbin/nologin\n")))
      << passwd;
  const auto uid = std::stoi(user[2].str());
  const auto gid = std::stoi(user[3].str());
  EXPECT_LT(uid, 1000) << "a system user";
  EXPECT_NE(slurp(root.path() / "etc/group").find("milvus-refreshd:x:" + std::to_string(gid) + ":"),
            std::string::npos);
  const auto unit = settings(slurp(systemd_dir / "milvus-refreshd.service"));
  EXPECT_EQ(one(unit, "User"), "milvus-refreshd") << "the unit runs as the sysusers user";

  r = run({tmpfiles, "--root=" + root.path().string(), "--create",
           (systemd_dir / "milvus-refreshd.tmpfiles").string()});
  const bool root_user = ::geteuid() == 0;
  if (root_user) {
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "");
  } else {
    // Only chown needs root; modes are still applied.
    EXPECT_NE(r.err.find("Operation not permitted"), std::string::npos) << r.err;
  }
  struct stat dir_st {};
  struct stat file_st {};
  ASSERT_EQ(::stat((root.path() / "etc/milvus-refreshd").c_str(), &dir_st), 0);
  ASSERT_EQ(::stat((root.path() / "etc/milvus-refreshd/config.yaml").c_str(), &file_st), 0);
  EXPECT_EQ(dir_st.st_mode & 07777, 0750u);
  EXPECT_EQ(file_st.st_mode & 07777, 0640u);
  EXPECT_EQ(slurp(root.path() / "etc/milvus-refreshd/config.yaml"), "version: 1\n")
      << "an existing config keeps its content";
  if (root_user) {
    EXPECT_EQ(dir_st.st_uid, 0u);
    EXPECT_EQ(dir_st.st_gid, static_cast<gid_t>(gid)) << "group of the daemon's user";
    EXPECT_EQ(file_st.st_uid, 0u);
    EXPECT_EQ(file_st.st_gid, static_cast<gid_t>(gid));
  }
  // The state_dir default (docs/OPERATIONS.md "Pause"), owned by the daemon's user, and the one
  // place the sandboxed unit may write.
  struct stat state_st {};
  ASSERT_EQ(::stat((root.path() / "var/lib/milvus-refreshd").c_str(), &state_st), 0) << r.err;
  EXPECT_EQ(state_st.st_mode & 07777, 0750u);
  if (root_user) {
    EXPECT_EQ(state_st.st_uid, static_cast<uid_t>(uid));
    EXPECT_EQ(state_st.st_gid, static_cast<gid_t>(gid));
  }
  EXPECT_EQ(one(unit, "ReadWritePaths"), "-/var/lib/milvus-refreshd");
}

/// Runs the install rules of systemd/ only (its cmake_install.cmake), component "daemon".
process_result install_systemd_files(const std::string& prefix, const std::string& destdir) {
  return run({REFRESHD_CMAKE_COMMAND, "-DCMAKE_INSTALL_PREFIX=" + prefix,
              "-DCMAKE_INSTALL_COMPONENT=daemon", "-P", REFRESHD_SYSTEMD_INSTALL_SCRIPT},
             {"DESTDIR=" + destdir}, 60s);
}

TEST(SystemdInstall, PrefixUsrPutsEachFileWhereSystemdLooks) {
  ASSERT_TRUE(fs::exists(REFRESHD_SYSTEMD_INSTALL_SCRIPT))
      << REFRESHD_SYSTEMD_INSTALL_SCRIPT
      << " is missing: packaging/CMakeLists.txt must add_subdirectory(systemd)";
  temp_dir dest;
  auto r = install_systemd_files("/usr", dest.path().string());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::map<std::string, std::string> expected{
      {"usr/lib/systemd/system/milvus-refreshd.service", "milvus-refreshd.service"},
      {"usr/lib/sysusers.d/milvus-refreshd.conf", "milvus-refreshd.sysusers"},
      {"usr/lib/tmpfiles.d/milvus-refreshd.conf", "milvus-refreshd.tmpfiles"},
      {"etc/default/milvus-refreshd", "milvus-refreshd.env"}};
  for (const auto& [installed, source] : expected) {
    ASSERT_TRUE(fs::is_regular_file(dest.path() / installed)) << installed << "\n" << r.out;
    EXPECT_EQ(slurp(dest.path() / installed), slurp(systemd_dir / source)) << installed;
  }
  std::size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dest.path())) {
    files += e.is_regular_file() ? 1 : 0;
  }
  EXPECT_EQ(files, expected.size()) << "nothing else";

  // An edited environment file survives a reinstall.
  dest.write("etc/default/milvus-refreshd", "MILVUS_REFRESHD_OPTS=--log-format json\n");
  r = install_systemd_files("/usr", dest.path().string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(slurp(dest.path() / "etc/default/milvus-refreshd"),
            "MILVUS_REFRESHD_OPTS=--log-format json\n");
}

TEST(SystemdInstall, OtherPrefixesKeepEverythingInsideThePrefix) {
  ASSERT_TRUE(fs::exists(REFRESHD_SYSTEMD_INSTALL_SCRIPT)) << REFRESHD_SYSTEMD_INSTALL_SCRIPT;
  temp_dir dest;
  const auto prefix = dest.path() / "local";
  auto r = install_systemd_files(prefix.string(), "");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const auto* installed :
       {"lib/systemd/system/milvus-refreshd.service", "lib/sysusers.d/milvus-refreshd.conf",
        "lib/tmpfiles.d/milvus-refreshd.conf", "etc/default/milvus-refreshd"}) {
    EXPECT_TRUE(fs::is_regular_file(prefix / installed)) << installed << "\n" << r.out;
  }
}

}  // namespace
}  // namespace refreshd::test
