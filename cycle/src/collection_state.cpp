#include <algorithm>
#include <cstdint>

#include <refreshd/cycle/collection_state.hpp>

#include "overloaded.hpp"

namespace refreshd::daemon {

namespace {

using detail::overloaded;

void set_status(collection_state& s, status st) {
  if (!s.suspended && !s.paused) {
    s.current = st;
  }
}

bool is_error_status(status st) {
  return st == status::misconfigured || st == status::unsupported || st == status::auth_failed;
}

void on_failure(collection_state& s, const job_snapshot& j, wall_time at, std::string reason) {
  s.job = j;
  s.last_failure = j.end.value_or(at);
  s.last_failure_reason = std::move(reason);
  ++s.consecutive_failures;
  s.message.clear();
  set_status(s, status::failing);
}

}  // namespace

std::string_view to_string(status s) noexcept {
  switch (s) {
    case status::idle:
      return "idle";
    case status::running:
      return "running";
    case status::stuck:
      return "stuck";
    case status::failing:
      return "failing";
    case status::misconfigured:
      return "misconfigured";
    case status::unsupported:
      return "unsupported";
    case status::auth_failed:
      return "auth_failed";
    case status::suspended:
      return "suspended";
    case status::paused:
      return "paused";
  }
  return "unknown";
}

std::string_view to_string(skip_reason r) noexcept {
  switch (r) {
    case skip_reason::already_running:
      return "already_running";
    case skip_reason::suspended:
      return "suspended";
    case skip_reason::limit:
      return "limit";
  }
  return "unknown";
}

namespace {

void on_adopted(collection_state& s, const events::adopted& a) {
  s.job = a.job;
  if (a.reason == adopt_reason::already_running || a.reason == adopt_reason::duplicate) {
    ++s.counters.skipped.already_running;
  }
  if (a.reason == adopt_reason::ambiguous) {
    ++s.counters.triggers;
    s.last_trigger = a.attempt_at;
  }
  set_status(s, status::running);
}

void on_completed(collection_state& s, const events::completed& c) {
  s.job = c.job;
  s.last_success = c.job.end.value_or(c.at);
  ++s.counters.finished.completed;
  if (c.duration) {
    s.last_job_duration = c.duration;
  }
  s.consecutive_failures = 0;
  s.message.clear();
  set_status(s, status::idle);
}

}  // namespace

std::string_view to_string(ready_stage r) noexcept {
  switch (r) {
    case ready_stage::indexing:
      return "indexing";
    case ready_stage::loading:
      return "loading";
    case ready_stage::degraded:
      return "degraded";
    case ready_stage::none:
      break;
  }
  return "none";
}

void hold_for_servability(collection_state& s, maybe_time previous) {
  s.last_success = previous;
  s.ready = ready_stage::indexing;
  s.ready_progress = 0;
  set_status(s, status::running);
}

void mark_servable(collection_state& s, wall_time at, bool degraded) {
  s.last_success = degraded && s.job && s.job->end ? *s.job->end : at;
  s.ready = degraded ? ready_stage::degraded : ready_stage::none;
  s.ready_progress = 0;
  set_status(s, status::idle);
}

void release_servability(collection_state& s) {
  s.ready = ready_stage::none;
  s.ready_progress = 0;
  set_status(s, status::idle);
}

void mark_not_servable(collection_state& s, wall_time at, const std::string& reason) {
  s.ready = ready_stage::none;
  s.ready_progress = 0;
  s.last_failure = at;
  s.last_failure_reason = reason;
  ++s.consecutive_failures;
  set_status(s, status::failing);
}

void apply(collection_state& s, const cycle_event& e) {
  std::visit(overloaded{
                 [&](const events::triggered& t) {
                   job_snapshot j;
                   j.id = t.id;
                   j.state = client::job_state::pending;
                   s.job = j;
                   ++s.counters.triggers;
                   s.last_trigger = t.at;
                   set_status(s, status::running);
                 },
                 [&](const events::adopted& a) { on_adopted(s, a); },
                 [&](const events::trigger_lost&) { ++s.counters.triggers_lost; },
                 [&](const events::job_progress& p) {
                   s.job = p.job;
                   if (s.current == status::idle) {
                     set_status(s, status::running);
                   }
                 },
                 [&](const events::stuck& st) {
                   s.job = st.job;
                   set_status(s, status::stuck);
                 },
                 [&](const events::unstuck& u) {
                   s.job = u.job;
                   set_status(s, status::running);
                 },
                 [&](const events::completed& c) { on_completed(s, c); },
                 [&](const events::failed& f) {
                   ++s.counters.finished.failed;
                   if (f.duration) {
                     s.last_job_duration = f.duration;
                   }
                   on_failure(s, f.job, f.at, f.reason);
                 },
                 [&](const events::job_lost& l) {
                   job_snapshot j = s.job.value_or(job_snapshot{});
                   j.id = l.id;
                   on_failure(s, j, l.at,
                              "job " + std::to_string(l.id.value) +
                                  " disappeared from the server before it finished");
                 },
                 [](const events::retry_scheduled&) {},
                 [](const events::api_failure&) {},
             },
             e);
}

void apply(collection_state& s, const cycle_outcome& o) {
  if (o.kind != outcome_kind::idle) {
    if (o.job) {
      s.job = o.job;
    } else if (s.job && !client::is_terminal(s.job->state)) {
      s.job.reset();  // e.g. a trigger the server dropped: there is no such job to show
    }
  }
  switch (o.kind) {
    case outcome_kind::misconfigured:
      s.message = o.message;
      set_status(s, status::misconfigured);
      return;
    case outcome_kind::unsupported:
      s.message = o.message;
      set_status(s, status::unsupported);
      return;
    case outcome_kind::auth_failed:
      s.message = o.message;
      set_status(s, status::auth_failed);
      return;
    case outcome_kind::gave_up:
      s.message = o.message;
      set_status(s, status::failing);
      return;
    case outcome_kind::idle:
      if (o.job) {
        if (!s.job) {
          s.job = o.job;
        }
        if (o.job->state == client::job_state::completed && !s.last_success) {
          s.last_success = o.job->end;
        }
        if (o.job->state == client::job_state::failed && !s.last_failure) {
          s.last_failure = o.job->end;
          s.last_failure_reason = o.job->reason;
        }
      }
      break;
    case outcome_kind::completed:
    case outcome_kind::failed:
      break;
  }
  if (is_error_status(s.current)) {
    s.message.clear();
    set_status(s, s.consecutive_failures > 0 ? status::failing : status::idle);
  }
}

void record_skip(collection_state& s, skip_reason r, int slots) {
  count_skip(s.counters, r, slots);
}

void add_difference(counter_sums& sum, const collection_counters& before,
                    const collection_counters& after) {
  // Counters only grow; a difference below zero (never expected) adds nothing.
  const auto add = [](std::uint64_t& to, std::uint32_t b, std::uint32_t a) {
    to += a > b ? a - b : 0;
  };
  add(sum.triggers, before.triggers, after.triggers);
  add(sum.triggers_lost, before.triggers_lost, after.triggers_lost);
  add(sum.skipped.already_running, before.skipped.already_running, after.skipped.already_running);
  add(sum.skipped.suspended, before.skipped.suspended, after.skipped.suspended);
  add(sum.skipped.limit, before.skipped.limit, after.skipped.limit);
  add(sum.finished.completed, before.finished.completed, after.finished.completed);
  add(sum.finished.failed, before.finished.failed, after.finished.failed);
}

namespace {

/// The status the job and the failures say, once neither suspended nor paused overrides it.
void restore_status(collection_state& s) {
  if (s.paused) {
    s.current = status::paused;
  } else if (s.job && !client::is_terminal(s.job->state)) {
    s.current = status::running;
  } else {
    s.current = s.consecutive_failures > 0 ? status::failing : status::idle;
  }
}

}  // namespace

void set_suspended(collection_state& s, bool suspended) {
  if (suspended) {
    s.suspended = true;
    s.current = status::suspended;
    return;
  }
  if (!s.suspended) {
    return;
  }
  s.suspended = false;
  restore_status(s);
}

void set_paused(collection_state& s, bool paused) {
  if (paused == s.paused) {
    return;
  }
  s.paused = paused;
  if (s.suspended) {
    return;  // suspended stays shown; the flag decides after a resume of the config
  }
  if (paused) {
    s.current = status::paused;
  } else {
    restore_status(s);
  }
}

}  // namespace refreshd::daemon
