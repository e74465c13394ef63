#include "heap.hpp"

#include <malloc.h>

namespace refreshd::daemon {

void set_heap_policy() {
  constexpr int threshold = 128 * 1024;
  ::mallopt(M_MMAP_THRESHOLD, threshold);
  ::mallopt(M_TRIM_THRESHOLD, threshold);
}

awaitable<void> trim_heap_every(net::steady_timer& timer, std::chrono::seconds period) {
  for (;;) {
    timer.expires_after(period);
    auto [ec] = co_await timer.async_wait(use_nothrow);
    if (ec) {
      co_return;
    }
    ::malloc_trim(0);
  }
}

}  // namespace refreshd::daemon
