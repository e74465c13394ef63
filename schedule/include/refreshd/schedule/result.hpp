#pragma once
// A value or a human-readable error message. Parsing in schedule/ never throws: a bad
// schedule string is an expected input (config validation reports it with file:line:col).

#include <string>
#include <utility>
#include <variant>

namespace refreshd::schedule {

/// Why a parse failed. `message` is complete and precise, e.g.
/// "minute field: 61 is out of range 0-59"; it never contains secrets (schedules have none).
struct parse_error {
  std::string message;
};

template <class T>
class result {
 public:
  result(T value) : state_(std::move(value)) {}            // NOLINT(google-explicit-constructor)
  result(parse_error error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  /// Precondition: ok().
  const T& value() const& { return std::get<0>(state_); }
  T& value() & { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  const T& operator*() const& { return value(); }
  const T* operator->() const { return &value(); }

  /// Precondition: !ok().
  const std::string& error() const { return std::get<1>(state_).message; }

 private:
  std::variant<T, parse_error> state_;
};

}  // namespace refreshd::schedule
