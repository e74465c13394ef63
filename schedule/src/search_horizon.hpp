#pragma once
// How far the schedule searches for a next slot (private to schedule/).

#include <date/date.h>

namespace refreshd::schedule::detail {

// The 400-year Gregorian cycle: every valid cron expression fires within it, and it bounds
// every search.
inline constexpr date::days search_horizon{146097};

}  // namespace refreshd::schedule::detail
