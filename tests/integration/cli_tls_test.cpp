// TLS between the CLI and the simulator in HTTPS mode, with a CA and server certificates made
// at test time: rejected without the CA file, accepted with it, rejected on a host name
// mismatch, accepted with a warning when verification is explicitly disabled.
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include <gtest/gtest.h>

#include <refreshd/test/child_process.hpp>
#include <refreshd/test/sim_process.hpp>

namespace refreshd::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class CliTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("refreshd-tls-" + std::to_string(getpid())));
    fs::create_directories(*dir_);
    auto r = run({"/bin/bash", REFRESHD_CERT_SCRIPT, dir_->string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::ofstream(*dir_ / "scenario.json")
        << R"({"collections":[{"name":"ext_books","job":{"pending_ms":10,"running_ms":50}}]})";
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  static std::string file(const char* name) { return (*dir_ / name).string(); }

  static std::unique_ptr<sim_process> start_sim(const char* leaf) {
    return std::make_unique<sim_process>(std::vector<std::string>{
        "--tls-cert", file((std::string(leaf) + ".pem").c_str()), "--tls-key",
        file((std::string(leaf) + ".key").c_str()), "--scenario", file("scenario.json")});
  }

  static process_result list(const std::string& url, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{
        REFRESHD_DAEMON_BINARY, "list", "--endpoint", url, "--timeout", "5s"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run(std::move(argv));
  }

  static fs::path* dir_;
};

fs::path* CliTls::dir_ = nullptr;

std::string with_host(const sim_process& sim, const std::string& host) {
  return "https://" + host + ":" + std::to_string(sim.port());
}

TEST_F(CliTls, SimulatorAnnouncesHttps) {
  auto sim = start_sim("server");
  EXPECT_EQ(sim->url().rfind("https://", 0), 0u) << sim->url();
}

TEST_F(CliTls, RejectedWithoutTheCaFile) {
  auto sim = start_sim("server");
  auto r = list(with_host(*sim, "localhost"));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("certificate"), std::string::npos) << r.err;
}

TEST_F(CliTls, AcceptedWithTheCaFile) {
  auto sim = start_sim("server");
  for (const char* host : {"localhost", "127.0.0.1"}) {
    auto r = list(with_host(*sim, host), {"--ca-file", file("ca.pem")});
    EXPECT_EQ(r.exit_code, 0) << host << ": " << r.err;
    auto t =
        run({REFRESHD_DAEMON_BINARY, "trigger", "--endpoint", with_host(*sim, host), "--ca-file",
             file("ca.pem"), "--name", "ext_books", "--wait", "--poll-interval", "10ms"});
    EXPECT_EQ(t.exit_code, 0) << host << ": " << t.err;
  }
}

TEST_F(CliTls, RejectedOnHostNameMismatch) {
  auto sim = start_sim("wrong");  // certificate for wrong.example, signed by our CA
  auto r = list(with_host(*sim, "localhost"), {"--ca-file", file("ca.pem")});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("certificate"), std::string::npos) << r.err;
}

TEST_F(CliTls, RejectedWithAnUnrelatedCa) {
  auto sim = start_sim("server");
  auto r = list(with_host(*sim, "localhost"), {"--ca-file", file("other-ca.pem")});
  EXPECT_EQ(r.exit_code, 1) << r.err;
}

TEST_F(CliTls, InsecureModeAcceptsButWarns) {
  auto sim = start_sim("wrong");
  auto r = list(with_host(*sim, "localhost"), {"--insecure-skip-verify"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("verification disabled"), std::string::npos) << r.err;
}

TEST_F(CliTls, UnreadableCaFileIsAUsageError) {
  auto sim = start_sim("server");
  auto r = list(with_host(*sim, "localhost"), {"--ca-file", file("missing.pem")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("missing.pem"), std::string::npos) << r.err;
}

TEST_F(CliTls, TheContextsClusterBringsItsCaFileAndTimeout) {
  auto sim = start_sim("server");
  const auto config = *dir_ / "context.yaml";
  const auto write = [&](const std::string& tls) {
    std::ofstream(config) << "version: 1\ndefaults: {schedule: \"@hourly\"}\nclusters:\n"
                             "  - name: tls\n    endpoint: "
                          << with_host(*sim, "localhost") << "\n    token: \"\"\n"
                          << tls << "    collections: [{name: ext_books}]\n";
  };
  write("    tls: {ca_file: " + file("ca.pem") + "}\n    request_timeout: 5s\n");
  auto r = run({REFRESHD_DAEMON_BINARY, "trigger", "--name", "ext_books", "--wait",
                "--poll-interval", "10ms", "--query", "/state"},
               {"MILVUS_REFRESHD_CONFIG=" + config.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "RefreshCompleted\n");
  write("");  // no CA: the certificate is refused, as with --endpoint
  r = run({REFRESHD_DAEMON_BINARY, "list"}, {"MILVUS_REFRESHD_CONFIG=" + config.string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("certificate"), std::string::npos) << r.err;
  // The command line's --ca-file still overrides the cluster's settings.
  r = run({REFRESHD_DAEMON_BINARY, "list", "--ca-file", file("ca.pem")},
          {"MILVUS_REFRESHD_CONFIG=" + config.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace
}  // namespace refreshd::test
