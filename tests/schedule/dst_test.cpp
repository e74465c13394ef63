// The DST rule of docs/SCHEDULES.md at real 2026 transitions (instants checked against date-tz
// below).
#include <gtest/gtest.h>

#include <refreshd/schedule/schedule.hpp>

#include "helpers.hpp"

namespace refreshd::schedule {
namespace {

using test::next_slots;
using test::utc;
using strings = std::vector<std::string>;

struct transition_case {
  const char* zone;
  const char* instant_utc;
  int offset_before_min;
  int offset_after_min;
};

TEST(DstTransitions, AreTheOnesTheTablesBelowAssume) {
  const transition_case cases[] = {
      {"Europe/Berlin", "2026-03-29T01:00:00", 60, 120},
      {"Europe/Berlin", "2026-10-25T01:00:00", 120, 60},
      {"America/New_York", "2026-03-08T07:00:00", -300, -240},
      {"America/New_York", "2026-11-01T06:00:00", -240, -300},
      {"Australia/Lord_Howe", "2026-04-04T15:00:00", 660, 630},
      {"Australia/Lord_Howe", "2026-10-03T15:30:00", 630, 660},
  };
  for (const auto& c : cases) {
    const auto* tz = test::zone(c.zone);
    const auto at = utc(c.instant_utc);
    const auto info = tz->get_info(at);
    EXPECT_EQ(info.begin, at) << c.zone << " " << c.instant_utc;
    EXPECT_EQ(info.offset, std::chrono::minutes{c.offset_after_min}) << c.zone;
    EXPECT_EQ(tz->get_info(at - std::chrono::seconds{1}).offset,
              std::chrono::minutes{c.offset_before_min})
        << c.zone;
  }
}

// --- Spring forward: skipped local times fire once, at the first instant after the gap. ---

TEST(SpringForwardGap, BerlinSkippedSlotFiresAtTheEndOfTheGap) {
  // 2026-03-29: 02:00 CET becomes 03:00 CEST.
  EXPECT_EQ(next_slots("30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00", 3),
            (strings{"2026-03-29T03:00:00+02:00 gap", "2026-03-30T02:30:00+02:00",
                     "2026-03-31T02:30:00+02:00"}));
  EXPECT_EQ(next_slots("0 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00", 1),
            (strings{"2026-03-29T03:00:00+02:00 gap"}));
  // 03:00 itself exists: no mark.
  EXPECT_EQ(next_slots("0 3 * * *", "Europe/Berlin", "2026-03-28T12:00:00", 1),
            (strings{"2026-03-29T03:00:00+02:00"}));
}

TEST(SpringForwardGap, SeveralSkippedSlotsCollapseIntoOneFiring) {
  EXPECT_EQ(next_slots("*/15 * * * *", "Europe/Berlin", "2026-03-29T00:30:00", 4),
            (strings{"2026-03-29T01:45:00+01:00", "2026-03-29T03:00:00+02:00 gap",
                     "2026-03-29T03:15:00+02:00", "2026-03-29T03:30:00+02:00"}));
  EXPECT_EQ(next_slots("15,45 1-3 * * *", "Europe/Berlin", "2026-03-29T00:00:00", 4),
            (strings{"2026-03-29T01:15:00+01:00", "2026-03-29T01:45:00+01:00",
                     "2026-03-29T03:00:00+02:00 gap", "2026-03-29T03:15:00+02:00"}));
  // A skipped slot and a real slot at the gap's end are the same instant: one firing.
  EXPECT_EQ(next_slots("0 2,3 * * *", "Europe/Berlin", "2026-03-28T12:00:00", 2),
            (strings{"2026-03-29T03:00:00+02:00 gap", "2026-03-30T02:00:00+02:00"}));
}

TEST(SpringForwardGap, NewYork) {
  // 2026-03-08: 02:00 EST becomes 03:00 EDT.
  EXPECT_EQ(next_slots("30 2 * * *", "America/New_York", "2026-03-07T12:00:00", 2),
            (strings{"2026-03-08T03:00:00-04:00 gap", "2026-03-09T02:30:00-04:00"}));
  EXPECT_EQ(next_slots("@hourly", "America/New_York", "2026-03-08T05:30:00", 3),
            (strings{"2026-03-08T01:00:00-05:00", "2026-03-08T03:00:00-04:00 gap",
                     "2026-03-08T04:00:00-04:00"}));
}

TEST(SpringForwardGap, LordHoweThirtyMinuteShift) {
  // 2026-10-04: 02:00 +10:30 becomes 02:30 +11:00; only 02:00-02:29 is skipped.
  EXPECT_EQ(next_slots("0 2 * * *", "Australia/Lord_Howe", "2026-10-03T00:00:00", 2),
            (strings{"2026-10-04T02:30:00+11:00 gap", "2026-10-05T02:00:00+11:00"}));
  EXPECT_EQ(next_slots("15 2 * * *", "Australia/Lord_Howe", "2026-10-03T00:00:00", 1),
            (strings{"2026-10-04T02:30:00+11:00 gap"}));
  EXPECT_EQ(next_slots("30 2 * * *", "Australia/Lord_Howe", "2026-10-03T00:00:00", 1),
            (strings{"2026-10-04T02:30:00+11:00"}));
  EXPECT_EQ(next_slots("*/20 * * * *", "Australia/Lord_Howe", "2026-10-03T15:00:00", 3),
            (strings{"2026-10-04T01:40:00+10:30", "2026-10-04T02:30:00+11:00 gap",
                     "2026-10-04T02:40:00+11:00"}));
}

TEST(SpringForwardGap, StartingExactlyAtTheTransitionStillFiresTheGap) {
  // The first instant strictly after 00:59:59Z is the transition instant itself.
  EXPECT_EQ(next_slots("30 2 * * *", "Europe/Berlin", "2026-03-29T00:59:59", 1),
            (strings{"2026-03-29T03:00:00+02:00 gap"}));
  // Once the transition instant has passed, the collapsed slot is gone.
  EXPECT_EQ(next_slots("30 2 * * *", "Europe/Berlin", "2026-03-29T01:00:00", 1),
            (strings{"2026-03-30T02:30:00+02:00"}));
}

// --- Fall back: hour "*" fires in both passes, anything else only at the first occurrence. ---

TEST(FallBackRepeat, BerlinSpecificHourFiresOnlyAtTheFirstOccurrence) {
  // 2026-10-25: 03:00 CEST becomes 02:00 CET; 02:00-02:59 happens twice.
  EXPECT_EQ(next_slots("30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00", 2),
            (strings{"2026-10-25T02:30:00+02:00 repeated", "2026-10-26T02:30:00+01:00"}));
  EXPECT_EQ(next_slots("0,30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00", 3),
            (strings{"2026-10-25T02:00:00+02:00 repeated", "2026-10-25T02:30:00+02:00 repeated",
                     "2026-10-26T02:00:00+01:00"}));
  EXPECT_EQ(next_slots("0 1-3 * * *", "Europe/Berlin", "2026-10-24T12:00:00", 4),
            (strings{"2026-10-25T01:00:00+02:00", "2026-10-25T02:00:00+02:00 repeated",
                     "2026-10-25T03:00:00+01:00", "2026-10-26T01:00:00+01:00"}));
  // Starting inside the second pass: that pass is skipped.
  EXPECT_EQ(next_slots("30 2 * * *", "Europe/Berlin", "2026-10-25T01:10:00", 1),
            (strings{"2026-10-26T02:30:00+01:00"}));
}

TEST(FallBackRepeat, BerlinHourStarFiresInBothPasses) {
  EXPECT_EQ(next_slots("0 * * * *", "Europe/Berlin", "2026-10-24T23:30:00", 4),
            (strings{"2026-10-25T02:00:00+02:00 repeated", "2026-10-25T02:00:00+01:00 repeated",
                     "2026-10-25T03:00:00+01:00", "2026-10-25T04:00:00+01:00"}));
  EXPECT_EQ(next_slots("@hourly", "Europe/Berlin", "2026-10-24T23:30:00", 2),
            (strings{"2026-10-25T02:00:00+02:00 repeated", "2026-10-25T02:00:00+01:00 repeated"}));
  EXPECT_EQ(next_slots("*/30 * * * *", "Europe/Berlin", "2026-10-24T23:45:00", 5),
            (strings{"2026-10-25T02:00:00+02:00 repeated", "2026-10-25T02:30:00+02:00 repeated",
                     "2026-10-25T02:00:00+01:00 repeated", "2026-10-25T02:30:00+01:00 repeated",
                     "2026-10-25T03:00:00+01:00"}));
  // "*/1" is not literally "*": first occurrence only.
  EXPECT_EQ(next_slots("0 */1 * * *", "Europe/Berlin", "2026-10-24T23:30:00", 2),
            (strings{"2026-10-25T02:00:00+02:00 repeated", "2026-10-25T03:00:00+01:00"}));
}

TEST(FallBackRepeat, NewYork) {
  // 2026-11-01: 02:00 EDT becomes 01:00 EST; 01:00-01:59 happens twice.
  EXPECT_EQ(next_slots("30 1 * * *", "America/New_York", "2026-10-31T12:00:00", 2),
            (strings{"2026-11-01T01:30:00-04:00 repeated", "2026-11-02T01:30:00-05:00"}));
  EXPECT_EQ(next_slots("@hourly", "America/New_York", "2026-11-01T04:30:00", 3),
            (strings{"2026-11-01T01:00:00-04:00 repeated", "2026-11-01T01:00:00-05:00 repeated",
                     "2026-11-01T02:00:00-05:00"}));
}

TEST(FallBackRepeat, LordHoweThirtyMinuteShift) {
  // 2026-04-05: 02:00 +11:00 becomes 01:30 +10:30; 01:30-01:59 happens twice.
  EXPECT_EQ(next_slots("45 1 * * *", "Australia/Lord_Howe", "2026-04-04T00:00:00", 2),
            (strings{"2026-04-05T01:45:00+11:00 repeated", "2026-04-06T01:45:00+10:30"}));
  EXPECT_EQ(next_slots("30 1 * * *", "Australia/Lord_Howe", "2026-04-04T00:00:00", 2),
            (strings{"2026-04-05T01:30:00+11:00 repeated", "2026-04-06T01:30:00+10:30"}));
  EXPECT_EQ(next_slots("@hourly", "Australia/Lord_Howe", "2026-04-04T13:30:00", 2),
            (strings{"2026-04-05T01:00:00+11:00", "2026-04-05T02:00:00+10:30"}));
  EXPECT_EQ(next_slots("*/15 * * * *", "Australia/Lord_Howe", "2026-04-04T13:50:00", 7),
            (strings{"2026-04-05T01:00:00+11:00", "2026-04-05T01:15:00+11:00",
                     "2026-04-05T01:30:00+11:00 repeated", "2026-04-05T01:45:00+11:00 repeated",
                     "2026-04-05T01:30:00+10:30 repeated", "2026-04-05T01:45:00+10:30 repeated",
                     "2026-04-05T02:00:00+10:30"}));
}

}  // namespace
}  // namespace refreshd::schedule
