#include <algorithm>
#include <limits>

#include <refreshd/cycle/target_lag.hpp>

namespace refreshd::daemon {

using std::chrono::milliseconds;

void lag_estimator::add(milliseconds d) noexcept {
  const auto capped =
      std::clamp<milliseconds::rep>(d.count(), 0, std::numeric_limits<std::uint32_t>::max());
  ms_[next_] = static_cast<std::uint32_t>(capped);
  next_ = static_cast<std::uint8_t>((next_ + 1) % window);
  n_ = static_cast<std::uint8_t>(std::min<std::size_t>(n_ + 1U, window));
}

milliseconds lag_estimator::expected(milliseconds target) const {
  if (n_ == 0) {
    return target / 2;
  }
  std::array<std::uint32_t, window> sorted{};
  std::copy_n(ms_.begin(), n_, sorted.begin());
  std::sort(sorted.begin(), sorted.begin() + n_);
  // The nearest-rank 90th percentile: the ceil(0.9 n)-th smallest.
  const std::size_t rank = (9U * n_ + 9U) / 10U;
  const std::uint32_t p90 = sorted[rank - 1];
  const std::uint32_t latest = ms_[(next_ + window - 1) % window];
  return milliseconds(std::max(p90, latest));
}

milliseconds effective_min_interval(milliseconds target, milliseconds min_interval) noexcept {
  return min_interval.count() > 0 ? min_interval : target / 10;
}

wall_time lag_due(wall_time now, std::optional<wall_time> last_ready,
                  std::optional<wall_time> last_trigger, milliseconds target,
                  milliseconds min_interval, milliseconds expected) {
  if (!last_ready) {
    return now;
  }
  wall_time due = *last_ready + target - std::min(expected, target);
  if (last_trigger) {
    due = std::max(due, *last_trigger + effective_min_interval(target, min_interval));
  }
  return std::max(due, now);
}

}  // namespace refreshd::daemon
