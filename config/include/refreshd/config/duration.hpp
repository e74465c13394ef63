#pragma once
// Durations as written in the config file: "250ms", "90s", "15m", "1h30m", "2d".

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace refreshd::config {

/// Every duration in the configuration model has millisecond resolution.
using duration = std::chrono::milliseconds;

/// The largest accepted duration: 36500 days (about 100 years). Anything larger is rejected as
/// an overflow so that adding a configured duration to a time point can never overflow.
inline constexpr duration max_duration = std::chrono::hours(24 * 36500);

/// Result of parse_duration: `value` on success, otherwise `error` (a sentence that does not
/// repeat the input, so the caller decides whether the text may be echoed).
struct duration_result {
  std::optional<duration> value;
  std::string error;
};

/// Parses a duration.
///
/// Grammar: one or more `<digits><unit>` components, units `d` (24 h), `h`, `m`, `s`, `ms`, each
/// at most once and in descending order (`1h30m`, `2d12h`, `1m500ms`). A bare `0` means zero.
/// Rejected: empty text, signs (`-5m`, `+5m`), fractions (`1.5h`), spaces, a number without a
/// unit (`30`), unknown or upper-case units (`5x`, `5M`, `5us`), repeated or ascending units
/// (`30m1h`), and values above max_duration.
duration_result parse_duration(std::string_view text);

/// Canonical text of a duration: "0s", "250ms", "1m30s", "2d6h". parse_duration(format_duration(d))
/// == d for every d in [0, max_duration]. Negative values are written with a leading '-'.
std::string format_duration(duration d);

}  // namespace refreshd::config
