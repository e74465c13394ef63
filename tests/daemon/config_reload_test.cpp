// config_reloader: triggers, coalescing, the periodic content check and the invalid-file path,
// with real files and inotify, on the mock clock: settle times and periodic checks pass when the
// test advances the clock, never on the wall clock.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <refreshd/config/load_config.hpp>
#include <refreshd/daemon/config_reload_mock.hpp>
#include <refreshd/runtime/mock_clock.hpp>

namespace refreshd::daemon {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using test::mock_clock;
using reloader = basic_config_reloader<mock_clock>;

std::string valid(const std::string& schedule) {
  return "version: 1\n"
         "clusters:\n"
         "  - name: local\n"
         "    endpoint: http://127.0.0.1:1\n"
         "    token: \"\"\n"
         "    collections:\n"
         "      - name: ext_a\n"
         "        schedule: " +
         schedule + "\n";
}

class ConfigReloader : public ::testing::Test {
 protected:
  void SetUp() override {
    mock_clock::reset(std::chrono::system_clock::now());
    previous_ = spdlog::default_logger();
    spdlog::set_default_logger(
        std::make_shared<spdlog::logger>("null", std::make_shared<spdlog::sinks::null_sink_st>()));
    static std::atomic<int> n{0};
    dir_ = fs::temp_directory_path() /
           ("refreshd-reloader-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    fs::create_directories(dir_);
    file_ = dir_ / "config.yaml";
    write(valid("every 1h"));
  }
  void TearDown() override {
    if (r_) {
      r_->stop();
      ioc_.restart();
      ioc_.poll();
    }
    spdlog::set_default_logger(previous_);
    fs::remove_all(dir_);
  }
  void write(const std::string& text) const { std::ofstream(file_, std::ios::trunc) << text; }
  void start(config_reload_options o, std::vector<watched_file> named = {}) {
    reloader::hooks h;
    h.can_apply = [this] { return can_apply_; };
    h.reloading = [this] { events_.push_back("reloading"); };
    h.reloaded = [this](bool ok) { events_.push_back(ok ? "ready" : "ready-failed"); };
    h.result = [this](bool ok) { results_.push_back(ok); };
    h.apply = [this](std::shared_ptr<const config::config> c) -> std::optional<std::string> {
      applied_.push_back(c->clusters.at(0).collections.at(0).settings->schedule);
      return refuse_;
    };
    r_ = reloader::create(ioc_.get_executor(), file_, std::move(h), o);
    r_->start(std::move(named));
  }
  /// Writes `text` to `path` through a rename (as kubelet and cert-manager do), mode 0600.
  static void replace_file(const fs::path& path, const std::string& text) {
    const auto tmp = path.string() + ".tmp";
    std::ofstream(tmp, std::ios::trunc) << text;
    fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write);
    fs::rename(tmp, path);
  }
  /// A config naming a token file and a CA file in `secrets` (another directory), written; the
  /// files_named_by it as start() wants them.
  std::vector<watched_file> write_config_with_files(const std::string& ca_name = "ca.pem") {
    const auto secrets = dir_ / "secrets";
    fs::create_directories(secrets);
    replace_file(secrets / "token", "t0ken\n");
    replace_file(secrets / ca_name, "-----BEGIN CERTIFICATE-----\nAAAA\n");
    write(
        "version: 1\n"
        "clusters:\n"
        "  - name: local\n"
        "    endpoint: https://127.0.0.1:1\n"
        "    token_file: " +
        (secrets / "token").string() +
        "\n"
        "    tls:\n"
        "      ca_file: " +
        (secrets / ca_name).string() +
        "\n"
        "    collections:\n"
        "      - name: ext_a\n"
        "        schedule: every 1h\n");
    auto loaded = load_daemon_config(file_);
    EXPECT_TRUE(loaded.ok());
    return loaded.ok() ? files_named_by(*loaded.value) : std::vector<watched_file>{};
  }
  /// Runs what is ready (inotify events included), at most `cap` handlers: an io_context that
  /// never runs dry (a busy loop) fails the test instead of hanging it.
  static constexpr std::size_t cap = 10000;
  std::size_t poll_bounded() {
    ioc_.restart();
    std::size_t n = 0;
    while (n < cap && ioc_.poll_one() > 0) {
      ++n;
    }
    if (n == cap) {
      ADD_FAILURE() << "the io_context never runs dry: " << cap << " handlers in one poll";
    }
    return n;
  }
  /// Advances the mock clock in 10 ms steps, running what is ready after each, until `pred`
  /// holds or `limit` of mock time passed.
  bool run_until(const std::function<bool()>& pred, std::chrono::milliseconds limit = 5s) {
    for (std::chrono::milliseconds done{0}; done < limit; done += 10ms) {
      if (poll_bounded() == cap) {
        return false;
      }
      if (pred()) {
        return true;
      }
      // A reloaded file is parsed on a thread of its own (docs/DAEMON.md "Reload"): its
      // result may take a moment of real time to come back (1 ms at most per step, less when
      // it comes).
      ioc_.restart();
      ioc_.run_one_for(1ms);
      mock_clock::advance(10ms);
    }
    poll_bounded();
    return pred();
  }
  /// Advances the mock clock by `d` (to show that nothing happens).
  void run_for(std::chrono::milliseconds d) {
    run_until([] { return false; }, d);
  }

  net::io_context ioc_;
  fs::path dir_;
  fs::path file_;
  std::shared_ptr<reloader> r_;
  std::vector<std::string> events_;
  std::vector<bool> results_;
  std::vector<std::string> applied_;
  std::optional<std::string> refuse_;
  bool can_apply_ = true;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST_F(ConfigReloader, ThePeriodicCheckAloneNoticesAChangedContent) {
  start({.settle = 20ms, .check_interval = 100ms, .use_inotify = false});
  run_for(350ms);
  EXPECT_TRUE(applied_.empty()) << "an unchanged file is not reloaded";
  write(valid("every 5m"));
  ASSERT_TRUE(run_until([&] { return applied_.size() == 1; }));
  EXPECT_EQ(applied_[0], "every 5m");
  EXPECT_EQ(events_, (std::vector<std::string>{"reloading", "ready"}));
  run_for(350ms);
  EXPECT_EQ(applied_.size(), 1u) << "the same content is not applied twice";
}

TEST_F(ConfigReloader, InotifySeesARenameOnSave) {
  start({.settle = 20ms, .check_interval = std::chrono::milliseconds(0)});
  std::ofstream(dir_ / "config.yaml.swp") << valid("every 7m");
  fs::rename(dir_ / "config.yaml.swp", file_);
  ASSERT_TRUE(run_until([&] { return applied_.size() == 1; }));
  EXPECT_EQ(applied_[0], "every 7m");
}

TEST_F(ConfigReloader, AReloadLeavesTheInotifyWatchQuiet) {
  // Re-watching after a reload used to remove and re-add every watch; each removal queued an
  // IN_IGNORED event that started another re-watch: an endless round of handlers (a daemon at
  // 100 % CPU after its first reload).
  start({.settle = 20ms, .check_interval = std::chrono::milliseconds(0)});
  write(valid("every 5m"));
  ASSERT_TRUE(run_until([&] { return applied_.size() == 1; }));
  std::size_t handlers = 0;
  for (int step = 0; step < 100; ++step) {  // one second of mock time
    mock_clock::advance(10ms);
    handlers += poll_bounded();
  }
  EXPECT_LT(handlers, 20u) << "the watch keeps the loop busy";
  EXPECT_EQ(applied_.size(), 1u);
}

TEST_F(ConfigReloader, RequestsCoalesceAndForcedOnesReloadAnUnchangedFile) {
  start({.settle = 50ms, .check_interval = std::chrono::milliseconds(0), .use_inotify = false});
  for (int i = 0; i < 50; ++i) {
    r_->request("SIGHUP", true);
  }
  ASSERT_TRUE(run_until([&] { return applied_.size() == 1; }));
  run_for(200ms);
  EXPECT_EQ(applied_.size(), 1u);
  EXPECT_EQ(r_->reloads(), 1u);
  // Unforced (a file event) with the same content: nothing.
  r_->request("file changed", false);
  run_for(200ms);
  EXPECT_EQ(r_->reloads(), 1u);
}

TEST_F(ConfigReloader, AnInvalidFileIsNotAppliedAndReportsFailure) {
  start({.settle = 20ms, .check_interval = std::chrono::milliseconds(0), .use_inotify = false});
  write(valid("every banana"));
  r_->request("SIGHUP", true);
  ASSERT_TRUE(run_until([&] { return results_.size() == 1; }));
  EXPECT_FALSE(results_[0]);
  EXPECT_TRUE(applied_.empty());
  EXPECT_EQ(r_->failures(), 1u);
  EXPECT_EQ(events_, (std::vector<std::string>{"reloading", "ready-failed"}));
  // A refused apply (the runtime could not build a connection) is a failure too.
  write(valid("every 2m"));
  refuse_ = "cannot read token file";
  r_->request("SIGHUP", true);
  ASSERT_TRUE(run_until([&] { return results_.size() == 2; }));
  EXPECT_FALSE(results_[1]);
  EXPECT_EQ(applied_.size(), 1u);
}

TEST_F(ConfigReloader, AReloadWaitsUntilTheRuntimeCanApplyIt) {
  can_apply_ = false;
  start({.settle = 20ms, .check_interval = std::chrono::milliseconds(0), .use_inotify = false});
  r_->request("SIGHUP", true);
  run_for(300ms);
  EXPECT_TRUE(applied_.empty());
  can_apply_ = true;
  ASSERT_TRUE(run_until([&] { return applied_.size() == 1; }));
}

TEST(FilesNamedBy, ListsEveryTokenCaAndListenerFileOnce) {
  config::config c;
  c.listen_tls.cert_file = "/tls/cert.pem";
  c.listen_tls.key_file = "/tls/key.pem";
  c.admin.token = {config::token_kind::file, "/s/admin", {}};
  c.read_auth.token = {config::token_kind::file, "/s/read", {}};
  c.clusters.resize(3);
  c.clusters[0].token = {config::token_kind::file, "/s/cluster", {}};
  c.clusters[0].tls.ca_file = "/tls/ca.pem";
  c.clusters[1].token = {config::token_kind::env, "ZILLIZ_TOKEN", {}};
  c.clusters[2].token = {config::token_kind::file, "/s/cluster", {}};  // shared: listed once
  c.clusters[2].tls.ca_file = "/tls/other-ca.pem";
  std::vector<std::string> got;
  for (const auto& f : files_named_by(c)) {
    got.push_back(f.what + " " + f.path.string());
    EXPECT_GT(f.max_bytes, 0u);
  }
  EXPECT_EQ(
      got, (std::vector<std::string>{
               "listen_tls.cert_file /tls/cert.pem", "listen_tls.key_file /tls/key.pem",
               "admin.token_file /s/admin", "read_auth.token_file /s/read", "token_file /s/cluster",
               "tls.ca_file /tls/ca.pem", "tls.ca_file /tls/other-ca.pem"}));
}

TEST_F(ConfigReloader, APeriodicCheckNoticesACaFileChangedInPlace) {
  auto named = write_config_with_files();
  start({.settle = 20ms, .check_interval = 100ms, .use_inotify = false}, named);
  run_for(350ms);
  EXPECT_TRUE(applied_.empty()) << "unchanged files are not reloaded";
  replace_file(dir_ / "secrets" / "ca.pem", "-----BEGIN CERTIFICATE-----\nBBBB\n");
  ASSERT_TRUE(run_until([&] { return applied_.size() == 1; }));
  run_for(350ms);
  EXPECT_EQ(applied_.size(), 1u) << "the same content is not applied twice";
}

TEST_F(ConfigReloader, InotifySeesATokenFileRotatedInAnotherDirectory) {
  auto named = write_config_with_files();
  start({.settle = 20ms, .check_interval = std::chrono::milliseconds(0)}, named);
  replace_file(dir_ / "secrets" / "token", "n3w-t0ken\n");
  ASSERT_TRUE(run_until([&] { return applied_.size() == 1; }));
}

TEST_F(ConfigReloader, AfterAReloadTheNewConfigsFilesAreWatched) {
  auto named = write_config_with_files();
  start({.settle = 20ms, .check_interval = 100ms, .use_inotify = false}, named);
  write_config_with_files("ca2.pem");  // the config now names another CA file
  ASSERT_TRUE(run_until([&] { return applied_.size() == 1; }));
  replace_file(dir_ / "secrets" / "ca.pem", "-----BEGIN CERTIFICATE-----\nCCCC\n");
  run_for(350ms);
  EXPECT_EQ(applied_.size(), 1u) << "the old CA file is no longer named";
  replace_file(dir_ / "secrets" / "ca2.pem", "-----BEGIN CERTIFICATE-----\nDDDD\n");
  ASSERT_TRUE(run_until([&] { return applied_.size() == 2; }));
}

TEST_F(ConfigReloader, AFailedReloadKeepsWatchingTheFilesInUse) {
  auto named = write_config_with_files();
  start({.settle = 20ms, .check_interval = 100ms, .use_inotify = false}, named);
  refuse_ = "tls.ca_file holds no certificate";
  replace_file(dir_ / "secrets" / "ca.pem", "garbage\n");
  ASSERT_TRUE(run_until([&] { return results_.size() == 1; }));
  EXPECT_FALSE(results_[0]);
  run_for(350ms);
  EXPECT_EQ(results_.size(), 1u) << "the same broken content is not retried on every check";
  refuse_.reset();
  replace_file(dir_ / "secrets" / "ca.pem", "-----BEGIN CERTIFICATE-----\nEEEE\n");
  ASSERT_TRUE(run_until([&] { return results_.size() == 2; }));
  EXPECT_TRUE(results_[1]);
}

TEST_F(ConfigReloader, StopEndsEveryLoop) {
  start({.settle = 20ms, .check_interval = 50ms});
  r_->stop();
  run_for(100ms);
  EXPECT_TRUE(ioc_.stopped()) << "no timer or read left pending";
  r_.reset();
}

}  // namespace
}  // namespace refreshd::daemon
