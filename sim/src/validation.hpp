#pragma once
// Proxy-side checks of a refresh's externalSource / externalSpec overrides (contract §2.1).
// Each returns the error message (without the ": invalid parameter" suffix) or nullopt.

#include <optional>
#include <string>
#include <string_view>

namespace refreshd::sim::detail {

/// Scheme allow-list ("file" and unknown schemes are refused), no credentials in the URI.
std::optional<std::string> check_source(std::string_view uri);
/// A JSON object with known keys only and a supported "format".
std::optional<std::string> check_spec(std::string_view spec);

}  // namespace refreshd::sim::detail
