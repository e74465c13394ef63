#include <algorithm>

#include <boost/asio/steady_timer.hpp>

#include <refreshd/runtime/job_slots.hpp>

namespace refreshd::daemon {

struct job_slots::waiter {
  explicit waiter(const executor& ex) : timer(ex, net::steady_timer::time_point::max()) {}
  net::steady_timer timer;
  bool granted = false;
  bool detached = false;  ///< the job_slots object is gone
};

job_slot& job_slot::operator=(job_slot&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = std::exchange(other.owner_, nullptr);
  }
  return *this;
}

void job_slot::release() noexcept {
  if (auto* owner = std::exchange(owner_, nullptr)) {
    owner->release_one();
  }
}

job_slots::job_slots(executor ex, int capacity)
    : ex_(std::move(ex)), capacity_(capacity < 1 ? 1 : capacity) {}

job_slots::~job_slots() {
  for (auto& [key, w] : waiters_) {
    w->detached = true;
  }
  for (waiter* w : granted_) {
    w->detached = true;
  }
}

awaitable<job_slot> job_slots::async_acquire(due_time due) {
  if (stopped_) {
    co_return job_slot();
  }
  if (waiters_.empty() && in_use_ < capacity_) {
    ++in_use_;
    co_return job_slot(this);
  }
  waiter w(ex_);
  auto it = waiters_.emplace(std::make_pair(due, arrivals_++), &w).first;
  // Destroyed also when the awaiting coroutine is cancelled or destroyed while parked.
  struct unlink {
    job_slots& owner;
    decltype(it) pos;
    const waiter& self;
    bool taken = false;
    ~unlink() {
      if (self.detached) {
        return;
      }
      if (!self.granted) {
        owner.waiters_.erase(pos);
        return;
      }
      std::erase(owner.granted_, &self);
      if (!taken) {
        owner.release_one();  // granted, but nobody will hold it
      }
    }
  } guard{*this, it, w};
  while (!w.granted && !stopped_) {
    co_await w.timer.async_wait(use_nothrow);
  }
  if (w.granted) {
    guard.taken = true;  // in_use_ was counted by release_one for us
    co_return job_slot(this);
  }
  co_return job_slot();
}

job_slot job_slots::force_acquire() {
  if (stopped_) {
    return job_slot();
  }
  ++in_use_;
  return job_slot(this);
}

void job_slots::release_one() noexcept {
  --in_use_;
  grant_free();
}

void job_slots::set_capacity(int capacity) {
  capacity_ = capacity < 1 ? 1 : capacity;
  grant_free();
}

void job_slots::grant_free() noexcept {
  while (!stopped_ && in_use_ < capacity_ && !waiters_.empty()) {
    auto first = waiters_.begin();
    waiter* w = first->second;
    waiters_.erase(first);
    w->granted = true;
    granted_.push_back(w);
    ++in_use_;
    w->timer.cancel();
  }
}

void job_slots::stop() {
  stopped_ = true;
  for (auto& [key, w] : waiters_) {
    w->timer.cancel();
  }
}

}  // namespace refreshd::daemon
