#pragma once
// Private: the geometric backoff of the cycle library (cycle.cpp, servability.cpp).

#include <algorithm>
#include <chrono>

namespace refreshd::daemon::detail {

/// initial x 2^(n-1), capped at max (n >= 1).
inline std::chrono::milliseconds backoff(int n, std::chrono::milliseconds initial,
                                         std::chrono::milliseconds max) {
  std::chrono::milliseconds d = initial;
  for (int i = 1; i < n && d < max; ++i) {
    d *= 2;
  }
  return std::min(d, max);
}

}  // namespace refreshd::daemon::detail
