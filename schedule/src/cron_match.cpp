#include <bit>
#include <chrono>
#include <cstdint>

#include <refreshd/schedule/cron.hpp>

#include "search_horizon.hpp"

namespace refreshd::schedule {
namespace {

using local_minutes = date::local_time<std::chrono::minutes>;

using detail::search_horizon;

// Bits 1..31: the days of `year/month` that match, with the Vixie either/both rule.
std::uint32_t day_mask(const cron_expr& expr, date::year year, date::month month) {
  const auto last = static_cast<unsigned>((year / month / date::last).day());
  const unsigned first_weekday = date::weekday{date::local_days{year / month / 1}}.c_encoding();
  const std::uint32_t in_month = ((std::uint32_t{1} << last) - 1) << 1;
  const std::uint32_t by_dom = expr.days_of_month & in_month;
  std::uint32_t by_dow = 0;
  for (unsigned day = 1; day <= last; ++day) {
    if ((expr.days_of_week >> ((first_weekday + day - 1) % 7) & 1U) != 0) {
      by_dow |= std::uint32_t{1} << day;
    }
  }
  return (expr.dom_star || expr.dow_star) ? (by_dom & by_dow) : (by_dom | by_dow);
}

// First day of the next month (after `ym`) that the month field allows.
date::local_days next_allowed_month(const cron_expr& expr, date::year_month ym) {
  const unsigned month = static_cast<unsigned>(ym.month());
  const unsigned later = static_cast<unsigned>(expr.months) >> (month + 1) << (month + 1);
  if (later != 0) {
    return date::local_days{ym.year() /
                            date::month{static_cast<unsigned>(std::countr_zero(later))} / 1};
  }
  const auto first = static_cast<unsigned>(std::countr_zero(static_cast<unsigned>(expr.months)));
  return date::local_days{(ym.year() + date::years{1}) / date::month{first} / 1};
}

}  // namespace

bool cron_day_matches(const cron_expr& expr, date::year_month_day day) {
  if ((expr.months >> static_cast<unsigned>(day.month()) & 1U) == 0) {
    return false;
  }
  return (day_mask(expr, day.year(), day.month()) >> static_cast<unsigned>(day.day()) & 1U) != 0;
}

bool cron_matches(const cron_expr& expr, date::local_seconds local_time) {
  const auto day = date::floor<date::days>(local_time);
  const auto minute_of_day = date::floor<std::chrono::minutes>(local_time - day).count();
  const auto hour = static_cast<unsigned>(minute_of_day / 60);
  const auto minute = static_cast<unsigned>(minute_of_day % 60);
  return (expr.hours >> hour & 1U) != 0 && (expr.minutes >> minute & 1U) != 0 &&
         cron_day_matches(expr, date::year_month_day{day});
}

std::optional<date::local_seconds> next_local_match(const cron_expr& expr, date::local_seconds from,
                                                    date::local_seconds limit) {
  if (expr.months == 0 || expr.hours == 0 || expr.minutes == 0) {
    return std::nullopt;  // a default-constructed expression never matches
  }
  local_minutes t = date::ceil<std::chrono::minutes>(from);
  const local_minutes give_up = date::floor<std::chrono::minutes>(from) + search_horizon;
  while (t < limit && t < give_up) {
    const auto day = date::floor<date::days>(t);
    const date::year_month_day ymd{day};
    if ((expr.months >> static_cast<unsigned>(ymd.month()) & 1U) == 0) {
      t = next_allowed_month(expr, ymd.year() / ymd.month());
      continue;
    }
    const unsigned d = static_cast<unsigned>(ymd.day());
    const std::uint32_t days = day_mask(expr, ymd.year(), ymd.month()) >> d << d;
    if (days == 0) {
      t = next_allowed_month(expr, ymd.year() / ymd.month());
      continue;
    }
    if (const auto next_day = static_cast<unsigned>(std::countr_zero(days)); next_day != d) {
      t = day + date::days{next_day - d};
      continue;
    }
    const auto minute_of_day = (t - day).count();
    const auto h = static_cast<unsigned>(minute_of_day / 60);
    const auto m = static_cast<unsigned>(minute_of_day % 60);
    const std::uint32_t hours = expr.hours >> h << h;
    if (hours == 0) {
      t = day + date::days{1};
      continue;
    }
    if (const auto next_hour = static_cast<unsigned>(std::countr_zero(hours)); next_hour != h) {
      t = day + std::chrono::hours{next_hour};
      continue;
    }
    const std::uint64_t minutes = expr.minutes >> m << m;
    if (minutes == 0) {
      t = day + std::chrono::hours{h + 1};
      continue;
    }
    t = day + std::chrono::hours{h} + std::chrono::minutes{std::countr_zero(minutes)};
    if (t >= limit) {
      return std::nullopt;
    }
    return date::local_seconds{t};
  }
  return std::nullopt;
}

}  // namespace refreshd::schedule
