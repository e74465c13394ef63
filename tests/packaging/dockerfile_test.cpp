// Static checks of the Dockerfile (no Docker daemon needed): Debian 12 multi-stage, a numeric
// non-root user, an ENTRYPOINT that runs the installed binary with the installed config, the
// exposed port matching the listen address of the image's config, and the builder's packages.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <refreshd/config/loader.hpp>
#include <refreshd/test/child_process.hpp>

#include "packaging_support.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace refreshd::test {
namespace {

const fs::path source_dir{REFRESHD_SOURCE_DIR};

class DockerfileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    instructions_ = parse_dockerfile(read_text_file(source_dir / "Dockerfile"));
    for (const auto& ins : instructions_) {
      final_stage_ = std::max(final_stage_, ins.stage);
    }
  }
  // Instructions of the final (runtime) stage with this keyword.
  std::vector<std::string> final(const std::string& keyword) const {
    std::vector<std::string> out;
    for (const auto& ins : instructions_) {
      if (ins.stage == final_stage_ && ins.keyword == keyword) {
        out.push_back(ins.args);
      }
    }
    return out;
  }
  std::vector<std::string> all(const std::string& keyword) const {
    std::vector<std::string> out;
    for (const auto& ins : instructions_) {
      if (ins.keyword == keyword) {
        out.push_back(ins.args);
      }
    }
    return out;
  }
  std::vector<dockerfile_instruction> instructions_;
  int final_stage_ = -1;
};

TEST_F(DockerfileTest, BuildsInTwoDebian12Stages) {
  const auto froms = all("FROM");
  ASSERT_GE(froms.size(), 2U);
  // debian:12 or debian:bookworm, optionally -slim, a point release and a digest.
  const std::regex debian12(
      R"(debian:(12|bookworm)(\.\d+)?(-slim)?(@sha256:[0-9a-f]{64})?( AS \w+)?)",
      std::regex::icase);
  for (const auto& from : froms) {
    EXPECT_TRUE(std::regex_match(from, debian12)) << from;
  }
  EXPECT_TRUE(froms.front().ends_with(" AS build")) << froms.front();
  EXPECT_NE(froms.back().find("-slim"), std::string::npos) << froms.back();
  // The runtime stage takes the build stage's output, not the sources.
  const auto copies = final("COPY");
  ASSERT_FALSE(copies.empty());
  for (const auto& copy : copies) {
    EXPECT_TRUE(copy.starts_with("--from=build ")) << copy;
  }
}

TEST_F(DockerfileTest, RunsAsANumericNonRootUser) {
  const auto users = final("USER");
  ASSERT_FALSE(users.empty());
  std::smatch m;
  ASSERT_TRUE(std::regex_match(users.back(), m, std::regex(R"((\d+)(:(\d+))?)"))) << users.back();
  EXPECT_NE(std::stoul(m[1].str()), 0UL);
  if (m[3].matched) {
    EXPECT_NE(std::stoul(m[3].str()), 0UL);
  }
  // The Kubernetes manifests run the image as this user (runAsUser, runAsNonRoot).
  for (const char* manifest :
       {"deploy/kubernetes/deployment.yaml", "deploy/kubernetes/sidecar.yaml"}) {
    if (fs::exists(source_dir / manifest)) {
      EXPECT_NE(read_text_file(source_dir / manifest).find("runAsUser: " + m[1].str()),
                std::string::npos)
          << manifest << " does not run as the image's user " << m[1].str();
    }
  }
}

TEST_F(DockerfileTest, EntrypointRunsTheInstalledDaemonWithTheInstalledConfig) {
  const auto entrypoints = final("ENTRYPOINT");
  ASSERT_EQ(entrypoints.size(), 1U);
  const auto argv = exec_form(entrypoints.front());
  ASSERT_EQ(argv.size(), 4U) << entrypoints.front();
  EXPECT_EQ(argv[1], "run");
  EXPECT_EQ(argv[2], "-c");

  // The image installs the package, whose layout is that of `cmake --install --prefix /usr`.
  scratch_dir dir;
  const auto dest = dir.path() / "dest";
  const auto r = run({REFRESHD_CMAKE_COMMAND, "--install", REFRESHD_BUILD_DIR, "--component",
                      "daemon", "--prefix", "/usr"},
                     {"DESTDIR=" + dest.string()}, 60s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(fs::is_regular_file(dest / fs::path(argv[0]).relative_path())) << argv[0];
  EXPECT_TRUE(fs::is_regular_file(dest / fs::path(argv[3]).relative_path())) << argv[3];
  EXPECT_EQ(argv[0], "/usr/bin/milvus-refreshd");
  EXPECT_EQ(argv[3], "/etc/milvus-refreshd/config.yaml");
}

TEST_F(DockerfileTest, ImageConfigListensOnAllInterfacesAtTheExposedPort) {
  const auto exposes = final("EXPOSE");
  ASSERT_EQ(exposes.size(), 1U);
  const auto exposed = static_cast<std::uint16_t>(std::stoul(exposes.front()));
  EXPECT_EQ(exposed, config::listen_address{}.port) << "the daemon's default port";

  // Load the shipped config with the image's ENV (KEY=VALUE form).
  std::map<std::string, std::string> env;
  for (const auto& e : final("ENV")) {
    const auto eq = e.find('=');
    ASSERT_NE(eq, std::string::npos) << "use ENV KEY=VALUE: " << e;
    env[e.substr(0, eq)] = e.substr(eq + 1);
  }
  config::load_options options;
  options.check_files = false;
  options.env = [&env](std::string_view name) -> std::optional<std::string> {
    const auto it = env.find(std::string(name));
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  const auto loaded = config::load_config_file(source_dir / "packaging/config.yaml", options);
  ASSERT_TRUE(loaded.ok()) << (loaded.errors.empty() ? "" : loaded.errors.front().message);
  EXPECT_EQ(loaded.value->listen.host, "0.0.0.0");
  EXPECT_EQ(loaded.value->listen.port, exposed);

  // Outside the image (systemd) the same file stays on loopback.
  options.env = [](std::string_view) { return std::optional<std::string>(); };
  const auto host = config::load_config_file(source_dir / "packaging/config.yaml", options);
  ASSERT_TRUE(host.ok());
  EXPECT_EQ(host.value->listen.host, "127.0.0.1");
}

TEST_F(DockerfileTest, BuilderInstallsEveryBuildPackageOfTheSetupScript) {
  // scripts/setup.sh is the one list of the toolchain. The build stage needs its compilers and
  // build tools and every library (-dev) package but the test-only ones; test tools (prometheus,
  // chromium, ...) stay out of the image. A library added to setup.sh must reach the Dockerfile.
  const std::set<std::string> build_tools{
      "build-essential", "cmake", "ninja-build", "pkg-config", "tzdata", "dpkg-dev", "file"};
  const std::set<std::string> test_only{"libgtest-dev", "libgmock-dev", "libbenchmark-dev",
                                        "libclang-rt-14-dev"};
  const auto setup = read_text_file(source_dir / "scripts/setup.sh");
  const auto begin = setup.find("packages=(");
  ASSERT_NE(begin, std::string::npos);
  const auto list = setup.substr(begin + 10, setup.find(')', begin) - begin - 10);
  std::string builder_run;
  for (const auto& ins : instructions_) {
    if (ins.stage == 0 && ins.keyword == "RUN" &&
        ins.args.find("apt-get install") != std::string::npos) {
      builder_run += ins.args + " ";
    }
  }
  std::set<std::string> listed;
  std::istringstream words(list);
  int checked = 0;
  for (std::string pkg; words >> pkg;) {
    listed.insert(pkg);
    if (build_tools.contains(pkg) || (pkg.ends_with("-dev") && !test_only.contains(pkg))) {
      ++checked;
      EXPECT_NE(builder_run.find(" " + pkg + " "), std::string::npos) << pkg;
    }
  }
  EXPECT_GE(checked, 15);
  // dpkg-shlibdeps (dpkg-dev, which needs `file`) computes the .deb dependencies: both in the
  // setup script (the packaging tests run CPack) and in the image's build stage.
  for (const char* pkg : {"dpkg-dev", "file"}) {
    EXPECT_TRUE(listed.contains(pkg)) << pkg << " missing in scripts/setup.sh";
    EXPECT_NE(builder_run.find(std::string(" ") + pkg + " "), std::string::npos) << pkg;
  }
}

TEST_F(DockerfileTest, DockerignoreKeepsGitAndBuildTreesOut) {
  const auto ignore = read_text_file(source_dir / ".dockerignore");
  for (const char* pattern : {".git\n", "build/\n"}) {
    EXPECT_NE(ignore.find(pattern), std::string::npos) << pattern;
  }
}

}  // namespace
}  // namespace refreshd::test
