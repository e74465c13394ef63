#pragma once
// How the daemon keeps its heap small (docs/DAEMON.md "Memory"): glibc's thresholds
// fixed, and freed pages handed back to the system from time to time and after each scrape.

#include <chrono>
#include <functional>

#include <boost/asio/steady_timer.hpp>

#include <refreshd/net/asio.hpp>

namespace refreshd::daemon {

/// Fixes glibc's mmap and trim thresholds (128 KiB each). By default glibc raises both after
/// the first large block is freed, so every later scrape snapshot or list answer of up to
/// 32 MiB comes from the heap and stays in the process once freed.
void set_heap_policy();

/// Calls malloc_trim(0), which hands back the free pages inside the heap (left by finished
/// cycles, scrapes and reloads), not only those at its top: every `period`, and `delay` after
/// soon() (a scrape's end; calls within `delay` share one trim).
class heap_trimmer {
 public:
  /// `trim` replaces malloc_trim(0) in tests.
  heap_trimmer(const executor& ex, std::chrono::seconds period,
               std::chrono::milliseconds delay = std::chrono::seconds(1),
               std::function<void()> trim = {});
  /// Runs until stop().
  awaitable<void> run();
  void soon();
  void stop();

 private:
  net::steady_timer timer_;
  std::chrono::seconds period_;
  std::chrono::milliseconds delay_;
  std::function<void()> trim_;
  bool soon_ = false;
  bool stopped_ = false;
};

}  // namespace refreshd::daemon
