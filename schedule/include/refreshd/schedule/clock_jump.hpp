#pragma once
// Detects wall-clock jumps (NTP steps, manual changes, suspend/resume) by comparing how far
// the system clock and the monotonic clock moved between two observations. Pure: the caller
// passes both clock readings.

#include <chrono>
#include <optional>

namespace refreshd::schedule {

class clock_jump_detector {
 public:
  using steady_time = std::chrono::steady_clock::time_point;
  using system_time = std::chrono::system_clock::time_point;

  /// `threshold`: the smallest |jump| reported (default 2s). NTP slewing (<= 500 ppm) stays
  /// below it as long as observations are less than ~1 hour apart; observe e.g. every minute
  /// and whenever a timer fires.
  explicit clock_jump_detector(std::chrono::milliseconds threshold = std::chrono::seconds{2})
      : threshold_(threshold) {}

  /// Records one (steady, system) reading taken at the same moment. Returns the jump since the
  /// previous reading, (system delta - steady delta) truncated to milliseconds, when its
  /// magnitude exceeds the threshold: positive = the wall clock moved forward (NTP step
  /// forward, or a resume: CLOCK_MONOTONIC does not advance during suspend), negative = it
  /// moved back. nullopt on the first reading and when no jump happened. Every reading becomes
  /// the reference for the next one, so slow drift never accumulates into a false jump.
  std::optional<std::chrono::milliseconds> observe(steady_time steady_now, system_time system_now);

  /// Forget the reference reading (the next observe() only records).
  void reset() noexcept { has_reference_ = false; }

 private:
  std::chrono::milliseconds threshold_;
  bool has_reference_ = false;
  steady_time steady_ref_{};
  system_time system_ref_{};
};

}  // namespace refreshd::schedule
