#pragma once
// The runtime's queue of due times (docs/DAEMON.md "The scheduler loop"): one entry per slot a
// collection was scheduled for, earliest first. Rescheduling does not search the queue: the
// collection's generation moves on, and an entry of an older generation is stale (the caller
// skips it when it comes due). Pure: the runtime owns the timer that waits for earliest().

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include <refreshd/cycle/time.hpp>

namespace refreshd::daemon {

class due_queue {
 public:
  struct entry {
    wall_time due;
    std::uint32_t index;       ///< the collection's index when it was scheduled
    std::uint32_t generation;  ///< the collection's generation when it was scheduled
  };

  void push(wall_time due, std::size_t index, std::uint32_t generation);
  /// The earliest due time, nullopt when empty.
  std::optional<wall_time> earliest() const;
  /// Removes and returns the earliest entry when it is due at or before `t`.
  std::optional<entry> pop_due(wall_time t);
  void clear() noexcept { heap_.clear(); }
  /// Room for `n` entries (one per collection) without a doubling's spare half.
  void reserve(std::size_t n) { heap_.reserve(n); }
  bool empty() const noexcept { return heap_.empty(); }
  std::size_t size() const noexcept { return heap_.size(); }

 private:
  std::vector<entry> heap_;  // a min-heap on due
};

}  // namespace refreshd::daemon
