#pragma once
// What the runtime's readers (the HTTP API, the systemd notifier) see of it and may ask of it: a
// clock-independent interface, so the runtime's Clock parameter does not spread into them
// (docs/ARCHITECTURE.md). basic_runtime<Clock> implements it; call on the executor's thread.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <refreshd/client/types.hpp>
#include <refreshd/config/config.hpp>
#include <refreshd/cycle/admin_requests.hpp>
#include <refreshd/cycle/collection.hpp>
#include <refreshd/cycle/cycle.hpp>
#include <refreshd/cycle/dependencies.hpp>
#include <refreshd/cycle/pauses.hpp>
#include <refreshd/cycle/time.hpp>
#include <refreshd/net/asio.hpp>
#include <refreshd/runtime/ownership.hpp>

namespace refreshd::daemon {

class runtime_view {
 public:
  virtual ~runtime_view() = default;

  /// Startup reconciliation is done (readiness).
  virtual bool ready() const noexcept = 0;
  virtual bool stopping() const noexcept = 0;
  /// The scheduler loop ticked recently (liveness).
  virtual bool loop_healthy() const = 0;
  /// Wall-clock time of the loop's last tick, nullopt before the first.
  virtual std::optional<wall_time> last_tick() const noexcept = 0;
  /// The wall clock the runtime schedules by.
  virtual wall_time wall_now() const = 0;
  /// The collections in configuration order; `collections()[i].cluster` indexes clusters.
  virtual collection_list collections() const noexcept = 0;
  virtual const config::cluster& cluster_config(std::size_t cluster) const = 0;
  /// Counts applied reloads: collection indices may change when it does.
  virtual std::uint64_t config_generation() const noexcept = 0;
  virtual const config::config& configuration() const noexcept = 0;
  /// The admin "run now" of collections()[index] (see basic_runtime::async_refresh_now).
  /// Whether this replica drives collections()[index] (always true without coordination).
  virtual bool drives(std::size_t index) const = 0;
  /// The replica's coordination (docs/COORDINATION.md), nullptr without `coordination:`.
  virtual const ownership* coordination() const noexcept = 0;
  virtual awaitable<admin_refresh_result> async_refresh_now(std::size_t index) = 0;
  /// target_lag: the expected refresh duration of collections()[index] (docs/SCHEDULES.md);
  /// nullopt when it is not timed by lag.
  virtual std::optional<std::chrono::milliseconds> expected_duration(std::size_t index) const = 0;
  /// depends_on (docs/SCHEDULES.md): where collections()[index] stands, `upstream` the index of
  /// the upstream it waits for or is held by; `ready` for a collection without depends_on.
  virtual upstream_gate upstream_state(std::size_t index) const = 0;
  /// Pauses collections()[index] (docs/OPERATIONS.md "Pause"), saved before it answers: the
  /// error when it could not be saved (nothing changed then).
  virtual awaitable<std::optional<std::string>> async_pause(std::size_t index,
                                                            std::string reason) = 0;
  /// Resumes it (nothing to do when not paused); the error when it could not be saved.
  virtual awaitable<std::optional<std::string>> async_resume(std::size_t index) = 0;
  /// Its pause, or nullptr.
  virtual const pause_record* pause_of(std::size_t index) const = 0;
};

}  // namespace refreshd::daemon
