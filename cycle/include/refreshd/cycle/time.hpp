#pragma once
// The two time scales of the cycle library, named once. Pure code never reads a clock: every
// input carries its time, so tests drive these with made-up time points.

#include <chrono>

namespace refreshd::daemon {

/// Monotonic time, for timers and deadlines (the runtime's Clock::now()).
using steady_time = std::chrono::steady_clock::time_point;

/// Wall-clock time with millisecond resolution (the server's job timestamps are epoch ms;
/// schedules are in wall-clock time).
using wall_time = std::chrono::sys_time<std::chrono::milliseconds>;

/// "Now", as both clocks: monotonic for timers, wall for comparisons with job timestamps.
struct instant {
  steady_time steady{};
  wall_time wall{};
};

}  // namespace refreshd::daemon
