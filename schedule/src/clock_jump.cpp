#include <refreshd/schedule/clock_jump.hpp>

namespace refreshd::schedule {

std::optional<std::chrono::milliseconds> clock_jump_detector::observe(steady_time steady_now,
                                                                      system_time system_now) {
  const bool had_reference = has_reference_;
  const auto steady_delta = steady_now - steady_ref_;
  const auto system_delta = system_now - system_ref_;
  steady_ref_ = steady_now;
  system_ref_ = system_now;
  has_reference_ = true;
  if (!had_reference) {
    return std::nullopt;
  }
  const auto jump = std::chrono::duration_cast<std::chrono::milliseconds>(
      system_delta - std::chrono::duration_cast<std::chrono::system_clock::duration>(steady_delta));
  if (jump > threshold_ || jump < -threshold_) {
    return jump;
  }
  return std::nullopt;
}

}  // namespace refreshd::schedule
