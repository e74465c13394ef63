#include <gtest/gtest.h>

#include <refreshd/schedule/catch_up.hpp>

#include "helpers.hpp"

namespace refreshd::schedule {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using test::utc;

struct catch_up_case {
  const char* schedule;
  const char* zone;
  const char* last_start;  // nullptr: no job known
  const char* now;
  int deadline_minutes;
  bool enabled;
  const char* expected;  // nullptr: no catch-up
};

TEST(CatchUpSlot, RunsTheLatestSlotMissedWithinTheWindow) {
  const catch_up_case cases[] = {
      // Window (max(last start, now - deadline), now].
      {"*/15 * * * *", "UTC", "2026-05-01T09:40:00", "2026-05-01T10:07:00", 60, true,
       "2026-05-01T10:00:00"},
      {"*/15 * * * *", "UTC", "2026-05-01T10:00:00", "2026-05-01T10:07:00", 60, true, nullptr},
      {"*/15 * * * *", "UTC", "2026-05-01T09:59:59", "2026-05-01T10:07:00", 60, true,
       "2026-05-01T10:00:00"},
      {"*/15 * * * *", "UTC", nullptr, "2026-05-01T10:07:00", 5, true, nullptr},
      {"*/15 * * * *", "UTC", nullptr, "2026-05-01T10:07:00", 10, true, "2026-05-01T10:00:00"},
      {"*/15 * * * *", "UTC", nullptr, "2026-05-01T10:07:00", 7, true, nullptr},  // 10:00 excluded
      {"*/15 * * * *", "UTC", nullptr, "2026-05-01T10:00:00", 1, true, "2026-05-01T10:00:00"},
      {"*/15 * * * *", "UTC", "2026-05-01T09:00:00", "2026-05-01T10:07:00", 60, false, nullptr},
      {"*/15 * * * *", "UTC", "2026-05-01T11:00:00", "2026-05-01T10:07:00", 60, true, nullptr},
      {"*/15 * * * *", "UTC", "2026-05-01T09:00:00", "2026-05-01T10:07:00", 0, true, nullptr},
      {"0 3 * * *", "UTC", "2026-04-30T03:00:05", "2026-05-01T09:00:00", 24 * 60, true,
       "2026-05-01T03:00:00"},
      {"0 3 * * *", "UTC", "2026-05-01T03:00:05", "2026-05-01T09:00:00", 24 * 60, true, nullptr},
      {"0 9 * * *", "Europe/Berlin", nullptr, "2026-05-01T07:30:00", 60, true,
       "2026-05-01T07:00:00"},
      {"0 9 * * *", "America/New_York", nullptr, "2026-05-01T07:30:00", 60, true, nullptr},
      // A slot moved by a DST gap is caught up at its real instant.
      {"30 2 * * *", "Europe/Berlin", nullptr, "2026-03-29T01:05:00", 60, true,
       "2026-03-29T01:00:00"},
      {"every 1h", "UTC", "2026-05-01T08:30:00", "2026-05-01T10:07:00", 60, true,
       "2026-05-01T10:00:00"},
      {"every 1h", "UTC", nullptr, "2026-05-01T10:07:00", 5, true, nullptr},
      {"every 1h", "UTC", "2026-05-01T10:00:00", "2026-05-01T10:07:00", 60, true, nullptr},
      {"every 1h", "UTC", nullptr, "2026-05-01T10:00:00", 1, true, "2026-05-01T10:00:00"},
      {"every 15m", "UTC", nullptr, "2026-05-01T10:07:00", 120, true, "2026-05-01T10:00:00"},
      {"after 1h", "UTC", "2026-05-01T08:00:00", "2026-05-01T10:07:00", 60, true, nullptr},
  };
  for (const auto& c : cases) {
    const auto s = parse_schedule(c.schedule);
    ASSERT_TRUE(s.ok()) << s.error();
    std::optional<sys_seconds> last;
    if (c.last_start != nullptr) {
      last = utc(c.last_start);
    }
    const catch_up_policy policy{c.enabled, minutes{c.deadline_minutes}};
    const auto got = catch_up_slot(*s, test::zone(c.zone), last, utc(c.now), policy);
    const std::string label = std::string(c.schedule) + " now " + c.now;
    if (c.expected == nullptr) {
      EXPECT_FALSE(got) << label << " got " << date::format("%FT%T", *got);
    } else {
      ASSERT_TRUE(got) << label;
      EXPECT_EQ(*got, utc(c.expected)) << label;
    }
  }
}

}  // namespace
}  // namespace refreshd::schedule
