#pragma once
// A string that must never be printed: tokens and external_spec contents.

#include <string>
#include <utility>

namespace refreshd::config {

/// Holds a secret value. It has no stream operator and no implicit conversion, so it cannot end
/// up in a log line or error message by accident; call reveal() where the value is really needed
/// (an Authorization header, a request body).
class secret_string {
 public:
  secret_string() = default;
  explicit secret_string(std::string value) : value_(std::move(value)) {}

  [[nodiscard]] const std::string& reveal() const noexcept { return value_; }
  [[nodiscard]] bool empty() const noexcept { return value_.empty(); }

  bool operator==(const secret_string&) const = default;

 private:
  std::string value_;
};

}  // namespace refreshd::config
