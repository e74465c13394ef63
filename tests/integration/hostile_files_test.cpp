// Hostile files and secrets through the real binaries (docs/SECURITY.md "Files and
// secrets"): a config, token or CA file that is a FIFO or /dev/zero is an error naming it (never
// a hang, never unbounded memory), a file that is not YAML is never echoed, the reload keeps the
// old config with /healthz answering throughout, the spec can come from a file or stdin, and the
// daemon is not dumpable.
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <refreshd/test/child_process.hpp>
#include <refreshd/test/http.hpp>
#include <refreshd/test/sim_process.hpp>

#include "daemon_support.hpp"

namespace refreshd::test {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

const std::string shadow_lines =
    "root:$6$saltsalt$hashhashhashhashhashhashhashhashhashhashhashhash:19000:0:99999:7:::\n"
    "daemon:*:19000:0:99999:7:::\n"
    "alice:$6$pepperpe$secretsecretsecretsecretsecretsecretsecret0123:19001:0:99999:7:::\n";

process_result cli(std::vector<std::string> args, std::optional<std::string> stdin_data = {}) {
  std::vector<std::string> argv{REFRESHD_DAEMON_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(std::move(argv), {}, 20s, std::move(stdin_data));
}

std::string make_fifo(const temp_dir& dir, const std::string& name) {
  const auto p = dir.path() / name;
  EXPECT_EQ(::mkfifo(p.c_str(), 0600), 0);
  return p.string();
}

TEST(CheckConfigHostile, AShadowLikeFileIsAnErrorWithPositionsAndNoHash) {
  temp_dir dir;
  // A config path that is a symlink to a shadow-like file (the case of the report).
  const auto target = dir.write("shadow", shadow_lines);
  const auto link = (dir.path() / "config.yaml").string();
  fs::create_symlink(target, link);
  for (const char* output : {"text", "json"}) {
    const auto r = cli({"check-config", "-c", link, "--output", output});
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    const std::string all = r.out + r.err;
    EXPECT_EQ(all.find("$6$"), std::string::npos) << all;
    EXPECT_EQ(all.find("hashhash"), std::string::npos) << all;
    EXPECT_EQ(all.find("secretsecret"), std::string::npos) << all;
    if (std::string(output) == "text") {
      EXPECT_NE(all.find(link + ":1:1: root...: unknown key 'root...'"), std::string::npos) << all;
    } else {
      const auto j = json::parse(r.out);
      EXPECT_FALSE(j["valid"].get<bool>());
      ASSERT_FALSE(j["errors"].empty()) << r.out;
      EXPECT_EQ(j["errors"][0]["file"], link) << r.out;
      EXPECT_EQ(j["errors"][0]["line"], 1) << r.out;
    }
  }
}

TEST(CheckConfigHostile, AFifoOrDevZeroIsAnErrorNamingTheFileNotAHang) {
  temp_dir dir;
  const auto fifo = make_fifo(dir, "fifo.yaml");
  const auto zero = (dir.path() / "zero.yaml").string();
  fs::create_symlink("/dev/zero", zero);
  for (const auto& [path, kind] : {std::pair{fifo, "a FIFO"}, {zero, "a character device"}}) {
    const auto r = cli({"check-config", "-c", path});
    EXPECT_EQ(r.exit_code, 2) << path << ": " << r.out << r.err;
    EXPECT_NE((r.out + r.err).find(path + ": cannot read: not a regular file (" + kind + ")"),
              std::string::npos)
        << r.out << r.err;
  }
}

class HostileFilesCli : public ::testing::Test {
 protected:
  void SetUp() override {
    sim_.reset();
    sim_.add_collection({{"name", "deferred"},
                         {"source", ""},
                         {"spec", ""},
                         {"job", {{"pending_ms", 10}, {"running_ms", 50}}}});
  }
  process_result trigger(std::vector<std::string> args, std::optional<std::string> in = {}) {
    std::vector<std::string> all{"trigger",  "--endpoint", sim_.url(),        "--name",
                                 "deferred", "--wait",     "--poll-interval", "20ms"};
    all.insert(all.end(), args.begin(), args.end());
    return cli(std::move(all), std::move(in));
  }

  sim_process sim_;
  temp_dir dir_;
};

TEST_F(HostileFilesCli, TheSpecComesFromAFileOrStdinWithoutTheInlineWarning) {
  const std::string spec = R"({"format":"parquet","extfs":{"access_key_value":"hunter2"}})";
  const auto file = dir_.write("spec.json", spec + "\n");
  auto r = trigger({"--external-source", "s3://bucket/a/", "--external-spec-file", file});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("visible in ps"), std::string::npos) << r.err;
  r = trigger({"--external-source", "s3://bucket/b/", "--external-spec-file", "-"}, spec);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("visible in ps"), std::string::npos) << r.err;
  EXPECT_EQ((r.out + r.err).find("hunter2"), std::string::npos);
  EXPECT_EQ(sim_.stats()["requests"]["refresh"], 2) << sim_.stats().dump();
}

TEST_F(HostileFilesCli, TheInlineSpecWarnsLikeTheInlineToken) {
  const auto r = trigger(
      {"--external-source", "s3://bucket/a/", "--external-spec", R"({"format":"parquet"})"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("--external-spec puts the spec"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("visible in ps"), std::string::npos) << r.err;
}

TEST_F(HostileFilesCli, SpecFileMistakesAreUsageErrorsNamingTheFile) {
  const auto file = dir_.write("spec.json", R"({"format":"parquet"})");
  auto r = trigger({"--external-source", "s3://b/", "--external-spec", R"({"format":"parquet"})",
                    "--external-spec-file", file});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("only one of --external-spec and --external-spec-file"), std::string::npos)
      << r.err;
  const auto fifo = make_fifo(dir_, "spec.fifo");
  r = trigger({"--external-source", "s3://b/", "--external-spec-file", fifo});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(fifo + " is not a regular file (a FIFO)"), std::string::npos) << r.err;
  const auto big = dir_.write("big.json", std::string(70 * 1024, ' '));
  r = trigger({"--external-source", "s3://b/", "--external-spec-file", big});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("larger than 65536 bytes"), std::string::npos) << r.err;
  EXPECT_EQ(sim_.stats()["requests"]["refresh"], 0);
}

TEST_F(HostileFilesCli, ATokenOrCaFileThatIsAFifoOrDevZeroIsAUsageError) {
  const auto fifo = make_fifo(dir_, "token");
  const auto zero = (dir_.path() / "ca.pem").string();
  fs::create_symlink("/dev/zero", zero);
  auto r = cli({"list", "--endpoint", sim_.url(), "--token-file", fifo});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(fifo + " is not a regular file (a FIFO)"), std::string::npos) << r.err;
  r = cli({"list", "--endpoint", "https://127.0.0.1:1", "--ca-file", zero});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(zero + " is not a regular file (a character device)"), std::string::npos)
      << r.err;
}

class DaemonHostileFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    sim_.reset();
    sim_.add_collection(json::array({
        {{"name", "ext_a"}, {"job", {{"pending_ms", 20}, {"running_ms", 100}}}},
        {{"name", "ext_b"}, {"job", {{"pending_ms", 20}, {"running_ms", 100}}}},
    }));
  }
  void TearDown() override {
    if (d_) {
      expect_clean_stop(*d_);
    }
  }
  std::string config(const std::string& collections) const {
    return daemon_config(sim_,
                         "  schedule: every 1s\n"
                         "  catch_up: false\n"
                         "  poll: {initial: 100ms, max: 200ms}\n",
                         "    token: \"\"\n    rate_limit: 0\n", collections);
  }
  void start(const std::string& path, std::vector<std::string> prefix = {},
             std::vector<std::string> env = {}) {
    auto argv = daemon_argv(path);
    argv.insert(argv.begin(), prefix.begin(), prefix.end());
    d_ = std::make_unique<child_process>(std::move(argv), std::move(env));
    port_ = wait_for_listen_port(*d_, 15s);
    ASSERT_NE(port_, 0) << d_->err();
    ASSERT_TRUE(d_->wait_for_err_line(json_line("startup reconciliation done; ready"), 15s))
        << d_->err();
  }
  int count(const std::string& needle) {
    d_->wait_for_err_line([](std::string_view) { return false; }, 1ms);
    int n = 0;
    for (std::size_t at = 0; (at = d_->err().find(needle, at)) != std::string::npos; ++at) {
      ++n;
    }
    return n;
  }
  int triggers_of(const std::string& name) {
    const auto s = sim_.stats();
    const auto key = "default/" + name;
    return s["per_collection"].contains(key) ? s["per_collection"][key]["triggers"].get<int>() : 0;
  }
  /// Puts `make(tmp)`'s result in place of `path` atomically (the way editors save).
  void swap_in(const std::string& path, const std::function<void(const std::string&)>& make) {
    const auto tmp = path + ".tmp";
    make(tmp);
    fs::rename(tmp, path);
  }
  /// The reload failure for `path`, then /healthz still answering and the old config running.
  void expect_refused_while_running(const std::string& path, const std::string& kind) {
    const auto error = d_->wait_for_err_line(
        json_line("reload: " + path + ": cannot read: not a regular file (" + kind + ")"), 10s);
    ASSERT_TRUE(error) << d_->err();
    ASSERT_TRUE(d_->wait_for_err_line(
        json_line("reload failed; the previous configuration keeps running"), 10s))
        << d_->err();
    for (int i = 0; i < 5; ++i) {
      EXPECT_EQ(http_request("GET", "127.0.0.1", port_, "/healthz", {}, {}, 2s).status, 200);
    }
    const int before = triggers_of("ext_a");
    EXPECT_TRUE(poll_until([&] { return triggers_of("ext_a") >= before + 2; }, 10s, 50ms))
        << "the old config keeps running";
    EXPECT_EQ(triggers_of("ext_b"), 0);
  }

  sim_process sim_;
  temp_dir dir_;
  std::unique_ptr<child_process> d_;
  unsigned short port_ = 0;
};

TEST_F(DaemonHostileFiles, AReloadOntoDevZeroOrAFifoFailsNamingTheFileAndNeverBlocks) {
  const auto path = dir_.write("config.yaml", config("      - name: ext_a\n"));
  // No periodic check: the file events alone must not turn an unreadable file into a loop.
  auto env = small_quarantine_env();  // the RSS bound below, in sanitizer builds
  env.push_back("MILVUS_REFRESHD_RELOAD_CHECK_INTERVAL=0");
  start(path, {}, env);
  const long rss_before = peak_rss_kib(d_->pid());
  ASSERT_GT(rss_before, 0);

  swap_in(path, [](const std::string& tmp) { fs::create_symlink("/dev/zero", tmp); });
  expect_refused_while_running(path, "a character device");

  swap_in(path, [](const std::string& tmp) { ASSERT_EQ(::mkfifo(tmp.c_str(), 0600), 0); });
  expect_refused_while_running(path, "a FIFO");
  // SIGHUP forces a reload of the same FIFO: refused again, not waited on.
  d_->send_signal(SIGHUP);
  expect_refused_while_running(path, "a FIFO");

  const long rss_after = peak_rss_kib(d_->pid());
  EXPECT_EQ(count("\"msg\":\"reloading the configuration\""), 3)
      << "one reload per change (and the SIGHUP), not one per file event: " << d_->err();
  EXPECT_LT(rss_after - rss_before, 16 * 1024) << "VmHWM grew from " << rss_before << " KiB";

  // A valid file again is applied.
  swap_in(path, [&](const std::string& tmp) {
    std::ofstream(tmp) << config("      - name: ext_a\n      - name: ext_b\n");
  });
  ASSERT_TRUE(d_->wait_for_err_line(json_line("reload applied"), 10s)) << d_->err();
  EXPECT_TRUE(poll_until([&] { return triggers_of("ext_b") >= 1; }, 10s, 50ms));
}

TEST_F(DaemonHostileFiles, TheDaemonIsNotDumpable) {
  // The entries of a non-dumpable process's /proc/PID belong to root, whatever its user
  // (task_dump_owner in the kernel): run the daemon as nobody and look at their owner.
  fs::permissions(dir_.path(), fs::perms::owner_all | fs::perms::group_read |
                                   fs::perms::group_exec | fs::perms::others_read |
                                   fs::perms::others_exec);
  const auto path = dir_.write("config.yaml", config("      - name: ext_a\n"));
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_read |
                            fs::perms::group_read);
  start(path, {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"});
  const std::string proc = "/proc/" + std::to_string(d_->pid());
  struct stat dir {};
  ASSERT_EQ(::stat(proc.c_str(), &dir), 0);
  EXPECT_EQ(dir.st_uid, 65534u) << "the directory itself always shows the process's user";
  for (const char* entry : {"/status", "/environ", "/mem"}) {
    struct stat st {};
    ASSERT_EQ(::stat((proc + entry).c_str(), &st), 0) << entry;
    EXPECT_EQ(st.st_uid, 0u) << proc << entry
                             << ": a dumpable process's entries belong to its user (65534)";
  }
  // The process metrics still read /proc/self (open file descriptors included).
  const auto metrics = http_request("GET", "127.0.0.1", port_, "/metrics").body;
  EXPECT_NE(metrics.find("\nprocess_open_fds "), std::string::npos) << metrics.substr(0, 2000);
  EXPECT_EQ(metrics.find("\nprocess_open_fds 0\n"), std::string::npos);
}

}  // namespace
}  // namespace refreshd::test
