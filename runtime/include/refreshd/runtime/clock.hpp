#pragma once
// The clocks of the daemon's timer loops. Loops are templates over a `Clock` so tests drive time
// (refreshd/runtime/mock_clock.hpp). A Clock is a TrivialClock usable by
// boost::asio::basic_waitable_timer, whose time_point is std::chrono::steady_clock::time_point,
// plus a wall clock:
//
//   static time_point now();                                   // monotonic, for deadlines
//   static std::chrono::system_clock::time_point system_now(); // wall clock, for schedules

#include <chrono>

namespace refreshd::daemon {

/// The production clock: steady_clock for timers, system_clock for schedules.
struct real_clock {
  using duration = std::chrono::steady_clock::duration;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::steady_clock::time_point;
  static constexpr bool is_steady = true;

  static time_point now() noexcept { return std::chrono::steady_clock::now(); }
  static std::chrono::system_clock::time_point system_now() noexcept {
    return std::chrono::system_clock::now();
  }
};

}  // namespace refreshd::daemon
