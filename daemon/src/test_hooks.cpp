#include "test_hooks.hpp"

#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <refreshd/cli/duration_arg.hpp>
#include <refreshd/cli/target.hpp>
#include <refreshd/log/logging.hpp>
#include <refreshd/runtime/runtime_log.hpp>
#include <refreshd/runtime/spawn.hpp>

namespace refreshd::daemon {
namespace {

awaitable<void> jump_after(std::chrono::milliseconds after, std::chrono::milliseconds step) {
  net::steady_timer timer(co_await net::this_coro::executor);
  timer.expires_after(after);
  const auto [ec] = co_await timer.async_wait(use_nothrow);
  if (ec) {
    co_return;
  }
  real_clock::wall_offset_for_test += step;
  log_fields f;
  f.add("step", (step.count() < 0 ? "-" : "+") +
                    schedule::format_duration(step.count() < 0 ? -step : step));
  log_event(config::log_level::warn, "test hook: wall clock stepped", f);
}

}  // namespace

void arm_clock_jump_hook(net::io_context& ioc) {
  const char* value = std::getenv(clock_jump_env);
  if (value == nullptr || *value == '\0') {
    return;
  }
  const std::string_view v(value);
  const auto colon = v.find(':');
  if (colon == std::string_view::npos || colon + 1 >= v.size()) {
    throw usage_error(std::string(clock_jump_env) + ": expected AFTER:STEP, e.g. 20s:+1h");
  }
  const auto after = parse_duration_arg(clock_jump_env, v.substr(0, colon));
  auto step_text = v.substr(colon + 1);
  const bool negative = step_text.front() == '-';
  if (step_text.front() == '-' || step_text.front() == '+') {
    step_text.remove_prefix(1);
  }
  auto step = parse_duration_arg(clock_jump_env, step_text);
  step = negative ? -step : step;
  log_fields f;
  f.add("after", schedule::format_duration(after)).add("step", std::string(v.substr(colon + 1)));
  log_event(config::log_level::warn, "test hook armed: the wall clock will step", f);
  spawn_task(ioc.get_executor(), jump_after(after, step), "clock jump hook", nullptr);
}

}  // namespace refreshd::daemon
