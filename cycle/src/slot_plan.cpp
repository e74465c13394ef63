#include <algorithm>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>

#include <refreshd/config/duration.hpp>
#include <refreshd/cycle/slot_plan.hpp>
#include <refreshd/cycle/target_lag.hpp>
#include <refreshd/schedule/jitter.hpp>
#include <refreshd/schedule/zone.hpp>

namespace refreshd::daemon {
namespace {

using schedule::sys_seconds;
using std::chrono::milliseconds;
using std::chrono::seconds;

sys_seconds floor_s(wall_time t) {
  return std::chrono::floor<seconds>(t);
}

/// The first wall-clock slot strictly after `after` (cron / every only).
wall_time wall_slot_after(const slot_plan& p, wall_time after) {
  auto s = schedule::next_slot(p.sched(), p.rules->zone, floor_s(after));
  if (!s) {
    // A parsed cron expression always fires within 400 years; stay far away rather than fail.
    return after + std::chrono::hours(24 * 365 * 100);
  }
  return s->at;
}

/// The first nominal slot s > previous whose due time (s + known offset) is after `now`.
wall_time first_pending_after(const slot_plan& p, wall_time previous, wall_time now) {
  // Slots with s + offset <= now have passed: start the search at now - offset, but never
  // return a slot at or before `previous`.
  const wall_time threshold = std::max(previous, now - p.known_offset());
  return wall_slot_after(p, threshold);
}

due_slot with_jitter(const slot_plan& p, wall_time nominal, std::uint64_t random_bits) {
  return due_slot{nominal, nominal + firing_jitter(p, random_bits)};
}

/// Slot rules by their timing settings, shared by the plans made from them (make_slot_plan).
/// Expired entries are pruned whenever the table has doubled since the last pruning, so a
/// config with many distinct settings costs amortised O(1) per plan.
struct rules_table {
  using key = std::tuple<std::string, std::string, milliseconds, config::jitter_kind, bool,
                         milliseconds, milliseconds, milliseconds, bool>;
  std::map<key, std::weak_ptr<const slot_rules>, std::less<>> by_key;
  std::size_t pruned_size = 0;
};

std::shared_ptr<const slot_rules> make_rules(const config::collection& c) {
  const auto lag = c.settings->target_lag;
  // target_lag: the plan of "after min_interval" (between triggers); lag_due() times the rest.
  // depends_on: "after min_interval" too (1m when 0), the pace of a held collection's
  // re-checks; upstream_due() times the rest.
  std::string text = c.settings->schedule;
  if (lag.count() > 0) {
    text =
        "after " + config::format_duration(effective_min_interval(lag, c.settings->min_interval));
  } else if (!c.settings->depends_on.empty()) {
    const auto every = c.settings->min_interval.count() > 0
                           ? c.settings->min_interval
                           : config::duration{std::chrono::minutes(1)};
    text = "after " + config::format_duration(every);
  }
  auto parsed = schedule::parse_schedule(text);
  if (!parsed) {
    throw std::invalid_argument("schedule of " + c.name + ": " + parsed.error());
  }
  auto zone = schedule::find_time_zone(c.settings->timezone);
  if (!zone) {
    throw std::invalid_argument("timezone of " + c.name + ": " + zone.error());
  }
  auto r = std::make_shared<slot_rules>();
  r->sched = std::move(parsed).value();
  r->zone = *zone;
  r->jitter = c.settings->jitter;
  r->jitter_mode = c.settings->jitter_mode;
  r->catch_up.enabled = c.settings->catch_up;
  r->catch_up.starting_deadline =
      std::chrono::duration_cast<seconds>(c.settings->starting_deadline);
  r->target_lag = lag;
  r->min_interval = c.settings->min_interval;
  r->upstream_timed = !c.settings->depends_on.empty();
  return r;
}

std::shared_ptr<const slot_rules> shared_rules(const config::collection& c) {
  thread_local rules_table table;
  const timing_settings timing = timing_of(c.settings);
  if (const auto it = table.by_key.find(timing); it != table.by_key.end()) {
    if (auto r = it->second.lock()) {
      return r;
    }
  }
  if (table.by_key.size() >= 2 * table.pruned_size + 64) {
    std::erase_if(table.by_key, [](const auto& entry) { return entry.second.expired(); });
    table.pruned_size = table.by_key.size();
  }
  auto r = make_rules(c);
  table.by_key.insert_or_assign(rules_table::key(timing), r);
  return r;
}

wall_time after_nominal(const slot_plan& p, std::optional<wall_time> last_end, wall_time now) {
  const auto& spec = std::get<schedule::after_spec>(p.sched().spec);
  const wall_time end = last_end.value_or(now);
  return end + std::chrono::duration_cast<milliseconds>(spec.delay);
}

}  // namespace

timing_settings timing_of(const config::collection_settings& s) noexcept {
  // Under target_lag the schedule text (perhaps inherited) plays no part.
  const std::string_view sched = s.target_lag.count() > 0 ? std::string_view() : s.schedule;
  return {sched,         s.timezone,     s.jitter,
          s.jitter_mode, s.catch_up,     s.starting_deadline,
          s.target_lag,  s.min_interval, !s.depends_on.empty()};
}

slot_plan make_slot_plan(std::string_view cluster, const config::collection& c) {
  slot_plan p;
  p.rules = shared_rules(c);
  p.fixed_offset = schedule::fixed_jitter(cluster, *c.database, c.name, c.settings->jitter);
  return p;
}

milliseconds firing_jitter(const slot_plan& p, std::uint64_t random_bits) {
  if (p.rules->jitter_mode == config::jitter_kind::fixed) {
    return p.fixed_offset;
  }
  return schedule::random_jitter(random_bits, p.rules->jitter);
}

due_slot first_slot(const slot_plan& p, wall_time now, std::optional<wall_time> last_end,
                    std::uint64_t random_bits) {
  if (p.is_after()) {
    // Never ran (or its end is unknown): due now, like schedule::next_after_slot.
    const wall_time nominal = last_end ? after_nominal(p, last_end, now) : now;
    return with_jitter(p, nominal, random_bits);
  }
  return with_jitter(p, first_pending_after(p, wall_time::min(), now), random_bits);
}

due_slot next_slot(const slot_plan& p, wall_time previous, wall_time now,
                   std::optional<wall_time> last_end, std::uint64_t random_bits) {
  if (p.is_after()) {
    return with_jitter(p, after_nominal(p, last_end, now), random_bits);
  }
  return with_jitter(p, first_pending_after(p, previous, now), random_bits);
}

int count_passed(const slot_plan& p, wall_time from, wall_time to, int cap) {
  if (p.is_after()) {
    return 0;
  }
  const wall_time limit = to - p.known_offset();
  if (const auto* every = std::get_if<schedule::every_spec>(&p.sched().spec)) {
    // Multiples of the interval in (from, limit]: arithmetic, no iteration.
    const auto step = std::chrono::duration_cast<milliseconds>(every->interval).count();
    auto floor_div = [step](std::int64_t v) {
      return v >= 0 ? v / step : -((-v + step - 1) / step);
    };
    const auto hi = floor_div(limit.time_since_epoch().count());
    const auto lo = floor_div(from.time_since_epoch().count());
    return static_cast<int>(std::clamp<std::int64_t>(hi - lo, 0, cap));
  }
  int n = 0;
  for (wall_time s = wall_slot_after(p, from); s <= limit && n < cap; s = wall_slot_after(p, s)) {
    ++n;
  }
  return n;
}

std::optional<wall_time> catch_up(const slot_plan& p, std::optional<wall_time> last_job_start,
                                  wall_time now) {
  std::optional<sys_seconds> start;
  if (last_job_start) {
    start = floor_s(*last_job_start);
  }
  // A slot whose due time (slot + fixed offset) is still ahead is the regular first slot; the
  // catch-up candidate is the latest slot that is already due.
  auto slot = schedule::catch_up_slot(p.sched(), p.rules->zone, start,
                                      floor_s(now - p.known_offset()), p.rules->catch_up);
  if (!slot) {
    return std::nullopt;
  }
  return wall_time(*slot);
}

}  // namespace refreshd::daemon
