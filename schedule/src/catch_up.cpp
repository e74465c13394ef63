#include <algorithm>

#include <refreshd/schedule/catch_up.hpp>

namespace refreshd::schedule {

std::optional<sys_seconds> catch_up_slot(const schedule& s, const date::time_zone* zone,
                                         std::optional<sys_seconds> last_job_start, sys_seconds now,
                                         const catch_up_policy& policy) {
  if (!policy.enabled || s.kind() == schedule_kind::after) {
    return std::nullopt;
  }
  sys_seconds lower = now - policy.starting_deadline;
  if (last_job_start) {
    lower = std::max(lower, *last_job_start);
  }
  if (lower >= now) {
    return std::nullopt;
  }
  if (const auto* every = std::get_if<every_spec>(&s.spec)) {
    // The latest multiple of the interval at or before now.
    const sys_seconds latest = next_every_slot(*every, now) - every->interval;
    return latest > lower ? std::optional{latest} : std::nullopt;
  }
  auto found = next_slot(s, zone, lower);
  if (!found || found->at > now) {
    return std::nullopt;
  }
  for (auto later = next_slot(s, zone, found->at); later && later->at <= now;
       later = next_slot(s, zone, later->at)) {
    found = later;
  }
  return found->at;
}

}  // namespace refreshd::schedule
