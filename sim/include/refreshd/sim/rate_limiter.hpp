#pragma once
// Token bucket over an injected clock (milliseconds): capacity max(1, rps), refilled at rps
// tokens per second. rps 0 means unlimited.

#include <algorithm>
#include <cstdint>
#include <optional>

namespace refreshd::sim {

class rate_limiter {
 public:
  /// Changes the rate and refills the bucket.
  void configure(double rps) noexcept {
    rps_ = std::max(0.0, rps);
    tokens_ = capacity();
    last_ms_.reset();
  }
  double rps() const noexcept { return rps_; }

  /// Takes one token at `now_ms`; false when the request must be limited. A clock that goes
  /// backwards refills nothing.
  bool try_acquire(std::int64_t now_ms) noexcept {
    if (rps_ <= 0) {
      return true;
    }
    if (last_ms_ && now_ms > *last_ms_) {
      const double refill = static_cast<double>(now_ms - *last_ms_) * rps_ / 1000.0;
      tokens_ = std::min(capacity(), tokens_ + refill);
    }
    if (!last_ms_ || now_ms > *last_ms_) {
      last_ms_ = now_ms;
    }
    if (tokens_ < 1.0) {
      return false;
    }
    tokens_ -= 1.0;
    return true;
  }

 private:
  double capacity() const noexcept { return std::max(1.0, rps_); }

  double rps_ = 0;
  double tokens_ = 1;
  std::optional<std::int64_t> last_ms_;
};

}  // namespace refreshd::sim
