#pragma once
// Starting a task of the daemon (a coroutine of its own on the io_context): the one place that
// co_spawns with what every task needs (docs/ARCHITECTURE.md).

#include <exception>
#include <functional>
#include <utility>

#include <boost/asio/co_spawn.hpp>

#include <refreshd/log/logging.hpp>
#include <refreshd/net/asio.hpp>

namespace refreshd::daemon {

/// Runs `work` on `ex` as a task of its own, holding `keep` (usually the owner's
/// shared_from_this()) until it ends. An exception that escapes it is a bug: it is logged by
/// log_task_failure(what) and the task ends. Then `after()` runs, if given.
template <class Keep>
void spawn_task(executor ex, awaitable<void> work, const char* what, Keep keep,
                std::function<void()> after = {}) {
  net::co_spawn(std::move(ex), std::move(work),
                [keep = std::move(keep), what, after = std::move(after)](std::exception_ptr e) {
                  log_task_failure(what, e);
                  if (after) {
                    after();
                  }
                });
}

}  // namespace refreshd::daemon
