#pragma once
// A value that copies share until one of them is changed (copy on write). The effective settings
// of 100,000 collections are a handful of distinct values: each collection holds a pointer to
// one of them, not its own copy (docs/DAEMON.md "Memory"). One pointer (8 bytes, where a
// std::shared_ptr takes 16): the count lives beside the value. The count is atomic because a
// reload builds its config on a thread of its own (docs/DAEMON.md "Reload"), and values made
// there (the shared default among them) are then copied and dropped on the event loop.

#include <atomic>
#include <cstddef>
#include <utility>

namespace refreshd::config {

template <class T>
class shared_value {
 public:
  /// A default T, shared by every default-made value.
  shared_value() : p_(default_node()) { p_->acquire(); }
  explicit shared_value(T v) : p_(new node(std::move(v))) {}
  shared_value(const shared_value& o) noexcept : p_(o.p_) { p_->acquire(); }
  shared_value(shared_value&& o) noexcept : p_(std::exchange(o.p_, default_node())) {
    o.p_->acquire();
  }
  shared_value& operator=(const shared_value& o) noexcept {
    shared_value(o).swap(*this);
    return *this;
  }
  shared_value& operator=(shared_value&& o) noexcept {
    shared_value(std::move(o)).swap(*this);
    return *this;
  }
  /// A new value of its own (shared with nothing).
  shared_value& operator=(T v) {
    shared_value(std::move(v)).swap(*this);
    return *this;
  }
  ~shared_value() { p_->release(); }

  const T& operator*() const noexcept { return p_->value; }
  const T* operator->() const noexcept { return &p_->value; }
  operator const T&() const noexcept { return p_->value; }  // NOLINT(google-explicit-constructor)

  /// A copy of its own to change, made when the value is shared.
  T& edit() {
    if (p_->refs.load(std::memory_order_acquire) != 1) {
      shared_value(T(p_->value)).swap(*this);
    }
    return p_->value;
  }
  /// Whether both hold the same object (not only equal values).
  [[nodiscard]] bool shares_with(const shared_value& o) const noexcept { return p_ == o.p_; }

  bool operator==(const shared_value& o) const { return p_ == o.p_ || p_->value == o.p_->value; }
  friend bool operator==(const shared_value& a, const T& b) { return a.p_->value == b; }

  void swap(shared_value& o) noexcept { std::swap(p_, o.p_); }

 private:
  struct node {
    explicit node(T v) : value(std::move(v)) {}
    void acquire() noexcept { refs.fetch_add(1, std::memory_order_relaxed); }
    void release() noexcept {
      if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        delete this;
      }
    }
    std::atomic<std::size_t> refs{1};
    T value;
  };

  // Never freed: its own reference keeps the count above zero.
  static node* default_node() {
    static node* const d = new node(T{});
    return d;
  }

  node* p_;  // never null
};

}  // namespace refreshd::config
