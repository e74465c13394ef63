#pragma once
// The runtime's tuning (runtime.hpp): fixed daemon policy with documented defaults, changed by
// tests and benchmarks (docs/DAEMON.md).

#include <chrono>
#include <cstdint>

namespace refreshd::daemon {

struct runtime_options {
  /// The loop wakes at least this often (heartbeat, clock-jump check), even when nothing is due.
  std::chrono::milliseconds tick{2000};
  /// Startup: collections listed at once per cluster (each list still waits for a token).
  int startup_concurrency = 4;
  /// Startup: catch-up runs (and overdue "after" runs) of one cluster start this far apart, or
  /// closer so that all of them start within catch_up_window.
  std::chrono::milliseconds catch_up_spacing{1000};
  std::chrono::milliseconds catch_up_window{60000};
  /// run --once: no retry (API errors, failed jobs) is scheduled after this; polling a job is
  /// never cut short.
  std::chrono::milliseconds once_retry_window{std::chrono::minutes(10)};
  /// Seed of the jitter generator; 0 = random_device.
  std::uint64_t seed = 0;
  /// loop_healthy() turns false when the scheduler loop has not ticked for this long (the loop
  /// ticks at least every `tick`): /healthz answers 503 and the systemd watchdog stops.
  std::chrono::milliseconds stall_after{10000};
  /// async_refresh_now waits at most this long for its cycle to trigger or adopt a job (the
  /// cycle may first wait for a job slot or a rate-limit token); then it answers `queued`.
  std::chrono::milliseconds admin_wait{10000};
};

}  // namespace refreshd::daemon
