#pragma once
// The asynchronous face of token_bucket: coroutines wait for a token in FIFO order. One per
// cluster, shared by every request to it.

#include <cstddef>
#include <list>

#include <boost/asio/basic_waitable_timer.hpp>

#include <refreshd/cycle/token_bucket.hpp>
#include <refreshd/net/asio.hpp>

namespace refreshd::daemon {

/// FIFO waiters on a token_bucket. Only the first waiter has a timer armed (at the time the
/// bucket says a token is available); the others are parked until they reach the front, so N
/// waiters cost one armed timer. `Clock` is real_clock or a test clock (clock.hpp).
template <class Clock>
class basic_rate_limiter {
 public:
  using timer_type = net::basic_waitable_timer<Clock>;

  basic_rate_limiter(executor ex, token_bucket_options options)
      : ex_(std::move(ex)), bucket_(options, Clock::now()) {}
  basic_rate_limiter(const basic_rate_limiter&) = delete;
  basic_rate_limiter& operator=(const basic_rate_limiter&) = delete;
  /// Waiters still parked (their coroutines are destroyed with the io_context) are detached.
  ~basic_rate_limiter() {
    for (queue_entry* e : queue_) {
      e->detach();
    }
  }

  /// Waits until the request may be sent. Returns false (at once, or waking a waiter) once
  /// stop() was called. Cancellation of the awaiting coroutine removes it from the queue.
  awaitable<bool> async_acquire() {
    if (stopped_) {
      co_return false;
    }
    if (queue_.empty() && bucket_.try_take(Clock::now())) {
      co_return true;
    }
    timer_type timer(ex_);
    queue_entry entry(*this, timer);
    for (;;) {
      if (stopped_) {
        co_return false;
      }
      if (entry.at_front()) {
        const auto now = Clock::now();
        if (bucket_.try_take(now)) {
          co_return true;  // ~queue_entry hands the front to the next waiter
        }
        timer.expires_at(bucket_.available_at(now));
      } else {
        timer.expires_at(Clock::time_point::max());
      }
      co_await timer.async_wait(use_nothrow);
    }
  }

  /// A request sent at `sent_at` was answered "rate limited": slow the bucket down. The front
  /// waiter notices the later availability when its timer fires.
  void on_rate_limited(steady_time sent_at) { bucket_.on_rate_limited(Clock::now(), sent_at); }

  /// A reload changed the configured rate: the front waiter recomputes its deadline.
  void set_rate(double rate) {
    bucket_.set_rate(rate, Clock::now());
    if (!queue_.empty()) {
      queue_.front()->timer().cancel();
    }
  }

  /// Wakes every waiter with false; later acquisitions return false at once.
  void stop() {
    stopped_ = true;
    for (queue_entry* e : queue_) {
      e->timer().cancel();
    }
  }

  std::size_t waiting() const noexcept { return queue_.size(); }
  const token_bucket& bucket() const noexcept { return bucket_; }

 private:
  class queue_entry {
   public:
    queue_entry(basic_rate_limiter& owner, timer_type& timer)
        : owner_(&owner), timer_(timer), it_(owner.queue_.insert(owner.queue_.end(), this)) {}
    queue_entry(const queue_entry&) = delete;
    queue_entry& operator=(const queue_entry&) = delete;
    ~queue_entry() {
      if (owner_ == nullptr) {
        return;
      }
      const bool was_front = it_ == owner_->queue_.begin();
      owner_->queue_.erase(it_);
      if (was_front && !owner_->queue_.empty()) {
        owner_->queue_.front()->timer().cancel();  // the new front computes its own deadline
      }
    }
    bool at_front() const noexcept { return it_ == owner_->queue_.begin(); }
    timer_type& timer() noexcept { return timer_; }
    void detach() noexcept { owner_ = nullptr; }

   private:
    basic_rate_limiter* owner_;
    timer_type& timer_;
    typename std::list<queue_entry*>::iterator it_;
  };

  executor ex_;
  token_bucket bucket_;
  std::list<queue_entry*> queue_;
  bool stopped_ = false;
};

}  // namespace refreshd::daemon
