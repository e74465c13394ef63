#pragma once
// Optional values in 8 bytes for the state every collection keeps (docs/DAEMON.md "Memory"):
// std::optional<wall_time> takes 16 bytes and std::optional<std::string> 40, and most of these
// are empty or shared by 100,000 collections. Both read like the std::optional they replace.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <refreshd/cycle/time.hpp>

namespace refreshd::daemon {

/// An optional time point or duration in 8 bytes: T::min() (which no job timestamp, schedule
/// slot or job duration can be) marks "none".
template <class T>
class maybe_chrono {
 public:
  constexpr maybe_chrono() noexcept = default;
  constexpr maybe_chrono(std::nullopt_t) noexcept {}          // NOLINT(google-explicit-constructor)
  constexpr maybe_chrono(T t) noexcept : t_(t) {}             // NOLINT(google-explicit-constructor)
  constexpr maybe_chrono(const std::optional<T>& t) noexcept  // NOLINT
      : t_(t ? *t : none) {}

  [[nodiscard]] constexpr bool has_value() const noexcept { return t_ != none; }
  constexpr explicit operator bool() const noexcept { return has_value(); }
  constexpr const T& operator*() const noexcept { return t_; }
  constexpr const T* operator->() const noexcept { return &t_; }
  [[nodiscard]] constexpr T value_or(T fallback) const noexcept {
    return has_value() ? t_ : fallback;
  }
  constexpr void reset() noexcept { t_ = none; }
  constexpr operator std::optional<T>() const noexcept {  // NOLINT
    return has_value() ? std::optional<T>(t_) : std::nullopt;
  }

  friend constexpr bool operator==(maybe_chrono a, maybe_chrono b) noexcept { return a.t_ == b.t_; }
  // Non-templates, so they win over std::optional's comparison templates (which would call an
  // empty optional unequal to an empty maybe_chrono).
  friend constexpr bool operator==(maybe_chrono a, const std::optional<T>& b) noexcept {
    return a == maybe_chrono(b);
  }
  friend constexpr bool operator==(maybe_chrono a, std::nullopt_t) noexcept { return !a; }
  friend constexpr bool operator==(maybe_chrono a, T b) noexcept { return a.t_ == b; }

 private:
  static constexpr T none = T::min();
  T t_ = none;
};
using maybe_time = maybe_chrono<wall_time>;
using maybe_duration = maybe_chrono<std::chrono::milliseconds>;

/// An optional string in 8 bytes (none costs no allocation): a server's failure reason, an
/// unusual state spelling, a status message. Copies are deep.
class maybe_text {
 public:
  maybe_text() noexcept = default;
  maybe_text(std::nullopt_t) noexcept {}  // NOLINT(google-explicit-constructor)
  maybe_text(std::string s)               // NOLINT(google-explicit-constructor)
      : p_(std::make_unique<std::string>(std::move(s))) {}
  maybe_text(const char* s) : maybe_text(std::string(s)) {}  // NOLINT
  maybe_text(const std::optional<std::string>& s)            // NOLINT
      : p_(s ? std::make_unique<std::string>(*s) : nullptr) {}
  maybe_text(const maybe_text& o) : p_(o.p_ ? std::make_unique<std::string>(*o.p_) : nullptr) {}
  maybe_text(maybe_text&&) noexcept = default;
  maybe_text& operator=(const maybe_text& o) {
    if (this != &o) {
      p_ = o.p_ ? std::make_unique<std::string>(*o.p_) : nullptr;
    }
    return *this;
  }
  maybe_text& operator=(maybe_text&&) noexcept = default;
  ~maybe_text() = default;

  [[nodiscard]] bool has_value() const noexcept { return p_ != nullptr; }
  explicit operator bool() const noexcept { return has_value(); }
  const std::string& operator*() const noexcept { return *p_; }
  const std::string* operator->() const noexcept { return p_.get(); }
  void reset() noexcept { p_.reset(); }
  /// The text, or "" when there is none.
  [[nodiscard]] const std::string& str() const noexcept {
    static const std::string nothing;
    return p_ ? *p_ : nothing;
  }
  /// No text, or an empty one.
  [[nodiscard]] bool empty() const noexcept { return !p_ || p_->empty(); }
  void clear() noexcept { reset(); }
  operator std::optional<std::string>() const {  // NOLINT(google-explicit-constructor)
    return p_ ? std::optional<std::string>(*p_) : std::nullopt;
  }

  friend bool operator==(const maybe_text& a, const maybe_text& b) noexcept {
    return a.p_ && b.p_ ? *a.p_ == *b.p_ : a.p_ == b.p_;
  }
  friend bool operator==(const maybe_text& a, const std::optional<std::string>& b) noexcept {
    return a.p_ && b ? *a.p_ == *b : !a.p_ && !b;
  }
  friend bool operator==(const maybe_text& a, std::nullopt_t) noexcept { return !a.p_; }
  /// Present and equal to `s`.
  friend bool operator==(const maybe_text& a, std::string_view s) noexcept {
    return a.p_ && *a.p_ == s;
  }
  friend bool operator==(const maybe_text& a, const char* s) noexcept {
    return a == std::string_view(s);
  }
  friend bool operator==(const maybe_text& a, const std::string& s) noexcept {
    return a == std::string_view(s);
  }

 private:
  std::unique_ptr<std::string> p_;
};

}  // namespace refreshd::daemon
