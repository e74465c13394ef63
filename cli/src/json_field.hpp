#pragma once
// Private to cli/: reading a member of a JSON answer that may be missing or of another type
// without undefined behaviour (a const nlohmann::json's operator[] on a missing key is UB).
#include <nlohmann/json.hpp>

namespace refreshd::daemon::detail {

/// `o[key]` when `o` is an object that has it, else null.
inline const nlohmann::json& field(const nlohmann::json& o, const char* key) {
  static const nlohmann::json none;
  if (!o.is_object()) {
    return none;
  }
  const auto it = o.find(key);
  return it == o.end() ? none : *it;
}

/// The string at `key`, or `fallback` when it is missing or not a string.
inline std::string text(const nlohmann::json& o, const char* key, std::string fallback = {}) {
  const auto& v = field(o, key);
  return v.is_string() ? v.get<std::string>() : fallback;
}

}  // namespace refreshd::daemon::detail
