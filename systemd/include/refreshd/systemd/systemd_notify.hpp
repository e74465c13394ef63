#pragma once
// sd_notify(3) for `milvus-refreshd run` under systemd (docs/SYSTEMD.md; docs/SYSTEMD.md).
//
// The notifier speaks, over $NOTIFY_SOCKET:
//   STATUS=starting: reconciling N collections           when it starts (before the runtime)
//   READY=1\nSTATUS=<summary>                             once startup reconciliation is done
//   STATUS=<summary>                                      when the summary changed (checked every
//                                                         status_interval, at most once a check)
//   RELOADING=1\nMONOTONIC_USEC=<CLOCK_MONOTONIC µs>      reloading()
//   READY=1\nSTATUS=<summary>                             reloaded()
//   STOPPING=1\nSTATUS=stopping: draining requests        stopping(); nothing is sent afterwards
//   WATCHDOG=1                                            every WATCHDOG_USEC / 2, only while the
//                                                         runtime's loop_healthy()
// Without $NOTIFY_SOCKET every call is a cheap no-op and no timer is armed.
//
// `Clock` is real_clock in production and the mock clock in tests. The notifier is held by a
// shared_ptr: its coroutines hold a reference, so the io_context may outlive the caller's
// handle.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/basic_waitable_timer.hpp>

#include <refreshd/cycle/collection_state.hpp>
#include <refreshd/log/logging.hpp>
#include <refreshd/net/asio.hpp>
#include <refreshd/runtime/clock.hpp>
#include <refreshd/runtime/runtime_log.hpp>
#include <refreshd/runtime/runtime_view.hpp>
#include <refreshd/runtime/spawn.hpp>

namespace refreshd::daemon {

/// Collections by status (collection_state::current).
struct status_counts {
  std::size_t total = 0;
  std::array<std::size_t, all_statuses.size()> by_status{};
  std::size_t of(status s) const noexcept { return by_status[static_cast<std::size_t>(s)]; }
};
status_counts count_statuses(const collection_list& collections);

/// The one-line STATUS= summary: "12 collections, 2 running, 1 failing", followed by
/// ", N stuck", ", N misconfigured", ", N unsupported", ", N auth failed", ", N suspended" for the
/// counts that are not zero ("1 collection" in the singular).
std::string status_line(const status_counts& counts);

struct notify_options {
  /// $NOTIFY_SOCKET is set. When false, every notifier call is a no-op.
  bool enabled = false;
  /// sd_watchdog_enabled(3): $WATCHDOG_USEC (for this process); pings every half of it.
  /// nullopt: no watchdog pings.
  std::optional<std::chrono::microseconds> watchdog;
  /// How often the STATUS= summary is recomputed; it is sent only when it changed.
  std::chrono::milliseconds status_interval{5000};
  /// Where messages go; empty: send_notification (sd_notify). Tests capture them here.
  std::function<void(const std::string&)> sink;
};

/// Reads $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID (a watchdog meant for another process
/// is ignored). The watchdog needs the socket: without it, `watchdog` is nullopt too.
notify_options notify_options_from_environment();

/// Sends one message with sd_notify(3). Returns false on failure; the first failure is logged
/// at warn level, later ones at debug (the daemon keeps running either way).
bool send_notification(const std::string& message);

/// CLOCK_MONOTONIC in microseconds: the clock systemd reads MONOTONIC_USEC= in.
std::uint64_t monotonic_usec();

template <class Clock>
class basic_systemd_notifier : public std::enable_shared_from_this<basic_systemd_notifier<Clock>> {
 public:
  using runtime_type = runtime_view;  ///< the runtime, read through its clock-independent view
  using timer_type = net::basic_waitable_timer<Clock>;

  static std::shared_ptr<basic_systemd_notifier> create(executor ex,
                                                        std::shared_ptr<runtime_type> rt,
                                                        notify_options options) {
    return std::make_shared<basic_systemd_notifier>(ex, std::move(rt), options);
  }

  /// Call before runtime::start(): sends the "starting" status and starts the watchdog pings.
  void start();
  /// The runtime is ready (its on_ready): READY=1 with the first summary, then the status
  /// updates. Once; ignored after stopping().
  void ready();
  /// Around a configuration reload. Ignored before READY=1 was sent (the pending READY=1 ends
  /// the start-up instead) and after stopping(). `applied == false` (an invalid file, the old
  /// config keeps running) appends "; last reload failed, previous config kept" to STATUS= until
  /// a reload is applied.
  void reloading();
  void reloaded(bool applied = true);
  /// Shutdown began: STOPPING=1; stops the timers, nothing is sent afterwards. Idempotent.
  void stopping();

  bool enabled() const noexcept { return options_.enabled; }
  /// Messages handed to sd_notify so far (diagnostics, tests).
  std::uint64_t sent() const noexcept { return sent_; }

  basic_systemd_notifier(executor ex, std::shared_ptr<runtime_type> rt, notify_options options)
      : ex_(ex),
        rt_(std::move(rt)),
        options_(options),
        watchdog_timer_(ex),
        status_timer_(ex) {}  // use create()

 private:
  void send(const std::string& message) {
    if (options_.sink) {
      options_.sink(message);
    } else {
      send_notification(message);
    }
    ++sent_;
  }
  /// A timer period, at least 1 ms (a tiny $WATCHDOG_USEC must not spin the io_context).
  static typename Clock::duration period_of(std::chrono::microseconds d) {
    return std::max<typename Clock::duration>(
        std::chrono::duration_cast<typename Clock::duration>(d), std::chrono::milliseconds(1));
  }
  std::string summary() const {
    return status_line(count_statuses(rt_->collections())) + status_suffix_;
  }
  void spawn(awaitable<void> work, const char* what);
  awaitable<void> watchdog_loop();
  awaitable<void> status_loop();

  executor ex_;
  std::shared_ptr<runtime_type> rt_;
  notify_options options_;
  timer_type watchdog_timer_;
  timer_type status_timer_;
  std::string last_status_;
  std::string status_suffix_;
  bool ready_sent_ = false;
  bool stopped_ = false;
  std::uint64_t sent_ = 0;
};

using systemd_notifier = basic_systemd_notifier<real_clock>;

template <class Clock>
void basic_systemd_notifier<Clock>::start() {
  if (!options_.enabled) {
    return;
  }
  const auto n = rt_->collections().size();
  last_status_ =
      "starting: reconciling " + std::to_string(n) + (n == 1 ? " collection" : " collections");
  send("STATUS=" + last_status_);
  log_fields f;
  f.add("watchdog_ping",
        options_.watchdog
            ? schedule::format_duration(
                  std::chrono::duration_cast<std::chrono::milliseconds>(*options_.watchdog / 2))
            : std::string("off"));
  log_event(config::log_level::info, "systemd notification socket found", f);
  if (options_.watchdog && options_.watchdog->count() > 0) {
    spawn(watchdog_loop(), "watchdog loop");
  }
}

template <class Clock>
void basic_systemd_notifier<Clock>::ready() {
  if (!options_.enabled || stopped_ || ready_sent_) {
    return;
  }
  ready_sent_ = true;
  last_status_ = summary();
  send("READY=1\nSTATUS=" + last_status_);
  spawn(status_loop(), "status loop");
}

template <class Clock>
void basic_systemd_notifier<Clock>::reloading() {
  if (!options_.enabled || !ready_sent_ || stopped_) {
    return;
  }
  send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonic_usec()));
}

template <class Clock>
void basic_systemd_notifier<Clock>::reloaded(bool applied) {
  if (!options_.enabled || !ready_sent_ || stopped_) {
    return;
  }
  status_suffix_ = applied ? "" : "; last reload failed, previous config kept";
  last_status_ = summary();
  send("READY=1\nSTATUS=" + last_status_);
}

template <class Clock>
void basic_systemd_notifier<Clock>::stopping() {
  if (!options_.enabled || stopped_) {
    return;
  }
  stopped_ = true;
  watchdog_timer_.cancel();
  status_timer_.cancel();
  send("STOPPING=1\nSTATUS=stopping: draining requests");
}

template <class Clock>
void basic_systemd_notifier<Clock>::spawn(awaitable<void> work, const char* what) {
  spawn_task(ex_, std::move(work), what, this->shared_from_this());
}

template <class Clock>
awaitable<void> basic_systemd_notifier<Clock>::watchdog_loop() {
  const auto period = period_of(*options_.watchdog / 2);
  auto next = Clock::now() + period;
  while (!stopped_) {
    watchdog_timer_.expires_at(next);
    co_await watchdog_timer_.async_wait(use_nothrow);
    if (stopped_) {
      break;
    }
    if (rt_->loop_healthy()) {
      send("WATCHDOG=1");
    }
    // Absolute deadlines: no drift. After a long stall the next ping is a period from now.
    next += period;
    if (next <= Clock::now()) {
      next = Clock::now() + period;
    }
  }
}

template <class Clock>
awaitable<void> basic_systemd_notifier<Clock>::status_loop() {
  const auto period = period_of(options_.status_interval);
  auto next = Clock::now() + period;
  while (!stopped_) {
    status_timer_.expires_at(next);
    co_await status_timer_.async_wait(use_nothrow);
    if (stopped_) {
      break;
    }
    auto line = summary();
    if (line != last_status_) {
      last_status_ = std::move(line);
      send("STATUS=" + last_status_);
    }
    next += period;
    if (next <= Clock::now()) {
      next = Clock::now() + period;
    }
  }
}

}  // namespace refreshd::daemon
