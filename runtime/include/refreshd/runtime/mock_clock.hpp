#pragma once
// A manually advanced Clock for the runtime's timer loops (see refreshd/runtime/clock.hpp).
// Asio timers over it expire when a test advances the clock and then polls the io_context;
// nothing ever waits on the real clock.

#include <chrono>
#include <functional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/wait_traits.hpp>

namespace refreshd::test {

struct mock_clock {
  using duration = std::chrono::steady_clock::duration;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::steady_clock::time_point;
  static constexpr bool is_steady = true;

  static time_point now() noexcept { return steady_; }
  static std::chrono::system_clock::time_point system_now() noexcept { return system_; }

  /// Both clocks move forward by `d`.
  static void advance(duration d) {
    steady_ += d;
    system_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(d);
  }
  /// Only the wall clock moves (an NTP step or a manual change).
  static void jump_wall(std::chrono::system_clock::duration d) { system_ += d; }
  /// Start of every test: steady at an arbitrary origin, the wall clock at `wall`.
  static void reset(std::chrono::system_clock::time_point wall) {
    steady_ = time_point(std::chrono::hours(1000));
    system_ = wall;
  }

  static inline time_point steady_{std::chrono::hours(1000)};
  static inline std::chrono::system_clock::time_point system_{};
};

/// Runs ready handlers, then advances the mock clock in `step`s until `until` or `pred()` holds,
/// running handlers after every step. Returns pred() (true when no predicate is given and the
/// whole span was advanced).
inline bool advance_and_poll(boost::asio::io_context& ioc, mock_clock::duration span,
                             mock_clock::duration step = std::chrono::milliseconds(10),
                             const std::function<bool()>& pred = {}) {
  ioc.restart();
  ioc.poll();
  for (mock_clock::duration done{0}; done < span; done += step) {
    if (pred && pred()) {
      return true;
    }
    mock_clock::advance(step);
    ioc.restart();
    ioc.poll();
  }
  return pred ? pred() : true;
}

}  // namespace refreshd::test

/// The reactor arms its timerfd with the real time until the earliest timer; for the mock clock
/// that must be "now", so every poll() re-checks the timer queue against mock_clock::now().
template <>
struct boost::asio::wait_traits<refreshd::test::mock_clock> {
  static refreshd::test::mock_clock::duration to_wait_duration(
      const refreshd::test::mock_clock::duration&) {
    return refreshd::test::mock_clock::duration::zero();
  }
  static refreshd::test::mock_clock::duration to_wait_duration(
      const refreshd::test::mock_clock::time_point&) {
    return refreshd::test::mock_clock::duration::zero();
  }
};
