// The sd_notify notifier (refreshd/systemd/systemd_notify.hpp) over a mock-clock runtime and an
// in-memory cluster: the STATUS= text, READY=1 after startup, the watchdog only while the loop
// is healthy, RELOADING=1/READY=1, nothing after STOPPING=1. Plus the real sd_notify path and
// the environment parsing against a fake $NOTIFY_SOCKET.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <unistd.h>

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <refreshd/daemon/run_command.hpp>
#include <refreshd/runtime/mock_clock.hpp>
#include <refreshd/runtime/runtime.hpp>
#include <refreshd/runtime/runtime_mock.hpp>
#include <refreshd/systemd/systemd_notify.hpp>
#include <refreshd/test/model_cluster.hpp>
#include <refreshd/test/quiet_logger.hpp>

#include "notify_socket.hpp"

namespace refreshd::daemon {
namespace {

using namespace std::chrono_literals;
using test::mock_clock;
using test::model_cluster;
using mock_runtime = basic_runtime<mock_clock>;
using mock_notifier = basic_systemd_notifier<mock_clock>;

// 2026-11-22T10:00:00.000Z.
const auto t10 = std::chrono::system_clock::time_point(1'795'341'600s);

struct sent_message {
  std::string text;
  mock_clock::time_point at;
};

class Notifier : public ::testing::Test {
 protected:
  void SetUp() override { mock_clock::reset(t10 + 1s); }
  void TearDown() override {
    if (notifier_) {
      notifier_->stopping();
    }
    if (rt_) {
      rt_->stop();
      stall_runtime_ = false;
      run_for(100ms);
    }
    notifier_.reset();
    rt_.reset();
  }

  /// One cluster with `n` collections ext_0.. on `schedule` (no catch-up).
  void collections(int n, const std::string& schedule = "every 1m", bool suspend_last = false) {
    auto& c = cfg_->clusters.emplace_back();
    c.name = "prod";
    c.endpoint = "http://model";
    c.token.kind = config::token_kind::literal;
    c.rate_limit = 0;
    for (int i = 0; i < n; ++i) {
      auto& col = c.collections.emplace_back();
      col.name = "ext_" + std::to_string(i);
      col.database = "default";
      col.settings.edit().schedule = schedule;
      col.settings.edit().catch_up = false;
      col.settings.edit().jitter = 0ms;
      col.settings.edit().poll.initial = 500ms;
      col.settings.edit().poll.max = 1s;
      col.suspend = suspend_last && i == n - 1;
      model_.collections[col.name] = model_cluster::behaviour{};
    }
  }
  /// Creates the runtime and the notifier (capturing every message), starts both.
  void start(notify_options o, runtime_options ro = {}) {
    ro.seed = 42;
    rt_ = mock_runtime::create(
        rt_ioc_.get_executor(), cfg_,
        [this](executor, const config::cluster&, std::string) {
          return cluster_client{std::make_unique<test::model_api>(model_), {}};
        },
        ro);
    // As run_command composes them: the daemon's own on_ready work, then READY=1.
    rt_->on_ready = [this] {
      sent_before_previous_on_ready_ = sent_.size();
      notifier_->ready();
    };
    o.sink = [this](const std::string& m) { sent_.push_back({m, mock_clock::now()}); };
    notifier_ = mock_notifier::create(ioc_.get_executor(), rt_, o);
    notifier_->start();
    rt_->start();
  }
  static notify_options enabled(std::optional<std::chrono::microseconds> watchdog = std::nullopt) {
    notify_options o;
    o.enabled = true;
    o.watchdog = watchdog;
    o.status_interval = 1s;
    return o;
  }
  /// Advances the mock clock in 10 ms steps, running the notifier's io_context and, unless
  /// stall_runtime_, the runtime's after each step.
  void run_for(mock_clock::duration d) {
    poll();
    for (mock_clock::duration done{0}; done < d; done += 10ms) {
      mock_clock::advance(10ms);
      poll();
    }
  }
  void poll() {
    if (!stall_runtime_) {
      rt_ioc_.restart();
      rt_ioc_.poll();
    }
    ioc_.restart();
    ioc_.poll();
  }
  std::vector<std::string> texts() const {
    std::vector<std::string> out;
    for (const auto& m : sent_) {
      out.push_back(m.text);
    }
    return out;
  }
  std::vector<sent_message> pings() const {
    std::vector<sent_message> out;
    for (const auto& m : sent_) {
      if (m.text == "WATCHDOG=1") {
        out.push_back(m);
      }
    }
    return out;
  }

  net::io_context ioc_;  ///< the notifier's
  /// The runtime's: a test stalls the scheduler loop (a hung loop) by not running it, the seam
  /// through the executor.
  net::io_context rt_ioc_;
  bool stall_runtime_ = false;
  std::shared_ptr<config::config> cfg_ = std::make_shared<config::config>();
  model_cluster model_;
  std::shared_ptr<mock_runtime> rt_;
  std::shared_ptr<mock_notifier> notifier_;
  std::vector<sent_message> sent_;
  std::optional<std::size_t> sent_before_previous_on_ready_;
  test::quiet_logger quiet_;
};

TEST(StatusLine, CountsRunningAndFailingAlwaysAndOtherStatusesWhenPresent) {
  status_counts c;
  EXPECT_EQ(status_line(c), "0 collections, 0 running, 0 failing");
  c.total = 1;
  c.by_status[static_cast<std::size_t>(status::idle)] = 1;
  EXPECT_EQ(status_line(c), "1 collection, 0 running, 0 failing");
  c = {};
  c.total = 12;
  c.by_status[static_cast<std::size_t>(status::idle)] = 9;
  c.by_status[static_cast<std::size_t>(status::running)] = 2;
  c.by_status[static_cast<std::size_t>(status::failing)] = 1;
  EXPECT_EQ(status_line(c), "12 collections, 2 running, 1 failing");
  c = {};
  c.total = 36;
  std::size_t n = 1;
  for (const auto s : all_statuses) {
    c.by_status[static_cast<std::size_t>(s)] = n++;
  }
  EXPECT_EQ(status_line(c),
            "36 collections, 2 running, 4 failing, 3 stuck, 5 misconfigured, 6 unsupported, "
            "7 auth failed, 8 suspended, 9 paused");
}

TEST_F(Notifier, DisabledSendsNothingAndLeavesOnReadyAlone) {
  collections(2);
  auto o = enabled(400ms);
  o.enabled = false;
  start(o);
  run_for(3s);
  EXPECT_TRUE(rt_->ready());
  EXPECT_EQ(sent_before_previous_on_ready_, 0u) << "the daemon's own on_ready still runs";
  notifier_->reloading();
  notifier_->reloaded();
  notifier_->stopping();
  EXPECT_TRUE(sent_.empty()) << ::testing::PrintToString(texts());
  EXPECT_EQ(notifier_->sent(), 0u);
}

TEST_F(Notifier, StartingStatusThenReadyOnceStartupReconciliationIsDone) {
  collections(3);
  start(enabled());
  // rt->start() only spawned the startup lists: nothing ran yet.
  EXPECT_FALSE(rt_->ready());
  ASSERT_EQ(texts(), std::vector<std::string>{"STATUS=starting: reconciling 3 collections"});
  run_for(20ms);
  ASSERT_TRUE(rt_->ready());
  EXPECT_EQ(texts(),
            (std::vector<std::string>{"STATUS=starting: reconciling 3 collections",
                                      "READY=1\nSTATUS=3 collections, 0 running, 0 failing"}));
  EXPECT_EQ(sent_before_previous_on_ready_, 1u) << "the previous on_ready runs before READY=1";
  EXPECT_EQ(model_.request_times.size(), 1u)
      << "READY=1 came after the startup list (one for the database of the three)";
  run_for(10s);
  EXPECT_EQ(sent_.size(), 2u) << "nothing changed, nothing sent: "
                              << ::testing::PrintToString(texts());
}

TEST_F(Notifier, SuspendedCollectionsAreCounted) {
  collections(2, "every 1m", true);
  start(enabled());
  EXPECT_EQ(texts().at(0), "STATUS=starting: reconciling 2 collections");
  run_for(20ms);
  EXPECT_EQ(texts().at(1), "READY=1\nSTATUS=2 collections, 0 running, 0 failing, 1 suspended");
}

TEST_F(Notifier, OneCollectionIsSingular) {
  collections(1);
  start(enabled());
  run_for(20ms);
  EXPECT_EQ(texts(),
            (std::vector<std::string>{"STATUS=starting: reconciling 1 collection",
                                      "READY=1\nSTATUS=1 collection, 0 running, 0 failing"}));
}

TEST_F(Notifier, StatusIsSentWithinAnIntervalOfAChangeAndOnlyWhenItChanged) {
  collections(1, "every 1m");
  model_.collections["ext_0"] = {100ms, 3s, false};
  start(enabled());  // status_interval 1s
  run_for(62s);      // the 10:01:00 slot triggers; the job ends at about 10:01:03.1
  ASSERT_EQ(model_.triggers, 1);
  const std::vector<std::string> expected{
      "STATUS=starting: reconciling 1 collection",
      "READY=1\nSTATUS=1 collection, 0 running, 0 failing",
      "STATUS=1 collection, 1 running, 0 failing",
  };
  ASSERT_EQ(texts(), expected);
  EXPECT_LE(sent_[2].at - model_.jobs[0].created, 1s) << "noticed at the next status check";
  run_for(10s);
  auto more = expected;
  more.push_back("STATUS=1 collection, 0 running, 0 failing");
  ASSERT_EQ(texts(), more);
  EXPECT_LE(sent_[3].at - (model_.jobs[0].created + 3100ms), 1s + 500ms)
      << "the job's end is seen at the next poll, the status at the next check after it";
}

TEST_F(Notifier, WatchdogPingsEveryHalfPeriodOnlyWhileTheLoopIsHealthy) {
  collections(1);
  runtime_options ro;
  ro.tick = 2s;
  ro.stall_after = 10s;
  const auto t0 = mock_clock::now();
  start(enabled(400'000us), ro);
  run_for(1s + 5ms);
  auto p = pings();
  ASSERT_EQ(p.size(), 5u) << ::testing::PrintToString(texts());
  for (std::size_t i = 0; i < p.size(); ++i) {
    EXPECT_EQ(p[i].at - t0, 200ms * static_cast<int>(i + 1)) << "absolute deadlines, no drift";
  }
  stall_runtime_ = true;
  run_for(10s + 10ms);  // the last tick is now older than stall_after
  ASSERT_FALSE(rt_->loop_healthy());
  const auto before = pings().size();
  run_for(3s);
  EXPECT_EQ(pings().size(), before) << "no ping while the loop is stalled";
  stall_runtime_ = false;
  run_for(2s);  // the loop wakes within its tick and is healthy again
  p = pings();
  ASSERT_GE(p.size(), 6u);
  EXPECT_EQ((p.back().at - t0) % 200ms, 0ms) << "pings resume on the same 200 ms grid";
  for (const auto& m : sent_) {
    EXPECT_TRUE(m.text == "WATCHDOG=1" || m.text.rfind("STATUS=", 0) == 0 ||
                m.text.rfind("READY=1\n", 0) == 0)
        << m.text;
  }
}

TEST_F(Notifier, WatchdogNeedsAPositivePeriod) {
  collections(1);
  start(enabled(0us));
  run_for(2s);
  EXPECT_TRUE(pings().empty());
  ASSERT_EQ(sent_.size(), 2u) << ::testing::PrintToString(texts());
}

TEST_F(Notifier, TinyWatchdogPeriodIsClampedToOneMillisecond) {
  collections(1);
  start(enabled(1us));  // half of it is 0: without the clamp the loop would never yield
  run_for(100ms);
  const auto n = pings().size();
  EXPECT_GE(n, 9u);
  EXPECT_LE(n, 101u) << "at most one ping per millisecond, never a busy loop";
}

TEST_F(Notifier, ReloadingCarriesMonotonicUsecAndReloadedSaysReadyWithTheStatus) {
  collections(1);
  start(enabled());
  notifier_->reloading();  // before READY=1: the pending READY=1 ends the start-up instead
  notifier_->reloaded();
  EXPECT_EQ(sent_.size(), 1u) << ::testing::PrintToString(texts());
  run_for(20ms);
  ASSERT_EQ(sent_.size(), 2u);

  const auto before = monotonic_usec();
  notifier_->reloading();
  const auto after = monotonic_usec();
  ASSERT_EQ(sent_.size(), 3u);
  std::smatch m;
  ASSERT_TRUE(
      std::regex_match(sent_[2].text, m, std::regex("RELOADING=1\nMONOTONIC_USEC=([0-9]+)")))
      << sent_[2].text;
  const auto usec = std::stoull(m[1].str());
  EXPECT_GE(usec, before);
  EXPECT_LE(usec, after);

  notifier_->reloaded(false);
  ASSERT_EQ(sent_.size(), 4u);
  EXPECT_EQ(sent_[3].text,
            "READY=1\nSTATUS=1 collection, 0 running, 0 failing; last reload failed, previous "
            "config kept");
  run_for(3s);
  EXPECT_EQ(sent_.size(), 4u) << "the failure note stays, it is not re-sent";

  notifier_->reloading();
  notifier_->reloaded(true);
  ASSERT_EQ(sent_.size(), 6u);
  EXPECT_EQ(sent_[4].text.rfind("RELOADING=1\nMONOTONIC_USEC=", 0), 0u);
  EXPECT_EQ(sent_[5].text, "READY=1\nSTATUS=1 collection, 0 running, 0 failing");
}

TEST_F(Notifier, NothingIsSentAfterStopping) {
  collections(1, "every 1m");
  start(enabled(400'000us));
  run_for(1s);
  notifier_->stopping();
  ASSERT_EQ(sent_.back().text, "STOPPING=1\nSTATUS=stopping: draining requests");
  const auto n = sent_.size();
  notifier_->stopping();
  notifier_->reloading();
  notifier_->reloaded();
  run_for(70s);  // watchdog and status loops are gone; a slot runs and changes the status
  EXPECT_EQ(model_.triggers, 1);
  EXPECT_EQ(sent_.size(), n) << ::testing::PrintToString(texts());
}

TEST_F(Notifier, StoppingBeforeReadyMeansNoReady) {
  collections(2);
  start(enabled());
  notifier_->stopping();
  run_for(1s);
  EXPECT_TRUE(rt_->ready()) << "the runtime went on; the notifier did not";
  EXPECT_EQ(texts(), (std::vector<std::string>{"STATUS=starting: reconciling 2 collections",
                                               "STOPPING=1\nSTATUS=stopping: draining requests"}));
}

TEST(UnitFile, StopTimeoutLeavesRoomForTheDrainDeadline) {
  std::ifstream in(std::string(REFRESHD_SOURCE_DIR) + "/systemd/milvus-refreshd.service");
  ASSERT_TRUE(in);
  std::string line;
  std::optional<std::chrono::seconds> stop_timeout;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, std::regex("TimeoutStopSec=([0-9]+)s"))) {
      stop_timeout = std::chrono::seconds(std::stoi(m[1].str()));
    }
  }
  ASSERT_TRUE(stop_timeout) << "TimeoutStopSec=<N>s in the unit";
  EXPECT_GE(*stop_timeout, 2 * run_options{}.drain_timeout)
      << "systemd must not SIGKILL a daemon that is still within its drain deadline";
}

// ---- the real sd_notify path and the environment ------------------------------------------

/// Sets environment variables for one test and restores them.
class scoped_env {
 public:
  void set(const std::string& name, const std::optional<std::string>& value) {
    if (!saved_.count(name)) {
      const char* old = std::getenv(name.c_str());
      saved_[name] = old != nullptr ? std::optional<std::string>(old) : std::nullopt;
    }
    if (value) {
      ::setenv(name.c_str(), value->c_str(), 1);
    } else {
      ::unsetenv(name.c_str());
    }
  }
  ~scoped_env() {
    for (const auto& [name, value] : saved_) {
      if (value) {
        ::setenv(name.c_str(), value->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
  }

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

class NotifyEnvironment : public ::testing::Test {
 protected:
  NotifyEnvironment()
      : dir_(std::filesystem::temp_directory_path() /
             ("refreshd-notify-" + std::to_string(::getpid()))),
        socket_((std::filesystem::create_directories(dir_), dir_ / "notify.sock")) {}
  ~NotifyEnvironment() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  void SetUp() override {
    env_.set("NOTIFY_SOCKET", socket_.path());
    env_.set("WATCHDOG_USEC", std::nullopt);
    env_.set("WATCHDOG_PID", std::nullopt);
  }
  std::filesystem::path dir_;
  test::notify_socket socket_;
  scoped_env env_;
  test::quiet_logger quiet_;
};

TEST_F(NotifyEnvironment, SendNotificationIsOneDatagramFromThisProcess) {
  ASSERT_TRUE(send_notification("STATUS=hello\nREADY=1"));
  auto m = socket_.receive(5s);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->text, "STATUS=hello\nREADY=1");
  EXPECT_EQ(m->pid, ::getpid());
  EXPECT_FALSE(socket_.receive(0ms));
}

TEST_F(NotifyEnvironment, SendNotificationFailsWithoutASocketAndTheDaemonGoesOn) {
  env_.set("NOTIFY_SOCKET", std::nullopt);
  EXPECT_FALSE(send_notification("READY=1"));
  env_.set("NOTIFY_SOCKET", (dir_ / "nobody-listens.sock").string());
  EXPECT_FALSE(send_notification("READY=1"));
  EXPECT_FALSE(send_notification("READY=1")) << "later failures too (logged at debug)";
}

TEST_F(NotifyEnvironment, OptionsFollowNotifySocketAndTheWatchdogMeantForThisProcess) {
  auto o = notify_options_from_environment();
  EXPECT_TRUE(o.enabled);
  EXPECT_FALSE(o.watchdog);

  env_.set("WATCHDOG_USEC", "400000");
  o = notify_options_from_environment();
  ASSERT_TRUE(o.watchdog);
  EXPECT_EQ(*o.watchdog, 400ms);

  env_.set("WATCHDOG_PID", std::to_string(::getpid()));
  o = notify_options_from_environment();
  ASSERT_TRUE(o.watchdog);
  EXPECT_EQ(*o.watchdog, 400ms);

  env_.set("WATCHDOG_PID", std::to_string(::getpid() + 1));
  EXPECT_FALSE(notify_options_from_environment().watchdog) << "meant for another process";

  env_.set("WATCHDOG_PID", std::nullopt);
  env_.set("WATCHDOG_USEC", "0");
  EXPECT_FALSE(notify_options_from_environment().watchdog);
  env_.set("WATCHDOG_USEC", "soon");
  EXPECT_FALSE(notify_options_from_environment().watchdog);

  env_.set("WATCHDOG_USEC", "400000");
  env_.set("NOTIFY_SOCKET", std::nullopt);
  o = notify_options_from_environment();
  EXPECT_FALSE(o.enabled);
  EXPECT_FALSE(o.watchdog) << "no socket, no watchdog";
  env_.set("NOTIFY_SOCKET", "");
  EXPECT_FALSE(notify_options_from_environment().enabled);
}

TEST_F(NotifyEnvironment, MonotonicUsecIsClockMonotonic) {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  const auto before = static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000U +
                      static_cast<std::uint64_t>(ts.tv_nsec) / 1000U;
  const auto usec = monotonic_usec();
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  const auto after = static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000U +
                     static_cast<std::uint64_t>(ts.tv_nsec) / 1000U;
  EXPECT_GE(usec, before);
  EXPECT_LE(usec, after);
}

}  // namespace
}  // namespace refreshd::daemon
