#include "oracle.hpp"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <limits>

namespace refreshd::schedule::test {

using std::chrono::minutes;
using std::chrono::seconds;

namespace {
constexpr std::int64_t minutes_per_day = 1440;
}

minute_timeline::fields minute_timeline::fields_of(std::int64_t local_minute) {
  std::int64_t day = local_minute / minutes_per_day;
  std::int64_t minute_of_day = local_minute % minutes_per_day;
  if (minute_of_day < 0) {
    minute_of_day += minutes_per_day;
    --day;
  }
  const date::sys_days civil{date::days{day}};
  const date::year_month_day ymd{civil};
  return fields{static_cast<std::uint8_t>(minute_of_day % 60),
                static_cast<std::uint8_t>(minute_of_day / 60),
                static_cast<std::uint8_t>(static_cast<unsigned>(ymd.day())),
                static_cast<std::uint8_t>(static_cast<unsigned>(ymd.month())),
                static_cast<std::uint8_t>(date::weekday{civil}.c_encoding())};
}

bool minute_timeline::matches(const cron_expr& expr, const fields& f) {
  if ((expr.minutes >> f.minute & 1U) == 0 || (expr.hours >> f.hour & 1U) == 0 ||
      (expr.months >> f.month & 1U) == 0) {
    return false;
  }
  const bool dom = (expr.days_of_month >> f.day & 1U) != 0;
  const bool dow = (expr.days_of_week >> f.weekday & 1U) != 0;
  return (expr.dom_star || expr.dow_star) ? (dom && dow) : (dom || dow);
}

minute_timeline::minute_timeline(const date::time_zone* zone, std::chrono::sys_seconds from,
                                 std::chrono::sys_seconds to)
    : from_(from), to_(to) {
  first_minute_ = date::floor<minutes>(from) - date::days{1};
  const auto last_minute = date::ceil<minutes>(to) + date::days{1};
  const auto count = static_cast<std::size_t>((last_minute - first_minute_) / minutes{1});
  local_.reserve(count);
  fields_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const auto t = first_minute_ + minutes{i};
    const auto offset = zone->get_info(t).offset;
    if (offset % minutes{1} != seconds{0}) {
      std::cerr << "minute_timeline: zone offset is not whole minutes\n";
      std::abort();
    }
    const std::int64_t local = (t.time_since_epoch() + offset) / minutes{1};
    local_.push_back(local);
    fields_.push_back(fields_of(local));
  }
  seen_before_.assign(count, 0);
  seen_after_.assign(count, 0);
  std::int64_t max_before = std::numeric_limits<std::int64_t>::min();
  for (std::size_t i = 0; i < count; ++i) {
    seen_before_[i] = local_[i] <= max_before ? 1 : 0;
    max_before = std::max(max_before, local_[i]);
  }
  std::int64_t min_after = std::numeric_limits<std::int64_t>::max();
  for (std::size_t i = count; i-- > 0;) {
    seen_after_[i] = local_[i] >= min_after ? 1 : 0;
    min_after = std::min(min_after, local_[i]);
  }
}

std::vector<slot> minute_timeline::slots(const cron_expr& expr) const {
  // Plain indices and raw pointers: this loop runs ~527,000 times per expression and zone-year,
  // and must stay fast in unoptimised Debug builds.
  std::vector<slot> out;
  const std::int64_t* local = local_.data();
  const fields* f = fields_.data();
  const std::uint8_t* before = seen_before_.data();
  const std::uint8_t* after = seen_after_.data();
  const auto first = static_cast<std::size_t>((from_ - first_minute_) / minutes{1}) + 1;
  const auto last =
      static_cast<std::size_t>((date::ceil<minutes>(to_) - first_minute_) / minutes{1});
  for (std::size_t i = first; i < last; ++i) {
    bool gap = false;
    for (std::int64_t skipped = local[i - 1] + 1; skipped < local[i] && !gap; ++skipped) {
      gap = matches(expr, fields_of(skipped));
    }
    if (gap) {
      out.push_back(slot{first_minute_ + minutes{i}, dst_mark::gap});
      continue;
    }
    if ((expr.minutes >> f[i].minute & 1U) == 0 || (expr.hours >> f[i].hour & 1U) == 0) {
      continue;  // the cheap part of matches(), inlined
    }
    if (matches(expr, f[i]) && (before[i] == 0 || expr.hour_star)) {
      const bool repeated = before[i] != 0 || after[i] != 0;
      out.push_back(
          slot{first_minute_ + minutes{i}, repeated ? dst_mark::repeated : dst_mark::none});
    }
  }
  return out;
}

}  // namespace refreshd::schedule::test
