#pragma once
// run's shutdown (docs/DAEMON.md "Shutdown"): the first SIGINT/SIGTERM stops the runtime, the
// loop stops once it drained (and what runs after the drain is done) or at the deadline.
#include <csignal>
#include <functional>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <refreshd/log/logging.hpp>
#include <refreshd/net/asio.hpp>
#include <refreshd/runtime/runtime.hpp>
#include <refreshd/schedule/duration.hpp>

namespace refreshd::daemon {

/// Stops the runtime on the first SIGINT/SIGTERM and the io_context once drained or at the
/// deadline. The second signal meets the default disposition: the process ends at once.
class shutdown_control {
 public:
  shutdown_control(net::io_context& ioc, runtime& rt, std::chrono::milliseconds deadline)
      : ioc_(ioc), rt_(rt), signals_(ioc, SIGINT, SIGTERM), drain_(ioc), deadline_(deadline) {
    rt_.on_drained = [this] {
      if (after_drain) {
        after_drain([this] { drain_.cancel(); });  // e.g. the coordination's release
      } else {
        drain_.cancel();
      }
    };
    signals_.async_wait([this](boost::system::error_code ec, int sig) {
      if (!ec) {
        on_signal(sig);
      }
    });
  }
  int signal() const noexcept { return signal_; }
  /// Stops waiting for signals (the work is done) so the io_context can run out of work.
  void release() { signals_.cancel(); }
  /// Called on the first signal, before the runtime stops (sd_notify STOPPING=1).
  std::function<void()> on_shutdown;
  /// Called once the runtime drained; the loop stops when it calls back (or at the deadline).
  std::function<void(std::function<void()>)> after_drain;

 private:
  void on_signal(int sig) {
    signal_ = sig;
    signals_.clear();  // back to SIG_DFL: a second signal terminates the process at once
    log_fields f;
    f.add("signal", sig == SIGINT ? "SIGINT" : "SIGTERM");
    f.add("drain_deadline", schedule::format_duration(deadline_));
    log_event(config::log_level::info, "shutting down: scheduling stopped, draining requests", f);
    if (on_shutdown) {
      on_shutdown();
    }
    rt_.stop();
    drain_.expires_after(deadline_);
    drain_.async_wait([this](boost::system::error_code ec) {
      if (!ec && rt_.active() > 0) {
        log_fields g;
        g.add_number("abandoned", static_cast<std::int64_t>(rt_.active()));
        log_event(config::log_level::warn, "drain deadline passed; abandoning requests in flight",
                  g);
      }
      log_event(config::log_level::info, "stopped; running jobs keep running on the server");
      ioc_.stop();
    });
  }

  net::io_context& ioc_;
  runtime& rt_;
  net::signal_set signals_;
  net::steady_timer drain_;
  std::chrono::milliseconds deadline_;
  int signal_ = 0;
};

}  // namespace refreshd::daemon
