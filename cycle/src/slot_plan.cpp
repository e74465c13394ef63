#include <algorithm>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include <refreshd/cycle/slot_plan.hpp>
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
  auto s = schedule::next_slot(*p.sched, p.zone, floor_s(after));
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

/// Parsed schedules by text, shared by the plans that use them (make_slot_plan). Expired
/// entries are pruned whenever the table has doubled since the last pruning, so a config with
/// many distinct schedules costs amortised O(1) per plan.
struct schedule_table {
  std::map<std::string, std::weak_ptr<const schedule::schedule>, std::less<>> by_text;
  std::size_t pruned_size = 0;
};
schedule_table& schedules() {
  thread_local schedule_table table;
  return table;
}

std::shared_ptr<const schedule::schedule> shared_schedule(std::string_view text) {
  auto& table = schedules().by_text;
  const auto it = table.find(text);
  if (it == table.end()) {
    return nullptr;
  }
  auto s = it->second.lock();
  if (!s) {
    table.erase(it);
  }
  return s;
}

std::shared_ptr<const schedule::schedule> share_schedule(std::string_view text,
                                                         schedule::schedule parsed) {
  auto& table = schedules();
  if (table.by_text.size() >= 2 * table.pruned_size + 64) {
    std::erase_if(table.by_text, [](const auto& entry) { return entry.second.expired(); });
    table.pruned_size = table.by_text.size();
  }
  auto s = std::make_shared<const schedule::schedule>(std::move(parsed));
  table.by_text.insert_or_assign(std::string(text), s);
  return s;
}

wall_time after_nominal(const slot_plan& p, std::optional<wall_time> last_end, wall_time now) {
  const auto& spec = std::get<schedule::after_spec>(p.sched->spec);
  const wall_time end = last_end.value_or(now);
  return end + std::chrono::duration_cast<milliseconds>(spec.delay);
}

}  // namespace

slot_plan make_slot_plan(std::string_view cluster, const config::collection& c) {
  slot_plan p;
  p.sched = shared_schedule(c.settings->schedule);
  if (!p.sched) {
    auto parsed = schedule::parse_schedule(c.settings->schedule);
    if (!parsed) {
      throw std::invalid_argument("schedule of " + c.name + ": " + parsed.error());
    }
    p.sched = share_schedule(c.settings->schedule, std::move(parsed).value());
  }
  auto zone = schedule::find_time_zone(c.settings->timezone);
  if (!zone) {
    throw std::invalid_argument("timezone of " + c.name + ": " + zone.error());
  }
  p.zone = *zone;
  p.jitter = c.settings->jitter;
  p.jitter_mode = c.settings->jitter_mode;
  p.fixed_offset = schedule::fixed_jitter(cluster, c.database, c.name, c.settings->jitter);
  p.catch_up.enabled = c.settings->catch_up;
  p.catch_up.starting_deadline = std::chrono::duration_cast<seconds>(c.settings->starting_deadline);
  return p;
}

milliseconds firing_jitter(const slot_plan& p, std::uint64_t random_bits) {
  if (p.jitter_mode == config::jitter_kind::fixed) {
    return p.fixed_offset;
  }
  return schedule::random_jitter(random_bits, p.jitter);
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
  if (const auto* every = std::get_if<schedule::every_spec>(&p.sched->spec)) {
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
  auto slot =
      schedule::catch_up_slot(*p.sched, p.zone, start, floor_s(now - p.known_offset()), p.catch_up);
  if (!slot) {
    return std::nullopt;
  }
  return wall_time(*slot);
}

}  // namespace refreshd::daemon
