#include <refreshd/config/duration.hpp>
#include <refreshd/schedule/duration.hpp>

namespace refreshd::config {

// The one duration grammar lives in schedule/ ("every D" and "after D" use it too); config
// keeps its own result type so its messages never repeat the input.
duration_result parse_duration(std::string_view text) {
  auto parsed = schedule::parse_duration(text);
  if (parsed) {
    return {*parsed, {}};
  }
  // schedule's errors read `bad duration "TEXT": why`; keep only the why.
  const std::string& message = parsed.error();
  const auto cut = message.rfind("\": ");
  return {std::nullopt, cut == std::string::npos ? message : message.substr(cut + 3)};
}

std::string format_duration(duration d) {
  return schedule::format_duration(d);
}

}  // namespace refreshd::config
