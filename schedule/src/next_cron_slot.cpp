#include <algorithm>

#include <refreshd/schedule/schedule.hpp>

#include "search_horizon.hpp"

namespace refreshd::schedule {
namespace {

using std::chrono::seconds;

// date-tz reports the first period of a zone as starting near year -32767: no predecessor.
const sys_seconds earliest{date::sys_days{date::year{-32000} / 1 / 1}};

using detail::search_horizon;

date::local_seconds to_local(sys_seconds t, seconds offset) {
  return date::local_seconds{t.time_since_epoch() + offset};
}

// The spring-forward gap that opens at info.begin (if any) skips the local times
// [begin + previous offset, begin + offset): does one of them match?
bool gap_fires(const cron_expr& expr, const date::time_zone* zone, const date::sys_info& info) {
  if (info.begin <= earliest) {
    return false;
  }
  const date::sys_info before = zone->get_info(info.begin - seconds{1});
  if (info.offset <= before.offset) {
    return false;
  }
  return next_local_match(expr, to_local(info.begin, before.offset),
                          to_local(info.begin, info.offset))
      .has_value();
}

// Where the local-time search of period `info` starts for instants >= t. After a fall-back,
// the period begins with the second pass of the repeated local times; only hour-"*"
// expressions fire there, the others already fired at the first occurrence.
date::local_seconds search_start(const cron_expr& expr, const date::time_zone* zone,
                                 const date::sys_info& info, sys_seconds t) {
  date::local_seconds start = to_local(t, info.offset);
  if (!expr.hour_star && info.begin > earliest) {
    const date::sys_info before = zone->get_info(info.begin - seconds{1});
    if (before.offset > info.offset) {
      start = std::max(start, to_local(info.begin, before.offset));
    }
  }
  return start;
}

}  // namespace

// Walks the zone's periods of constant UTC offset. Inside one period local time is a plain
// shift of UTC, so the calendar search (next_local_match) runs on local time and the result
// maps back to exactly one instant.
std::optional<slot> next_cron_slot(const cron_expr& expr, const date::time_zone* zone,
                                   sys_seconds after) {
  const sys_seconds give_up = after + search_horizon;
  sys_seconds t = after + seconds{1};
  while (t < give_up) {
    const date::sys_info info = zone->get_info(t);
    if (t == info.begin && gap_fires(expr, zone, info)) {
      return slot{t, dst_mark::gap};
    }
    const sys_seconds end = std::min(info.end, give_up);
    const auto match =
        next_local_match(expr, search_start(expr, zone, info, t), to_local(end, info.offset));
    if (match) {
      const sys_seconds at{match->time_since_epoch() - info.offset};
      const bool repeated = zone->get_info(*match).result == date::local_info::ambiguous;
      return slot{at, repeated ? dst_mark::repeated : dst_mark::none};
    }
    t = info.end;
  }
  return std::nullopt;
}

}  // namespace refreshd::schedule
