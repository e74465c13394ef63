#pragma once
// target_lag's arithmetic (docs/SCHEDULES.md "target_lag"): keep a collection's data no older
// than a target by triggering when `now − last_ready + expected ≥ target`, with the expected
// time from a trigger to the data being ready learned from the collection's recent refreshes.
// Pure: the runtime supplies the times.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

#include <refreshd/cycle/time.hpp>

namespace refreshd::daemon {

/// The expected duration of a refresh, trigger to ready, from the last `window` of them: their
/// 90th percentile, or the latest when that is longer (a step up in durations is followed at
/// once, a single short one never lowers it below the quantile); target / 2 before any.
class lag_estimator {
 public:
  static constexpr std::size_t window = 20;

  /// Records one refresh (negative durations count as 0; over ~49 days are capped).
  void add(std::chrono::milliseconds d) noexcept;
  [[nodiscard]] std::chrono::milliseconds expected(std::chrono::milliseconds target) const;
  [[nodiscard]] std::size_t size() const noexcept { return n_; }

 private:
  std::array<std::uint32_t, window> ms_{};  ///< a ring of the last `window`, in milliseconds
  std::uint8_t n_ = 0;
  std::uint8_t next_ = 0;
};

/// min_interval as configured, or target / 10 when 0.
std::chrono::milliseconds effective_min_interval(std::chrono::milliseconds target,
                                                 std::chrono::milliseconds min_interval) noexcept;

/// When the next refresh should start: as the lag would reach `target` when it lands
/// (last_ready + target − expected); never sooner than last_trigger + min_interval; never before
/// `now`. Nothing ever ready: now.
wall_time lag_due(wall_time now, std::optional<wall_time> last_ready,
                  std::optional<wall_time> last_trigger, std::chrono::milliseconds target,
                  std::chrono::milliseconds min_interval, std::chrono::milliseconds expected);

}  // namespace refreshd::daemon
