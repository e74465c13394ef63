#pragma once
// A value that copies share until one of them is changed (copy on write). The effective settings
// of 100,000 collections are a handful of distinct values: each collection holds a pointer to
// one of them, not its own copy (docs/DAEMON.md "Memory").

#include <memory>

namespace refreshd::config {

template <class T>
class shared_value {
 public:
  /// A default T, shared by every default-made value.
  shared_value() : p_(default_value()) {}
  explicit shared_value(T v) : p_(std::make_shared<T>(std::move(v))) {}
  /// A new value of its own (shared with nothing).
  shared_value& operator=(T v) {
    p_ = std::make_shared<T>(std::move(v));
    return *this;
  }

  const T& operator*() const noexcept { return *p_; }
  const T* operator->() const noexcept { return p_.get(); }
  operator const T&() const noexcept { return *p_; }  // NOLINT(google-explicit-constructor)
  /// A copy of its own to change, made when the value is shared.
  T& edit() {
    if (p_.use_count() != 1) {
      p_ = std::make_shared<T>(*p_);
    }
    return *p_;
  }
  /// Whether both hold the same object (not only equal values).
  [[nodiscard]] bool shares_with(const shared_value& o) const noexcept { return p_ == o.p_; }

  bool operator==(const shared_value& o) const { return p_ == o.p_ || *p_ == *o.p_; }
  friend bool operator==(const shared_value& a, const T& b) { return *a.p_ == b; }

 private:
  static const std::shared_ptr<T>& default_value() {
    static const std::shared_ptr<T> d = std::make_shared<T>();
    return d;
  }
  std::shared_ptr<T> p_;  // never null
};

}  // namespace refreshd::config
