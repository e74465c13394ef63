#pragma once
// Private: time zone validation with date-tz.

#include <optional>
#include <string>
#include <string_view>

namespace refreshd::config::detail {

/// nullopt when `name` is a zone of the system tz database; otherwise an error message, with a
/// suggestion when a zone name is close ("did you mean 'Europe/Berlin'?").
std::optional<std::string> check_timezone(std::string_view name);

}  // namespace refreshd::config::detail
