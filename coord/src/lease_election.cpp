#include <refreshd/coord/lease_election.hpp>

namespace refreshd::coord {

election_step next_election_step(const std::optional<lease_observation>& read,
                                 lease_observation& seen, const std::string& me,
                                 std::chrono::seconds lease_duration,
                                 std::chrono::steady_clock::time_point now,
                                 const std::string& now_text) {
  election_step step;
  step.spec.holder = me;
  step.spec.duration_seconds = lease_duration.count();
  step.spec.acquire_time = now_text;
  step.spec.renew_time = now_text;
  if (!read) {
    step.what = election_step::action::create;
    return step;
  }
  const lease_spec& old = read->spec;
  // Expiry is judged by when this candidate saw the record change, never by the holder's
  // renewTime (another machine's clock).
  if (old != seen.spec || seen.observed_at == std::chrono::steady_clock::time_point{}) {
    seen.spec = old;
    seen.observed_at = now;
  }
  seen.resource_version = read->resource_version;
  const bool held_by_me = old.holder == me;
  const auto valid_for = std::chrono::seconds(old.duration_seconds);
  if (!old.holder.empty() && !held_by_me && seen.observed_at + valid_for > now) {
    step.what = election_step::action::wait;
    return step;
  }
  if (held_by_me) {
    step.spec.acquire_time = old.acquire_time;
    step.spec.transitions = old.transitions;
  } else {
    step.spec.transitions = old.transitions + 1;
  }
  step.what = election_step::action::update;
  step.resource_version = read->resource_version;
  return step;
}

lease_spec released(const lease_spec& held, const std::string& now_text) {
  lease_spec s = held;
  s.holder.clear();
  s.duration_seconds = 1;
  s.renew_time = now_text;
  s.acquire_time = now_text;
  return s;
}

}  // namespace refreshd::coord
