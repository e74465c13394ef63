// libFuzzer target: schedule parsing and next-slot computation.
// Any input must parse to a schedule or an error (never crash or hang); for a valid schedule a
// few next slots are computed in a UTC and a DST zone (30-minute shift) and must strictly
// increase, and a non-gap cron slot's local time must match the expression.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <refreshd/schedule/duration.hpp>
#include <refreshd/schedule/schedule.hpp>
#include <refreshd/schedule/zone.hpp>

namespace {

using refreshd::schedule::sys_seconds;

void check(bool ok) {
  if (!ok) {
    __builtin_trap();
  }
}

void walk(const refreshd::schedule::schedule& s, const date::time_zone* zone, sys_seconds start) {
  sys_seconds after = start;
  for (int i = 0; i < 8; ++i) {
    const auto next = refreshd::schedule::next_slot(s, zone, after);
    if (!next) {
      // Only "after" schedules have no wall-clock slots; a parsed cron always fires.
      check(s.kind() == refreshd::schedule::schedule_kind::after);
      return;
    }
    check(next->at > after);
    if (const auto* cron = s.cron();
        cron != nullptr && next->dst != refreshd::schedule::dst_mark::gap) {
      check(refreshd::schedule::cron_matches(*cron, zone->to_local(next->at)));
    }
    after = next->at;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 512) {
    return 0;
  }
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)refreshd::schedule::parse_duration(text);
  const auto parsed = refreshd::schedule::parse_schedule(text);
  if (!parsed) {
    check(!parsed.error().empty());
    return 0;
  }
  static const date::time_zone* const utc = *refreshd::schedule::find_time_zone("UTC");
  static const date::time_zone* const lord_howe =
      *refreshd::schedule::find_time_zone("Australia/Lord_Howe");
  // Just before Lord Howe's 2026-10-04 spring-forward gap, and before its April fall-back.
  const sys_seconds before_gap{std::chrono::seconds{1'791'039'600}};
  const sys_seconds before_repeat{std::chrono::seconds{1'775'307'600}};
  walk(*parsed, utc, before_gap);
  walk(*parsed, lord_howe, before_gap);
  walk(*parsed, lord_howe, before_repeat);
  return 0;
}
