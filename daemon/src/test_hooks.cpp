#include "test_hooks.hpp"

#include <cstdlib>
#include <exception>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <refreshd/daemon/logging.hpp>

#include "duration_arg.hpp"
#include "runtime_log.hpp"

namespace refreshd::daemon {
namespace {

awaitable<void> pause_loop_after(std::chrono::milliseconds after, std::weak_ptr<runtime> weak) {
  const auto ex = co_await net::this_coro::executor;
  net::steady_timer timer(ex);
  timer.expires_after(after);
  const auto [ec] = co_await timer.async_wait(use_nothrow);
  auto rt = weak.lock();
  if (ec || !rt || rt->stopping()) {
    co_return;
  }
  rt->pause_loop_for_test(true);
  log_event(log_level_t::warn, "test hook: scheduler loop paused");
}

}  // namespace

loop_pause_hook::loop_pause_hook(net::io_context& ioc, std::shared_ptr<runtime> rt) {
  const char* value = std::getenv(pause_loop_env);
  if (value == nullptr || *value == '\0') {
    return;
  }
  const auto after = parse_duration_arg(pause_loop_env, value);
  armed_ = true;
  log_fields f;
  f.add("after", format_ms(after));
  log_event(log_level_t::warn, "test hook armed: the scheduler loop will pause", f);
  net::co_spawn(ioc, pause_loop_after(after, rt),
                [](std::exception_ptr e) { log_task_failure("loop pause hook", e); });
}

}  // namespace refreshd::daemon
