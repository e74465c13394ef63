// The queue of due times (due_queue.hpp).
#include <algorithm>

#include <refreshd/cycle/due_queue.hpp>

namespace refreshd::daemon {
namespace {

constexpr auto later = [](const due_queue::entry& a, const due_queue::entry& b) {
  return a.due > b.due;
};

}  // namespace

void due_queue::push(wall_time due, std::size_t index, std::uint32_t generation) {
  heap_.push_back(entry{due, static_cast<std::uint32_t>(index), generation});
  std::push_heap(heap_.begin(), heap_.end(), later);
}

std::optional<wall_time> due_queue::earliest() const {
  if (heap_.empty()) {
    return std::nullopt;
  }
  return heap_.front().due;
}

std::optional<due_queue::entry> due_queue::pop_due(wall_time t) {
  if (heap_.empty() || heap_.front().due > t) {
    return std::nullopt;
  }
  std::pop_heap(heap_.begin(), heap_.end(), later);
  const entry e = heap_.back();
  heap_.pop_back();
  return e;
}

}  // namespace refreshd::daemon
