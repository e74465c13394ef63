#pragma once
// `max_running_jobs` of one cluster (docs/CYCLE.md step 9): a counting semaphore whose waiters are
// served in due-time order (the earliest scheduled slot first), not in arrival order.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include <refreshd/net/asio.hpp>

namespace refreshd::daemon {

class job_slots;

/// One held slot; releases it when destroyed (or on release()). Movable, not copyable.
class job_slot {
 public:
  job_slot() = default;
  job_slot(job_slot&& other) noexcept : owner_(std::exchange(other.owner_, nullptr)) {}
  job_slot& operator=(job_slot&& other) noexcept;
  job_slot(const job_slot&) = delete;
  job_slot& operator=(const job_slot&) = delete;
  ~job_slot() { release(); }

  explicit operator bool() const noexcept { return owner_ != nullptr; }
  void release() noexcept;

 private:
  friend class job_slots;
  explicit job_slot(job_slots* owner) : owner_(owner) {}
  job_slots* owner_ = nullptr;
};

/// The slots of one cluster. `capacity` >= 1. Waiters are ordered by (due, arrival): a
/// collection whose slot was scheduled earlier runs first. Timers only park (never expire), so
/// no clock is involved.
class job_slots {
 public:
  using due_time = std::chrono::system_clock::time_point;

  job_slots(executor ex, int capacity);
  job_slots(const job_slots&) = delete;
  job_slots& operator=(const job_slots&) = delete;
  ~job_slots();

  /// Waits for a free slot. Returns an empty job_slot when stop() was called. Cancellation of
  /// the awaiting coroutine removes it from the queue.
  awaitable<job_slot> async_acquire(due_time due);
  /// A slot now, even over capacity (used to adopt jobs that are already running on the
  /// server: they occupy the cluster whatever this daemon wants). Empty after stop().
  job_slot force_acquire();
  /// A reload changed max_running_jobs (>= 1). Raising it grants waiters at once; lowering it
  /// takes effect as held slots are released (nothing running is interrupted).
  void set_capacity(int capacity);
  /// Wakes every waiter with an empty slot; later acquisitions fail at once.
  void stop();

  int capacity() const noexcept { return capacity_; }
  int in_use() const noexcept { return in_use_; }
  std::size_t waiting() const noexcept { return waiters_.size(); }

 private:
  friend class job_slot;
  struct waiter;
  void release_one() noexcept;
  /// Grants free slots to the earliest waiters.
  void grant_free() noexcept;

  executor ex_;
  int capacity_;
  int in_use_ = 0;
  bool stopped_ = false;
  std::uint64_t arrivals_ = 0;
  std::map<std::pair<due_time, std::uint64_t>, waiter*> waiters_;
  std::vector<waiter*> granted_;  ///< granted, not yet resumed
};

}  // namespace refreshd::daemon
