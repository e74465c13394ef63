#pragma once
// Private: how the daemon keeps its heap small (docs/DAEMON.md "Memory"): glibc's thresholds
// fixed, and freed pages handed back to the system from time to time.

#include <chrono>

#include <boost/asio/steady_timer.hpp>

#include <refreshd/net/asio.hpp>

namespace refreshd::daemon {

/// Fixes glibc's mmap and trim thresholds (128 KiB each). By default glibc raises both after
/// the first large block is freed, so every later scrape snapshot or list answer of up to
/// 32 MiB comes from the heap and stays in the process once freed.
void set_heap_policy();

/// Every `period` until `timer` is cancelled: malloc_trim(0), which hands back the free pages
/// inside the heap (left by finished cycles, scrapes and reloads), not only those at its top.
awaitable<void> trim_heap_every(net::steady_timer& timer, std::chrono::seconds period);

}  // namespace refreshd::daemon
