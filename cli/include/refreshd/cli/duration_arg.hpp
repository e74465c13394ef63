#pragma once

#include <chrono>
#include <string_view>

namespace refreshd::daemon {

/// Parses a duration option value ("250ms", "90s", "1h30m"); throws usage_error naming the
/// option on a bad value.
std::chrono::milliseconds parse_duration_arg(std::string_view option, std::string_view value);

}  // namespace refreshd::daemon
