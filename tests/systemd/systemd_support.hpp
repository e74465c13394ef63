#pragma once
// The real milvus-refreshd under a fake $NOTIFY_SOCKET, against the real simulator: the daemon
// process, its log pipe kept drained, its notifications and its HTTP port.

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <refreshd/test/child_process.hpp>
#include <refreshd/test/http.hpp>
#include <refreshd/test/sim_process.hpp>

#include "../integration/daemon_support.hpp"
#include "notify_socket.hpp"

namespace refreshd::test {

class notified_daemon_test : public ::testing::Test {
 protected:
  using message = notify_socket::message;

  notified_daemon_test() : socket_(dir_.path() / "notify.sock") {}
  void SetUp() override { sim_.reset(); }

  /// A config on the simulator with `collections` (YAML entries indented by 6 spaces), a daily
  /// schedule without catch-up (nothing runs by itself) and `cluster_keys`.
  std::string config(const std::string& collections,
                     const std::string& cluster_keys = "    token: \"\"\n") const {
    return daemon_config(sim_,
                         "  schedule: \"@daily\"\n  catch_up: false\n"
                         "  poll: {initial: 200ms, max: 1s}\n",
                         cluster_keys + "    rate_limit: 0\n", collections);
  }
  /// Starts the daemon with $NOTIFY_SOCKET set to the fake socket; the watchdog, journal and
  /// reload-check variables are cleared unless `env` sets them.
  void start(const std::string& config_text, const std::vector<std::string>& env = {}) {
    config_path_ = dir_.write("config.yaml", config_text);
    std::vector<std::string> e{socket_.env(), "WATCHDOG_USEC=", "WATCHDOG_PID=", "JOURNAL_STREAM=",
                               "MILVUS_REFRESHD_RELOAD_CHECK_INTERVAL="};
    e.insert(e.end(), env.begin(), env.end());
    d_ = std::make_unique<child_process>(daemon_argv(config_path_), e);
  }

  /// The next notification within `timeout`; the daemon's log pipe is read meanwhile (a full
  /// pipe would block the daemon). Every message is also kept in `received_`.
  std::optional<message> next(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      auto m = socket_.receive(
          std::clamp(left, std::chrono::milliseconds(0), std::chrono::milliseconds(50)));
      if (m) {
        received_.push_back(*m);
        return m;
      }
      drain_log();
      if (left.count() <= 0) {
        return std::nullopt;
      }
    }
  }
  /// The state letter of /proc/PID/stat ('T' when stopped by a signal), '?' when unreadable.
  static char process_state(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto close = stat.rfind(')');
    return close != std::string::npos && close + 2 < stat.size() ? stat[close + 2] : '?';
  }
  /// Messages already queued on the socket (no waiting).
  std::vector<message> queued() {
    std::vector<message> out;
    while (auto m = socket_.receive(std::chrono::milliseconds(0))) {
      received_.push_back(*m);
      out.push_back(*m);
    }
    return out;
  }
  /// Receives (and keeps) notifications until a log line contains `needle`.
  bool collect_until_log(std::string_view needle, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      next(std::chrono::milliseconds(20));
      if (d_->err().find(needle) != std::string::npos) {
        return true;
      }
    }
    return false;
  }
  /// Reads what the daemon logged so far into d_->err() (a wait under 2 ms would read nothing).
  void drain_log() {
    d_->wait_for_err_line([](std::string_view) { return false; }, std::chrono::milliseconds(5));
  }
  /// The first JSON log line with msg `msg`, waiting up to `timeout`.
  std::optional<nlohmann::json> log_line(const std::string& msg,
                                         std::chrono::milliseconds timeout) {
    std::optional<nlohmann::json> found;
    poll_until(
        [&] {
          drain_log();
          const auto& err = d_->err();
          std::size_t pos = 0;
          while (pos < err.size()) {
            const auto end = err.find('\n', pos);
            if (end == std::string::npos) {
              break;
            }
            auto j = nlohmann::json::parse(err.substr(pos, end - pos), nullptr, false);
            if (j.is_object() && j.value("msg", "") == msg) {
              found = std::move(j);
              return true;
            }
            pos = end + 1;
          }
          return false;
        },
        timeout);
    return found;
  }
  /// The HTTP port from the "listening on http://127.0.0.1:PORT" log line.
  unsigned short port() {
    static constexpr std::string_view prefix = "listening on http://127.0.0.1:";
    if (port_ == 0) {
      std::size_t at = std::string::npos;
      poll_until(
          [&] {
            drain_log();
            at = d_->err().find(prefix);
            return at != std::string::npos;
          },
          std::chrono::seconds(15));
      if (at == std::string::npos) {
        ADD_FAILURE() << "no listening line: " << d_->err();
        return 0;
      }
      port_ = static_cast<unsigned short>(std::stoi(d_->err().substr(at + prefix.size())));
    }
    return port_;
  }
  int get_status(const std::string& target) {
    drain_log();
    return http_request("GET", "127.0.0.1", port(), target).status;
  }
  /// SIGTERM, then the exit within the drain deadline and a margin.
  process_result stop() {
    d_->send_signal(SIGTERM);
    auto r = d_->wait(std::chrono::seconds(9));
    EXPECT_TRUE(r.has_value()) << "did not exit after SIGTERM";
    return r.value_or(process_result{});
  }
  /// Every message came from the daemon's own process (NotifyAccess=main).
  void expect_all_from_daemon() const {
    for (const auto& m : received_) {
      EXPECT_EQ(m.pid, d_->pid()) << m.text;
    }
  }
  static std::vector<std::string> texts(const std::vector<message>& ms) {
    std::vector<std::string> out;
    for (const auto& m : ms) {
      out.push_back(m.text);
    }
    return out;
  }

  sim_process sim_;
  temp_dir dir_;
  notify_socket socket_;
  std::unique_ptr<child_process> d_;
  std::string config_path_;
  std::vector<message> received_;
  unsigned short port_ = 0;
};

}  // namespace refreshd::test
