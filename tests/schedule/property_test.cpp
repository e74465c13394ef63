// Property test: the field-jumping engine (next_cron_slot) against the brute-force
// minute-by-minute oracle (oracle.hpp) over whole years in four zones, for hand-picked tricky
// expressions and a few hundred generated ones (deterministic seed).
#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <refreshd/schedule/schedule.hpp>

#include "helpers.hpp"
#include "oracle.hpp"

namespace refreshd::schedule {
namespace {

using std::chrono::seconds;
using test::minute_timeline;

const char* const zones[] = {"UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"};

const char* const tricky[] = {
    "30 2 * * *",     "*/7 * * * *",  "0 * * * *",      "15,45 1-3 * * *",
    "0 0 31 * *",     "0 0 29 2 *",   "0 12 * * 1-5",   "0 0 1 * MON",
    "@hourly",        "@daily",       "@weekly",        "@monthly",
    "@yearly",        "0 2 * * *",    "0 3 * * *",      "59 1 * * *",
    "0,30 2 * * *",   "45 2 * * *",   "*/15 * * * *",   "0 1 * * *",
    "30 1 * * *",     "0 1-3 * * *",  "*/10 1-2 * * *", "0 */2 * * *",
    "5 * * * SUN",    "0 0 * * 7",    "0 0 */2 * MON",  "0 0 13 * FRI",
    "0 9 1-7 * 1",    "* 2 * * *",    "* 1 * * *",      "0 0 1 1 *",
    "0 2 29 3 *",     "0 2 25 10 *",  "30 2 4 10 *",    "0-59/20 2 * * *",
    "0 2-3 * 3,10 0", "15 2 8 3 *",   "30 1 1 11 *",    "0,30 1-2 5 4 *",
    "0 2 * OCT SUN",  "*/20 * * * *", "0 0 29 2 */7",   "0 0 30 2 MON",
    "45 1 5 APR *",   "0 */1 * * *",  "59 23 31 12 *",  "0 0 1-7/3 * FRI-SUN",
};

// Values for hour fields favour the hours that DST transitions touch (00:00-03:59).
int pick(std::mt19937_64& rng, int lo, int hi) {
  return lo + static_cast<int>(rng() % static_cast<std::uint64_t>(hi - lo + 1));
}

std::string gen_list(std::mt19937_64& rng, int lo, int hi, int max_items) {
  std::string out;
  const int items = pick(rng, 2, max_items);
  for (int i = 0; i < items; ++i) {
    out += (i > 0 ? "," : "") + std::to_string(pick(rng, lo, hi));
  }
  return out;
}

// A random field: "*", a value, a list, a range, "*/n", "a-b/n" or "a/n". Ranges span at most
// `max_width` values and steps are at least `min_step`, which bounds how dense it gets.
std::string gen_numeric(std::mt19937_64& rng, int lo, int hi, int star_percent, int min_step,
                        int max_width) {
  const int roll = pick(rng, 0, 99);
  if (roll < star_percent) {
    return "*";
  }
  const int kind = pick(rng, 0, 5);
  const int a = pick(rng, lo, hi);
  const int b = pick(rng, a, std::min(hi, a + max_width - 1));
  const std::string step = std::to_string(pick(rng, min_step, hi - lo + 1));
  switch (kind) {
    case 0:
      return std::to_string(a);
    case 1:
      return gen_list(rng, lo, hi, 3);
    case 2:
      return std::to_string(a) + "-" + std::to_string(b);
    case 3:
      return "*/" + step;
    case 4:
      return std::to_string(a) + "-" + std::to_string(b) + "/" + std::to_string(pick(rng, 2, 9));
    default:
      return std::to_string(a) + "/" + step;
  }
}

std::string gen_hour(std::mt19937_64& rng) {
  const int roll = pick(rng, 0, 99);
  if (roll < 25) {
    return "*";
  }
  if (roll < 55) {
    const int a = pick(rng, 0, 3);
    return pick(rng, 0, 1) == 0 ? std::to_string(a)
                                : std::to_string(a) + "-" + std::to_string(pick(rng, a, 4));
  }
  return gen_numeric(rng, 0, 23, 0, 2, 24);
}

std::string gen_month(std::mt19937_64& rng) {
  static const char* const names[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                      "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
  const int roll = pick(rng, 0, 99);
  if (roll < 60) {
    return "*";
  }
  if (roll < 75) {
    return pick(rng, 0, 1) == 0 ? "3,10" : "3-4,10-11";  // the DST months
  }
  if (roll < 85) {
    return names[pick(rng, 0, 11)];
  }
  return gen_numeric(rng, 1, 12, 0, 2, 12);
}

std::string gen_dow(std::mt19937_64& rng) {
  static const char* const names[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};
  const int roll = pick(rng, 0, 99);
  if (roll < 60) {
    return "*";
  }
  if (roll < 70) {
    return std::string(names[pick(rng, 1, 5)]) + "-" + names[pick(rng, 5, 6)];
  }
  if (roll < 80) {
    return names[pick(rng, 0, 6)];
  }
  return gen_numeric(rng, 0, 7, 0, 2, 8);
}

// Minute fields are mostly sparse so that a year of slots stays cheap to enumerate.
std::string gen_expression(std::mt19937_64& rng) {
  const std::string minute = gen_numeric(rng, 0, 59, 4, 10, 6);
  // Every minute of every hour is left to the hand list: an hour is fixed when minute is "*".
  const std::string hour = minute == "*" ? std::to_string(pick(rng, 0, 4)) : gen_hour(rng);
  return minute + " " + hour + " " + gen_numeric(rng, 1, 31, 60, 2, 31) + " " + gen_month(rng) +
         " " + gen_dow(rng);
}

std::vector<std::string> expressions() {
  std::vector<std::string> out(std::begin(tricky), std::end(tricky));
  std::mt19937_64 rng{20260329};
  while (out.size() < std::size(tricky) + 250) {
    std::string text = gen_expression(rng);
    if (parse_cron(text).ok()) {
      out.push_back(std::move(text));
    }
  }
  return out;
}

// One timeline per zone for the whole of 2026, shared by all tests of this file.
const minute_timeline& timeline(const char* zone_name) {
  static std::map<std::string, std::unique_ptr<minute_timeline>> cache;
  auto& entry = cache[zone_name];
  if (!entry) {
    entry = std::make_unique<minute_timeline>(
        test::zone(zone_name), test::utc("2026-01-01T00:00:00"), test::utc("2027-01-01T00:00:00"));
  }
  return *entry;
}

std::vector<slot> engine_slots(const cron_expr& expr, const date::time_zone* tz, sys_seconds from,
                               sys_seconds to) {
  std::vector<slot> out;
  for (auto next = next_cron_slot(expr, tz, from); next && next->at < to;
       next = next_cron_slot(expr, tz, next->at)) {
    out.push_back(*next);
  }
  return out;
}

// The first difference between two slot lists, described for a failure message.
std::string first_difference(const std::vector<slot>& engine, const std::vector<slot>& oracle,
                             const date::time_zone* tz) {
  const std::size_t n = std::min(engine.size(), oracle.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (!(engine[i] == oracle[i])) {
      return "slot #" + std::to_string(i) + ": engine " + test::describe(engine[i], tz) +
             ", oracle " + test::describe(oracle[i], tz);
    }
  }
  return "engine has " + std::to_string(engine.size()) + " slots, oracle " +
         std::to_string(oracle.size()) +
         (engine.size() > n ? ", extra " + test::describe(engine[n], tz)
                            : ", missing " + test::describe(oracle[n], tz));
}

class EngineMatchesOracle : public ::testing::TestWithParam<const char*> {};

TEST_P(EngineMatchesOracle, OverAWholeYearSlotBySlot) {
  const char* zone_name = GetParam();
  const auto* tz = test::zone(zone_name);
  const auto& line = timeline(zone_name);
  std::size_t total = 0;
  for (const auto& text : expressions()) {
    const cron_expr expr = test::cron(text);
    const auto expected = line.slots(expr);
    const auto actual = engine_slots(expr, tz, line.from(), line.to());
    total += expected.size();
    if (actual != expected) {
      ADD_FAILURE() << zone_name << " \"" << text
                    << "\": " << first_difference(actual, expected, tz);
    }
  }
  EXPECT_GT(total, 100'000U);  // the comparison is not vacuous
}

// Starting points that are not slots: random seconds of the year plus every instant around
// each transition; the engine's answer must be the oracle's first slot strictly after.
TEST_P(EngineMatchesOracle, FromArbitraryStartingInstants) {
  const char* zone_name = GetParam();
  const auto* tz = test::zone(zone_name);
  const auto& line = timeline(zone_name);
  std::vector<sys_seconds> starts;
  std::mt19937_64 rng{7};
  const auto span = (line.to() - line.from()).count();
  for (int i = 0; i < 40; ++i) {
    starts.push_back(line.from() + seconds{static_cast<std::int64_t>(
                                       rng() % static_cast<std::uint64_t>(span / 2))});
  }
  for (auto t = line.from(); t < line.to();) {
    const auto info = tz->get_info(t);
    if (info.end >= line.to()) {
      break;
    }
    for (const int delta : {-3601, -1800, -61, -1, 0, 1, 59, 60, 61, 899, 1800, 1801, 3599, 3600}) {
      starts.push_back(info.end + seconds{delta});
    }
    t = info.end;
  }
  const auto all = expressions();
  for (std::size_t e = 0; e < all.size(); e += 3) {
    const cron_expr expr = test::cron(all[e]);
    const auto expected = line.slots(expr);
    for (const auto start : starts) {
      const auto it = std::upper_bound(expected.begin(), expected.end(), start,
                                       [](sys_seconds t, const slot& s) { return t < s.at; });
      if (it == expected.end()) {
        continue;  // beyond the oracle's window
      }
      const auto got = next_cron_slot(expr, tz, start);
      ASSERT_TRUE(got) << all[e];
      EXPECT_EQ(*got, *it) << zone_name << " \"" << all[e] << "\" after "
                           << date::format("%FT%TZ", start) << ": engine "
                           << test::describe(*got, tz) << ", oracle " << test::describe(*it, tz);
    }
  }
}

// A leap year (29 February exists; 2028's transitions fall on other dates) for the hand list.
TEST(EngineMatchesOracleInALeapYear, ForTheTrickyExpressions) {
  for (const char* zone_name : {"Europe/Berlin", "Australia/Lord_Howe"}) {
    const auto* tz = test::zone(zone_name);
    const minute_timeline line(tz, test::utc("2028-01-01T00:00:00"),
                               test::utc("2029-01-01T00:00:00"));
    for (const char* text : tricky) {
      const cron_expr expr = test::cron(text);
      const auto expected = line.slots(expr);
      const auto actual = engine_slots(expr, tz, line.from(), line.to());
      if (actual != expected) {
        ADD_FAILURE() << zone_name << " \"" << text
                      << "\": " << first_difference(actual, expected, tz);
      }
    }
  }
  const auto leap_day = test::cron("0 0 29 2 *");
  EXPECT_EQ(next_cron_slot(leap_day, test::zone("UTC"), test::utc("2028-01-01T00:00:00"))->at,
            test::utc("2028-02-29T00:00:00"));
}

INSTANTIATE_TEST_SUITE_P(Zones, EngineMatchesOracle, ::testing::ValuesIn(zones),
                         [](const auto& zone_param) {
                           std::string name = zone_param.param;
                           std::replace(name.begin(), name.end(), '/', '_');
                           return name;
                         });

}  // namespace
}  // namespace refreshd::schedule
