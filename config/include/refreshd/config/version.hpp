#pragma once

#include <string_view>

namespace refreshd::daemon {

/// Semantic version of this build, e.g. "0.1.0".
std::string_view version() noexcept;
/// Short git revision the build was made from, or "unknown".
std::string_view git_revision() noexcept;

}  // namespace refreshd::daemon
