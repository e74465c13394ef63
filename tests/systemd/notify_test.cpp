// sd_notify as the real daemon speaks it (docs/SYSTEMD.md, docs/SYSTEMD.md): a fake $NOTIFY_SOCKET,
// the real milvus-refreshd and the real simulator. Exact message sequences on start, stop and
// reload; the watchdog pings at half of $WATCHDOG_USEC, only while the scheduler loop is healthy.
#include <csignal>
#include <ctime>
#include <filesystem>
#include <functional>
#include <regex>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "systemd_support.hpp"

namespace refreshd::test {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

const std::string stopping_message = "STOPPING=1\nSTATUS=stopping: draining requests";
const std::string failed_reload_note = "; last reload failed, previous config kept";

std::uint64_t monotonic_usec_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000U +
         static_cast<std::uint64_t>(ts.tv_nsec) / 1000U;
}

class SystemdNotify : public notified_daemon_test {
 protected:
  /// Starts on `collections` and expects STATUS=starting, then READY=1 with `ready_status`
  /// (watchdog pings in between are allowed when `pings_allowed`).
  void start_until_ready(const std::string& config_text, const std::string& ready_status,
                         const std::vector<std::string>& env = {}, bool pings_allowed = false) {
    start(config_text, env);
    auto first = next(15s);
    ASSERT_TRUE(first) << d_->err();
    ASSERT_EQ(first->text.rfind("STATUS=starting: reconciling ", 0), 0u) << first->text;
    for (;;) {
      auto m = next(15s);
      ASSERT_TRUE(m) << "no READY=1: " << d_->err();
      if (pings_allowed && m->text == "WATCHDOG=1") {
        continue;
      }
      ASSERT_EQ(m->text, "READY=1\nSTATUS=" + ready_status);
      break;
    }
  }
  /// SIGTERM: exit 0, and STOPPING=1 is the last message. Messages before it are allowed only
  /// when `allowed` says so.
  void stop_expecting_stopping(const std::function<bool(const std::string&)>& allowed = {}) {
    auto r = stop();
    EXPECT_EQ(r.exit_code, 0) << r.err.substr(0, 4000);
    auto rest = queued();
    while (allowed && !rest.empty() && allowed(rest.front().text)) {
      rest.erase(rest.begin());
    }
    EXPECT_EQ(texts(rest), std::vector<std::string>{stopping_message});
    expect_all_from_daemon();
  }
};

TEST_F(SystemdNotify, StartSaysStartingThenReadyAfterReconciliationAndStopSaysStopping) {
  sim_.add_collection(json::array({{{"name", "ext_a"}}, {{"name", "ext_b"}}}));
  sim_.configure({{"latency_ms", 300}});  // the startup lists take a while
  start(config("      - name: ext_a\n      - name: ext_b\n"));
  auto first = next(15s);
  ASSERT_TRUE(first) << d_->err();
  EXPECT_EQ(first->text, "STATUS=starting: reconciling 2 collections");
  auto ready = next(15s);
  ASSERT_TRUE(ready) << d_->err();
  EXPECT_EQ(ready->text, "READY=1\nSTATUS=2 collections, 0 running, 0 failing");
  EXPECT_GE(sim_.stats()["requests"]["list"].get<int>(), 1)
      << "READY=1 after the startup list (one for the database of both)";
  sim_.configure({{"latency_ms", 0}});
  EXPECT_EQ(get_status("/readyz"), 200) << "READY=1 and /readyz agree";

  const auto found = log_line("systemd notification socket found", 5s);
  ASSERT_TRUE(found) << d_->err();
  EXPECT_EQ((*found)["watchdog_ping"], "off");

  EXPECT_FALSE(next(300ms)) << "nothing else while nothing changes: " << received_.back().text;
  stop_expecting_stopping();
  EXPECT_EQ(received_.size(), 3u) << ::testing::PrintToString(texts(received_));
}

TEST_F(SystemdNotify, ReadyStatusCountsAuthFailedAndSuspendedCollections) {
  sim_.add_collection(json::array({{{"name", "ext_a"}}, {{"name", "ext_s"}}}));
  sim_.configure({{"auth_token", "right-token"}});
  ASSERT_NO_FATAL_FAILURE(
      start_until_ready(config("      - name: ext_a\n      - name: ext_s\n        suspend: true\n",
                               "    token: \"wrong-token\"\n"),
                        "2 collections, 0 running, 0 failing, 1 auth failed, 1 suspended"));
  EXPECT_EQ(received_.front().text, "STATUS=starting: reconciling 2 collections");
  stop_expecting_stopping();
}

TEST_F(SystemdNotify, WatchdogPingsAtHalfTheIntervalAndStopWhileTheDaemonIsFrozen) {
  // A hung daemon from the outside: the process frozen with SIGSTOP (the daemon has no test hook
  // for it). A scheduler loop that stalls while the rest of the daemon runs (pings stop, /healthz
  // 503) is tested on the mock clock:
  // Notifier.WatchdogPingsEveryHalfPeriodOnlyWhileTheLoopIsHealthy and
  // HttpApi.HealthzFollowsTheSchedulerLoop.
  sim_.add_collection({{"name", "ext_a"}});
  ASSERT_NO_FATAL_FAILURE(start_until_ready(config("      - name: ext_a\n"),
                                            "1 collection, 0 running, 0 failing",
                                            {"WATCHDOG_USEC=400000"}, true));
  const auto found = log_line("systemd notification socket found", 5s);
  ASSERT_TRUE(found) << d_->err();
  EXPECT_EQ((*found)["watchdog_ping"], "200ms");
  EXPECT_EQ(get_status("/healthz"), 200);

  // About 2.5 s of pings, then the daemon is frozen; what it sent before is queued by the time
  // the kernel reports it stopped.
  const auto until = std::chrono::steady_clock::now() + 2500ms;
  while (std::chrono::steady_clock::now() < until) {
    next(50ms);
  }
  d_->send_signal(SIGSTOP);
  ASSERT_TRUE(poll_until([&] { return process_state(d_->pid()) == 'T'; }, 5s));
  queued();
  std::vector<message> pings;
  for (const auto& m : received_) {
    if (m.text == "WATCHDOG=1") {
      pings.push_back(m);
    } else {
      EXPECT_TRUE(m.text.rfind("STATUS=starting", 0) == 0 || m.text.rfind("READY=1\n", 0) == 0)
          << m.text;
    }
  }
  ASSERT_GE(pings.size(), 5u) << "about 12 in 2.5 s";
  std::vector<std::chrono::steady_clock::duration> gaps;
  for (std::size_t i = 1; i < pings.size(); ++i) {
    gaps.push_back(pings[i].at - pings[i - 1].at);
  }
  std::sort(gaps.begin(), gaps.end());
  const auto median = gaps[gaps.size() / 2];
  EXPECT_GE(median, 100ms);
  EXPECT_LE(median, 400ms);

  // Five ping periods of silence while frozen; the pings come back when it runs again.
  const auto after = next(1000ms);
  EXPECT_FALSE(after) << "a message while frozen: " << after->text;
  d_->send_signal(SIGCONT);
  const auto resumed = next(2000ms);
  ASSERT_TRUE(resumed);
  EXPECT_EQ(resumed->text, "WATCHDOG=1");
  EXPECT_EQ(get_status("/healthz"), 200);
  stop_expecting_stopping();
}

TEST_F(SystemdNotify, WatchdogMeantForAnotherProcessIsIgnored) {
  sim_.add_collection({{"name", "ext_a"}});
  ASSERT_NO_FATAL_FAILURE(start_until_ready(config("      - name: ext_a\n"),
                                            "1 collection, 0 running, 0 failing",
                                            {"WATCHDOG_USEC=400000", "WATCHDOG_PID=1"}));
  const auto found = log_line("systemd notification socket found", 5s);
  ASSERT_TRUE(found) << d_->err();
  EXPECT_EQ((*found)["watchdog_ping"], "off");
  const auto extra = next(600ms);
  EXPECT_FALSE(extra) << extra->text;
  stop_expecting_stopping();
}

TEST_F(SystemdNotify, BadEnvironmentSettingIsAUsageError) {
  sim_.add_collection({{"name", "ext_a"}});
  start(config("      - name: ext_a\n"), {"MILVUS_REFRESHD_RELOAD_CHECK_INTERVAL=soon"});
  auto r = d_->wait(15s);
  ASSERT_TRUE(r) << d_->err();
  EXPECT_EQ(r->exit_code, 2);
  EXPECT_NE(r->err.find("MILVUS_REFRESHD_RELOAD_CHECK_INTERVAL"), std::string::npos) << r->err;
}

// ---- reload (needs SIGHUP wired to the runtime's reload in run_command.cpp) ---------------

TEST_F(SystemdNotify, SighupSendsReloadingWithMonotonicUsecThenReady) {
  sim_.add_collection({{"name", "ext_a"}});
  ASSERT_NO_FATAL_FAILURE(
      start_until_ready(config("      - name: ext_a\n"), "1 collection, 0 running, 0 failing"));
  const auto before = monotonic_usec_now();
  d_->send_signal(SIGHUP);
  auto reloading = next(10s);
  ASSERT_TRUE(reloading) << d_->err();
  std::smatch m;
  ASSERT_TRUE(
      std::regex_match(reloading->text, m, std::regex("RELOADING=1\nMONOTONIC_USEC=([0-9]+)")))
      << reloading->text;
  auto ready = next(10s);
  const auto after = monotonic_usec_now();
  ASSERT_TRUE(ready) << d_->err();
  EXPECT_EQ(ready->text, "READY=1\nSTATUS=1 collection, 0 running, 0 failing");
  const auto usec = std::stoull(m[1].str());
  EXPECT_GE(usec, before) << "CLOCK_MONOTONIC when the reload began, after the signal";
  EXPECT_LE(usec, after);
  EXPECT_FALSE(next(300ms)) << received_.back().text;
  stop_expecting_stopping();
}

TEST_F(SystemdNotify, InvalidConfigOnReloadKeepsRunningAndStatusSaysSoUntilAGoodReload) {
  sim_.add_collection({{"name", "ext_a"}});
  const auto good = config("      - name: ext_a\n");
  ASSERT_NO_FATAL_FAILURE(start_until_ready(good, "1 collection, 0 running, 0 failing"));
  // Replaced like an editor does (write, rename): a watcher never sees half a file.
  const auto replace_config = [&](const std::string& text) {
    std::filesystem::rename(dir_.write("config.yaml.new", text), config_path_);
  };

  // Each reload is RELOADING=1 then READY=1; the file watcher may add a reload of its own.
  const auto reload_until = [&](const std::string& ready_status) {
    for (int reloads = 0; reloads < 3; ++reloads) {
      auto r = next(10s);
      if (!r) {
        ADD_FAILURE() << "no RELOADING=1: " << d_->err();
        return;
      }
      EXPECT_EQ(r->text.rfind("RELOADING=1\nMONOTONIC_USEC=", 0), 0u) << r->text;
      auto ready = next(10s);
      if (!ready) {
        ADD_FAILURE() << "no READY=1 after RELOADING=1: " << d_->err();
        return;
      }
      EXPECT_EQ(ready->text.rfind("READY=1\nSTATUS=", 0), 0u) << ready->text;
      if (ready->text == "READY=1\nSTATUS=" + ready_status) {
        return;
      }
    }
    ADD_FAILURE() << "never READY=1 with STATUS=" << ready_status << ": "
                  << ::testing::PrintToString(texts(received_));
  };

  replace_config("version: 1\nclusters: [\n");
  d_->send_signal(SIGHUP);
  reload_until("1 collection, 0 running, 0 failing" + failed_reload_note);
  EXPECT_EQ(get_status("/healthz"), 200) << "the old config keeps running";

  replace_config(good);
  d_->send_signal(SIGHUP);
  reload_until("1 collection, 0 running, 0 failing");
  stop_expecting_stopping([](const std::string& text) {  // a late reload of the watcher's own
    return text.rfind("RELOADING=1\n", 0) == 0 ||
           text == "READY=1\nSTATUS=1 collection, 0 running, 0 failing";
  });
}

}  // namespace
}  // namespace refreshd::test
