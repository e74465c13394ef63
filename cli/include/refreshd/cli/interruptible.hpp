#pragma once
// Running one CLI command on an io_context until it ends or SIGINT / SIGTERM interrupts it.

#include <csignal>
#include <exception>
#include <variant>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/signal_set.hpp>

#include <refreshd/cli/exit_codes.hpp>
#include <refreshd/net/asio.hpp>

namespace refreshd::daemon {

/// Runs `command()` (an awaitable<int> exit code) on `ioc` until it ends, or until SIGINT or
/// SIGTERM: then `interrupted(signal)` gives the exit code. Rethrows what the command threw.
template <class Command, class OnSignal>
int run_interruptible(net::io_context& ioc, Command command, OnSignal interrupted) {
  using namespace net::experimental::awaitable_operators;
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  int rc = exit_failed;
  std::exception_ptr failure;
  net::co_spawn(
      ioc,
      [&]() -> awaitable<void> {
        auto result = co_await (command() || signals.async_wait(use_awaitable));
        rc = result.index() == 0 ? std::get<0>(result) : interrupted(std::get<1>(result));
      },
      [&](std::exception_ptr e) { failure = e; });
  ioc.run();
  if (failure) {
    std::rethrow_exception(failure);
  }
  return rc;
}

/// 130 for SIGINT, 143 for SIGTERM.
inline int exit_for_signal(int sig) noexcept {
  return sig == SIGINT ? exit_sigint : exit_sigterm;
}

}  // namespace refreshd::daemon
