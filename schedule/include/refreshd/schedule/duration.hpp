#pragma once
// The one duration syntax of milvus-refreshd (config values and "every D" / "after D").

#include <chrono>
#include <string>
#include <string_view>

#include <refreshd/schedule/result.hpp>

namespace refreshd::schedule {

/// Largest accepted duration: 36500 days (100 years), so every later arithmetic on
/// std::chrono::sys_seconds stays far from overflow.
inline constexpr std::chrono::milliseconds max_duration{std::chrono::hours{24} * 36500};

/// Parses a duration such as "250ms", "90s", "15m", "1h30m", "2d", "1d12h".
/// Grammar: one or more `<digits><unit>` with unit in d, h, m, s, ms (lower case), each unit at
/// most once and from largest to smallest; no sign, spaces or fractions. A bare "0" is zero.
/// Errors (value, never thrown) quote the input, e.g.
///   bad duration "1x": unknown unit "x" (use d, h, m, s or ms)
///   bad duration "1.5h": fractions are not supported (write e.g. 1h30m)
///   bad duration "1m1h": units must go from largest to smallest (d h m s ms)
///   bad duration "40000d": longer than the maximum 36500d
result<std::chrono::milliseconds> parse_duration(std::string_view text);

/// Canonical text of a non-negative duration, the inverse of parse_duration:
/// 5400000ms → "1h30m", 250ms → "250ms", 0 → "0s". Negative values are printed with a
/// leading '-' (e.g. clock jumps in logs).
std::string format_duration(std::chrono::milliseconds value);

}  // namespace refreshd::schedule
