#include <malloc.h>
#include <utility>

#include <refreshd/daemon/heap.hpp>

namespace refreshd::daemon {

void set_heap_policy() {
  constexpr int threshold = 128 * 1024;
  ::mallopt(M_MMAP_THRESHOLD, threshold);
  ::mallopt(M_TRIM_THRESHOLD, threshold);
}

heap_trimmer::heap_trimmer(const executor& ex, std::chrono::seconds period,
                           std::chrono::milliseconds delay, std::function<void()> trim)
    : timer_(ex), period_(period), delay_(delay), trim_(std::move(trim)) {
  if (!trim_) {
    trim_ = [] { ::malloc_trim(0); };
  }
}

awaitable<void> heap_trimmer::run() {
  while (!stopped_) {
    // soon() cancels the wait once; later calls find soon_ set and leave this wait alone.
    timer_.expires_after(soon_ ? std::chrono::milliseconds(delay_) : period_);
    auto [ec] = co_await timer_.async_wait(use_nothrow);
    if (stopped_) {
      co_return;
    }
    if (ec) {
      continue;  // soon(): re-armed for `delay`
    }
    soon_ = false;
    trim_();
  }
}

void heap_trimmer::soon() {
  if (!soon_ && !stopped_) {
    soon_ = true;
    timer_.cancel();
  }
}

void heap_trimmer::stop() {
  stopped_ = true;
  timer_.cancel();
}

}  // namespace refreshd::daemon
