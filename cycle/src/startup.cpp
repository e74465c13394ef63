// Startup decisions and the spreading rule (startup.hpp).
#include <algorithm>

#include <refreshd/cycle/startup.hpp>

namespace refreshd::daemon {

run_spreader::run_spreader(wall_time from, std::chrono::milliseconds spacing,
                           std::chrono::milliseconds window, std::size_t count)
    : from_(from), spacing_(spacing) {
  if (count > 0) {
    spacing_ = std::min(spacing, window / static_cast<std::chrono::milliseconds::rep>(count));
  }
}

wall_time run_spreader::peek(wall_time not_before) const {
  return std::max(not_before, from_ + spacing_ * taken_);
}

wall_time run_spreader::take(wall_time not_before) {
  const wall_time at = peek(not_before);
  ++taken_;
  return at;
}

startup_decision decide_startup(const slot_plan& plan, std::string_view collection,
                                const std::vector<client::job_info>& jobs, wall_time now,
                                run_spreader& spread, std::uint64_t random_bits) {
  startup_decision d;
  const client::job_info* newest = nullptr;
  bool active = false;
  for (const auto& j : jobs) {
    if (!j.collection_name.empty() && j.collection_name != collection) {
      continue;
    }
    newest = newest != nullptr ? newest : &j;
    active = active || !client::is_terminal(j.state);
  }
  if (newest != nullptr) {
    d.newest = snapshot_of(*newest);
  }
  if (active) {
    d.what = startup_decision::action::adopt;
    return d;
  }
  const std::optional<wall_time> last_start = d.newest ? d.newest->start : std::nullopt;
  const std::optional<wall_time> last_end = d.newest ? d.newest->end : std::nullopt;
  d.slot = first_slot(plan, now, last_end, random_bits);
  if (auto missed = catch_up(plan, last_start, now)) {
    const wall_time due = spread.peek(now);
    if (due < d.slot.due) {
      spread.take(now);
      d.what = startup_decision::action::catch_up;
      d.slot = due_slot{*missed, due};
      return d;
    }
  }
  if (plan.is_after() && d.slot.due <= now) {
    d.slot.due = spread.take(now);
  }
  d.what = startup_decision::action::schedule;
  return d;
}

}  // namespace refreshd::daemon
