#include <gtest/gtest.h>

#include <refreshd/schedule/schedule.hpp>
#include <refreshd/schedule/zone.hpp>

#include "helpers.hpp"

namespace refreshd::schedule {
namespace {

using std::chrono::seconds;
using test::next_slots;
using test::utc;
using strings = std::vector<std::string>;

TEST(NextCronSlot, ReturnsSlotsStrictlyAfterTheGivenInstant) {
  EXPECT_EQ(next_slots("*/15 * * * *", "UTC", "2026-11-22T10:00:00", 3),
            (strings{"2026-11-22T10:15:00+00:00", "2026-11-22T10:30:00+00:00",
                     "2026-11-22T10:45:00+00:00"}));
  EXPECT_EQ(next_slots("*/15 * * * *", "UTC", "2026-11-22T10:14:59", 1),
            (strings{"2026-11-22T10:15:00+00:00"}));
  EXPECT_EQ(next_slots("0 12 * * 1-5", "UTC", "2026-01-02T12:00:00", 2),
            (strings{"2026-01-05T12:00:00+00:00", "2026-01-06T12:00:00+00:00"}));
  EXPECT_EQ(next_slots("0 0 29 2 *", "UTC", "2026-01-01T00:00:00", 2),
            (strings{"2028-02-29T00:00:00+00:00", "2032-02-29T00:00:00+00:00"}));
  EXPECT_EQ(next_slots("@yearly", "UTC", "2026-06-01T00:00:00", 1),
            (strings{"2027-01-01T00:00:00+00:00"}));
}

TEST(NextCronSlot, EvaluatesInTheCollectionsZone) {
  // 09:00 in Berlin (CET, +01:00) is 08:00 UTC; in New York (EST) it is 14:00 UTC.
  EXPECT_EQ(next_slots("0 9 * * *", "Europe/Berlin", "2026-01-10T00:00:00", 1),
            (strings{"2026-01-10T09:00:00+01:00"}));
  EXPECT_EQ(next_slots("0 9 * * *", "America/New_York", "2026-01-10T13:59:59", 2),
            (strings{"2026-01-10T09:00:00-05:00", "2026-01-11T09:00:00-05:00"}));
  EXPECT_EQ(next_slots("0 0 1 * *", "Australia/Lord_Howe", "2026-01-01T00:00:00", 1),
            (strings{"2026-02-01T00:00:00+11:00"}));
  const auto slot = next_cron_slot(test::cron("0 9 * * *"), test::zone("Europe/Berlin"),
                                   utc("2026-07-01T00:00:00"));
  ASSERT_TRUE(slot);
  EXPECT_EQ(slot->at, utc("2026-07-01T07:00:00"));
  EXPECT_EQ(slot->dst, dst_mark::none);
}

TEST(NextEverySlot, AlignsToMultiplesOfTheIntervalSinceTheEpoch) {
  const every_spec every_15m{seconds{900}};
  EXPECT_EQ(next_every_slot(every_15m, utc("2026-11-22T10:00:00")), utc("2026-11-22T10:15:00"));
  EXPECT_EQ(next_every_slot(every_15m, utc("2026-11-22T10:14:59")), utc("2026-11-22T10:15:00"));
  const every_spec every_7s{seconds{7}};
  EXPECT_EQ(next_every_slot(every_7s, sys_seconds{seconds{0}}), sys_seconds{seconds{7}});
  EXPECT_EQ(next_every_slot(every_7s, sys_seconds{seconds{-1}}), sys_seconds{seconds{0}});
  EXPECT_EQ(next_every_slot(every_7s, sys_seconds{seconds{-7}}), sys_seconds{seconds{0}});
  EXPECT_EQ(next_every_slot(every_7s, sys_seconds{seconds{-8}}), sys_seconds{seconds{-7}});
  // 1h30m slots are not aligned to the hour: 1970-01-01T00:00 + k * 90 min.
  const every_spec every_90m{seconds{5400}};
  EXPECT_EQ(next_every_slot(every_90m, utc("2026-01-01T00:00:00")), utc("2026-01-01T01:30:00"));
}

TEST(NextEverySlot, ShiftsEverySlotByTheFixedOffset) {
  const every_spec every_15m{seconds{900}};
  EXPECT_EQ(next_every_slot(every_15m, utc("2026-11-22T10:00:00"), seconds{100}),
            utc("2026-11-22T10:01:40"));
  EXPECT_EQ(next_every_slot(every_15m, utc("2026-11-22T10:01:40"), seconds{100}),
            utc("2026-11-22T10:16:40"));
  // An offset larger than the interval only shifts the same grid.
  EXPECT_EQ(next_every_slot(every_15m, utc("2026-11-22T10:00:00"), seconds{1000}),
            utc("2026-11-22T10:01:40"));
}

TEST(NextAfterSlot, IsTheDelayAfterTheLastEndOrNowWhenUnknown) {
  const after_spec after_6h{seconds{6 * 3600}};
  const auto now = utc("2026-05-01T12:00:00");
  EXPECT_EQ(next_after_slot(after_6h, utc("2026-05-01T10:00:00"), now), utc("2026-05-01T16:00:00"));
  // Long overdue: the result is in the past, i.e. due immediately.
  EXPECT_EQ(next_after_slot(after_6h, utc("2026-04-01T00:00:00"), now), utc("2026-04-01T06:00:00"));
  EXPECT_EQ(next_after_slot(after_6h, std::nullopt, now), now);
}

TEST(NextSlot, DispatchesOnTheScheduleKind) {
  const auto* berlin = test::zone("Europe/Berlin");
  const auto after = utc("2026-01-10T00:00:00");
  const auto cron = parse_schedule("0 9 * * *");
  ASSERT_TRUE(cron.ok());
  EXPECT_EQ(next_slot(*cron, berlin, after), (slot{utc("2026-01-10T08:00:00"), dst_mark::none}));
  // every is UTC-aligned whatever the zone.
  const auto every = parse_schedule("every 1h");
  ASSERT_TRUE(every.ok());
  EXPECT_EQ(next_slot(*every, berlin, after), (slot{utc("2026-01-10T01:00:00"), dst_mark::none}));
  EXPECT_EQ(next_slot(*every, nullptr, after), (slot{utc("2026-01-10T01:00:00"), dst_mark::none}));
  const auto after_2h = parse_schedule("after 2h");
  ASSERT_TRUE(after_2h.ok());
  EXPECT_FALSE(next_slot(*after_2h, berlin, after));
}

TEST(UpcomingSlots, ListsTheNextRunsWithTheirDstMarks) {
  const auto* berlin = test::zone("Europe/Berlin");
  const auto s = parse_schedule("30 2 * * *");
  ASSERT_TRUE(s.ok());
  const auto slots = upcoming_slots(*s, berlin, utc("2026-03-28T12:00:00"), 2);
  ASSERT_EQ(slots.size(), 2U);
  EXPECT_EQ(test::describe(slots[0], berlin), "2026-03-29T03:00:00+02:00 gap");
  EXPECT_EQ(test::describe(slots[1], berlin), "2026-03-30T02:30:00+02:00");
  const auto every = parse_schedule("every 10m");
  ASSERT_TRUE(every.ok());
  EXPECT_EQ(upcoming_slots(*every, berlin, utc("2026-03-28T12:00:00"), 3).size(), 3U);
  EXPECT_TRUE(upcoming_slots(*every, berlin, utc("2026-03-28T12:00:00"), 0).empty());
  const auto after = parse_schedule("after 1h");
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(upcoming_slots(*after, berlin, utc("2026-03-28T12:00:00"), 5).empty());
}

TEST(DstMark, HasStableNames) {
  EXPECT_EQ(to_string(dst_mark::none), "none");
  EXPECT_EQ(to_string(dst_mark::gap), "dst-gap");
  EXPECT_EQ(to_string(dst_mark::repeated), "dst-repeated");
}

TEST(FindTimeZone, FindsIanaNamesAndRejectsOthers) {
  const auto berlin = find_time_zone("Europe/Berlin");
  ASSERT_TRUE(berlin.ok()) << berlin.error();
  EXPECT_EQ((*berlin)->name(), "Europe/Berlin");
  EXPECT_TRUE(find_time_zone("UTC").ok());
  const auto bad = find_time_zone("Europe/Berln");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(
      bad.error(),
      "unknown time zone \"Europe/Berln\" (expected an IANA name such as Europe/Berlin or UTC)");
  const auto empty = find_time_zone("");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error(),
            "empty time zone name (expected an IANA name such as Europe/Berlin or UTC)");
}

TEST(FormatRfc3339, PrintsLocalTimeWithTheZonesOffset) {
  EXPECT_EQ(format_rfc3339(utc("2026-11-22T10:15:00"), test::zone("UTC")),
            "2026-11-22T10:15:00+00:00");
  EXPECT_EQ(format_rfc3339(utc("2026-03-29T01:00:00"), test::zone("Europe/Berlin")),
            "2026-03-29T03:00:00+02:00");
  EXPECT_EQ(format_rfc3339(utc("2026-07-01T00:00:00"), test::zone("Australia/Lord_Howe")),
            "2026-07-01T10:30:00+10:30");
  EXPECT_EQ(format_rfc3339(utc("2026-07-01T00:00:00"), test::zone("America/New_York")),
            "2026-06-30T20:00:00-04:00");
}

}  // namespace
}  // namespace refreshd::schedule
