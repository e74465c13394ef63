// The refresh cycle: what a successful list means for each reason to list (docs/CYCLE.md steps 1,
// 3, 4, 5 and a job that vanished while polled), adoption, and the trigger itself.
#include <algorithm>

#include <refreshd/cycle/cycle.hpp>

namespace refreshd::daemon {

namespace {

using client::job_info;
using std::chrono::milliseconds;

// Ids of recent jobs remembered to tell "a job of our attempt" from older ones; a few are
// plenty (it holds only jobs started within the clock-skew allowance before the attempt).
constexpr std::size_t max_baseline = 64;

bool newer(const job_info* candidate, const job_info* best) {
  return best == nullptr || candidate->start_time_ms > best->start_time_ms;
}

}  // namespace

struct refresh_cycle::list_view {
  const job_info* ours = nullptr;    // the job being tracked, if listed
  const job_info* active = nullptr;  // newest non-terminal job of the collection
  const job_info* fresh = nullptr;   // newest terminal job that started after our attempt
  const job_info* newest = nullptr;  // newest job of the collection
};

refresh_cycle::list_view refresh_cycle::make_view(const std::vector<job_info>& jobs) const {
  list_view v;
  const std::int64_t since_ms = (attempt_.wall - params_.clock_skew).time_since_epoch().count();
  for (const job_info& j : jobs) {
    // Servers that ignore the collection filter return every collection's jobs.
    if (j.collection_name != target_.collection) {
      continue;
    }
    if (newer(&j, v.newest)) {
      v.newest = &j;
    }
    if (job_ && j.id == job_->id) {
      v.ours = &j;
    }
    if (!client::is_terminal(j.state)) {  // unknown states may be active: never ignore them
      if (newer(&j, v.active)) {
        v.active = &j;
      }
      continue;
    }
    const bool in_baseline =
        std::find(baseline_.begin(), baseline_.end(), j.id.value) != baseline_.end();
    if (has_attempt_ && !in_baseline && j.start_time_ms >= since_ms && newer(&j, v.fresh)) {
      v.fresh = &j;
    }
  }
  return v;
}

cycle_action refresh_cycle::handle_list(const std::vector<job_info>& jobs, const instant& now) {
  const list_view v = make_view(jobs);
  switch (purpose_) {
    case list_purpose::initial:
      if (v.active != nullptr) {
        return adopt(
            now, *v.active,
            mode_ == cycle_mode::observe ? adopt_reason::observed : adopt_reason::already_running);
      }
      if (mode_ == cycle_mode::observe) {
        return observe_idle(now, jobs);
      }
      return trigger(jobs, now);
    case list_purpose::after_duplicate:
      return after_duplicate(v, now);
    case list_purpose::after_ambiguous:
      return after_ambiguous(v, now);
    case list_purpose::after_lost:
      return after_lost(v, now, jobs);
    case list_purpose::vanished:
      return after_vanished(v, now);
  }
  return trigger(jobs, now);  // unreachable
}

cycle_action refresh_cycle::observe_idle(const instant& now, const std::vector<job_info>& jobs) {
  const list_view v = make_view(jobs);
  if (v.newest != nullptr) {
    job_ = snapshot_of(*v.newest);
  }
  error_streak_ = 0;
  return finish(now, outcome_kind::idle, std::nullopt, {});
}

cycle_action refresh_cycle::trigger(const std::vector<job_info>& jobs, const instant& now) {
  // Only reached from a successful list with no active job of the collection (the invariant).
  baseline_.clear();
  const std::int64_t since_ms = (now.wall - params_.clock_skew).time_since_epoch().count();
  for (const job_info& j : jobs) {
    if (j.collection_name == target_.collection && j.start_time_ms >= since_ms &&
        baseline_.size() < max_baseline) {
      baseline_.push_back(j.id.value);
    }
  }
  attempt_ = now;
  has_attempt_ = true;
  phase_ = cycle_phase::triggering;
  return refresh_action{target_};
}

void refresh_cycle::start_tracking(const instant& now, const job_info& j) {
  job_.reset();
  job_seen_ = false;
  poll_ = {};
  poll_.origin = now.steady;
  if (j.start_time_ms > 0) {
    const wall_time start{milliseconds(j.start_time_ms)};
    poll_.origin = now.steady - std::max(milliseconds::zero(), now.wall - start);
  }
  describe_errors_ = 0;
  stuck_.reset();
  tracked_since_ = now.steady;
}

cycle_action refresh_cycle::adopt(const instant& now, const job_info& j, adopt_reason why) {
  start_tracking(now, j);
  error_streak_ = 0;
  std::optional<wall_time> attempt_at;
  if (why == adopt_reason::ambiguous) {
    attempt_at = attempt_.wall;
  }
  events_.push_back(events::adopted{snapshot_of(j), why, attempt_at});
  return observe_job(now, j, false);
}

cycle_action refresh_cycle::after_duplicate(const list_view& v, const instant& now) {
  if (v.active != nullptr) {
    return adopt(now, *v.active, adopt_reason::duplicate);
  }
  if (v.fresh != nullptr) {  // the other actor's job ended between its check and our list
    return adopt(now, *v.fresh, adopt_reason::duplicate);
  }
  // The server says "in progress" but lists nothing: retry once after a backoff, then give up.
  ++error_streak_;
  if (++dup_without_job_ > 1) {
    return finish(now, outcome_kind::gave_up, last_refresh_error_,
                  "the server rejects the refresh as a duplicate but lists no job of the "
                  "collection: " +
                      client::describe_error(*last_refresh_error_));
  }
  return retry_after_error(now, *last_refresh_error_, list_purpose::initial,
                           retry_cause::duplicate_without_job);
}

cycle_action refresh_cycle::after_ambiguous(const list_view& v, const instant& now) {
  if (v.active != nullptr) {
    return adopt(now, *v.active, adopt_reason::ambiguous);
  }
  if (v.fresh != nullptr) {
    return adopt(now, *v.fresh, adopt_reason::ambiguous);
  }
  // The attempt left no trace: it did not reach the server. Re-trigger after a backoff (the
  // next list comes first, as always).
  return retry_after_error(now, *last_refresh_error_, list_purpose::initial);
}

cycle_action refresh_cycle::after_lost(const list_view& v, const instant& now,
                                       const std::vector<job_info>& jobs) {
  if (v.ours != nullptr) {  // it exists after all (describe lagged behind)
    return observe_job(now, *v.ours, true);
  }
  if (v.active != nullptr) {
    return adopt(now, *v.active, adopt_reason::dropped_trigger);
  }
  if (v.fresh != nullptr) {
    return adopt(now, *v.fresh, adopt_reason::dropped_trigger);
  }
  const client::job_id lost = job_->id;
  if (!resent_) {
    resent_ = true;
    resending_ = true;
    events_.push_back(events::trigger_lost{lost, true});
    return trigger(jobs, now);
  }
  events_.push_back(events::trigger_lost{lost, false});
  job_.reset();
  return finish(now, outcome_kind::gave_up, std::nullopt,
                "the server dropped two triggers in a row (job " + std::to_string(lost.value) +
                    " not found, no job listed)");
}

cycle_action refresh_cycle::after_vanished(const list_view& v, const instant& now) {
  if (v.ours != nullptr) {
    return observe_job(now, *v.ours, true);
  }
  if (v.active != nullptr) {
    return adopt(now, *v.active, adopt_reason::replaced);
  }
  const client::job_id lost = job_->id;
  events_.push_back(events::job_lost{lost, now.wall});
  ++failed_jobs_;
  return retry_job(
      now, "job " + std::to_string(lost.value) + " disappeared from the server before it finished",
      retry_cause::job_lost);
}

}  // namespace refreshd::daemon
