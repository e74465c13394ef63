// The refresh cycle: inputs, errors, polling, outcomes. List handling is in cycle_list.cpp.
#include <algorithm>
#include <stdexcept>

#include <refreshd/cycle/cycle.hpp>

#include "backoff.hpp"

namespace refreshd::daemon {

namespace {

using client::error_class;
using client::job_state;
using std::chrono::milliseconds;

bool is_fatal(error_class c) noexcept {
  switch (c) {
    case error_class::unsupported:
    case error_class::unauthenticated:
    case error_class::not_found:
    case error_class::no_source:
    case error_class::invalid:
      return true;
    default:
      return false;
  }
}

using detail::backoff;

const char* phase_name(cycle_phase p) noexcept {
  switch (p) {
    case cycle_phase::idle:
      return "idle";
    case cycle_phase::listing:
      return "listing";
    case cycle_phase::triggering:
      return "triggering";
    case cycle_phase::describing:
      return "describing";
    case cycle_phase::waiting:
      return "waiting";
    case cycle_phase::finished:
      return "finished";
  }
  return "?";
}

}  // namespace

refresh_cycle::refresh_cycle(client::refresh_request target, cycle_params params,
                             std::uint64_t seed)
    : target_(std::move(target)), params_(params), rng_(seed) {}

refresh_cycle::refresh_cycle(client::refresh_request target, cycle_params params,
                             const cycle_memory& m)
    : target_(std::move(target)),
      params_(params),
      rng_(m.rng),
      error_streak_(m.error_streak),
      failed_cycles_(m.failed_cycles) {}

void refresh_cycle::expect(cycle_phase p, const char* input) const {
  if (phase_ != p) {
    throw std::logic_error(std::string("refresh_cycle: ") + input + " called while " +
                           phase_name(phase_));
  }
}

cycle_step refresh_cycle::take(cycle_action a) {
  cycle_step s{std::move(a), std::move(events_)};
  events_.clear();
  return s;
}

std::uint64_t refresh_cycle::next_random() {
  // splitmix64: tiny, deterministic for a given seed.
  std::uint64_t z = (rng_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31U);
}

milliseconds refresh_cycle::jittered(milliseconds d) {
  // d + [0, d/2): spreads retries of many collections without ever retrying sooner.
  const auto half = static_cast<std::uint64_t>(std::max<std::int64_t>(d.count() / 2, 0));
  return half == 0 ? d : d + milliseconds(static_cast<std::int64_t>(next_random() % half));
}

milliseconds refresh_cycle::error_backoff() {
  return jittered(backoff(std::max(error_streak_, 1), params_.error_backoff_initial,
                          params_.error_backoff_max));
}

cycle_step refresh_cycle::start(const instant& now, std::optional<steady_time> deadline,
                                cycle_mode mode) {
  if (in_progress()) {
    throw std::logic_error(std::string("refresh_cycle: start called while ") + phase_name(phase_));
  }
  (void)now;
  mode_ = mode;
  deadline_ = deadline;
  events_.clear();
  triggers_ = 0;
  failed_jobs_ = 0;
  dup_without_job_ = 0;
  resent_ = false;
  resending_ = false;
  has_attempt_ = false;
  baseline_.clear();
  last_refresh_error_.reset();
  job_.reset();
  job_seen_ = false;
  poll_ = {};
  describe_errors_ = 0;
  stuck_.reset();
  return take(list_now(list_purpose::initial));
}

cycle_action refresh_cycle::list_now(list_purpose p) {
  purpose_ = p;
  phase_ = cycle_phase::listing;
  return list_action{
      client::list_request{target_.database, target_.collection, daemon_list_records}};
}

cycle_action refresh_cycle::wait_then(const instant& now, milliseconds d, then_do what,
                                      list_purpose p) {
  phase_ = cycle_phase::waiting;
  then_ = what;
  purpose_ = p;
  wait_until_ = now.steady + d;
  return wait_action{wait_until_};
}

cycle_step refresh_cycle::on_timer(const instant& now) {
  expect(cycle_phase::waiting, "on_timer");
  if (now.steady < wait_until_) {
    return take(wait_action{wait_until_});
  }
  if (then_ == then_do::list) {
    return take(list_now(purpose_));
  }
  phase_ = cycle_phase::describing;
  return take(describe_action{job_->id});
}

cycle_step refresh_cycle::on_list(const client::api_result<std::vector<client::job_info>>& r,
                                  const instant& now) {
  expect(cycle_phase::listing, "on_list");
  if (!r) {
    events_.push_back(events::api_failure{client::operation::list, r.error()});
    ++error_streak_;
    if (is_fatal(r.error().kind)) {
      return take(fatal_error(now, r.error()));
    }
    return take(retry_after_error(now, r.error(), purpose_));
  }
  return take(handle_list(r.value(), now));
}

cycle_step refresh_cycle::on_refresh(const client::api_result<client::job_id>& r,
                                     const instant& now) {
  expect(cycle_phase::triggering, "on_refresh");
  const bool resend = std::exchange(resending_, false);
  if (r) {
    error_streak_ = 0;
    ++triggers_;
    job_snapshot snap;
    snap.id = r.value();
    snap.state = job_state::pending;
    job_ = snap;
    job_seen_ = false;
    poll_ = {};
    poll_.origin = attempt_.steady;
    poll_.note_delay(params_.poll.initial);
    describe_errors_ = 0;
    stuck_.reset();
    tracked_since_ = attempt_.steady;
    events_.push_back(events::triggered{r.value(), attempt_.wall, failed_jobs_ + 1, resend});
    // The confirming describe doubles as the first poll (bench/RESULTS.md economy).
    return take(wait_then(now, params_.poll.initial, then_do::describe));
  }
  const client::api_error& e = r.error();
  events_.push_back(events::api_failure{client::operation::refresh, e});
  last_refresh_error_ = e;
  if (e.kind == error_class::duplicate) {
    return take(list_now(list_purpose::after_duplicate));
  }
  ++error_streak_;
  if (is_fatal(e.kind)) {
    return take(fatal_error(now, e));
  }
  if (e.maybe_sent) {
    return take(list_now(list_purpose::after_ambiguous));
  }
  return take(retry_after_error(now, e, list_purpose::initial));
}

cycle_step refresh_cycle::on_describe(const client::api_result<client::job_info>& r,
                                      const instant& now) {
  expect(cycle_phase::describing, "on_describe");
  if (r) {
    error_streak_ = 0;
    describe_errors_ = 0;
    return take(observe_job(now, r.value(), true));
  }
  events_.push_back(events::api_failure{client::operation::describe, r.error()});
  ++error_streak_;
  return take(on_describe_error(now, r.error()));
}

cycle_action refresh_cycle::on_describe_error(const instant& now, const client::api_error& e) {
  if (e.kind == error_class::job_not_found) {
    return list_now(job_seen_ ? list_purpose::vanished : list_purpose::after_lost);
  }
  if (is_fatal(e.kind)) {
    return fatal_error(now, e);
  }
  // The job runs on regardless: keep polling it, backing off up to poll.max.
  ++describe_errors_;
  const milliseconds d =
      std::clamp(jittered(backoff(describe_errors_, params_.poll.initial, params_.poll.max)),
                 params_.poll.initial, params_.poll.max);
  events_.push_back(events::retry_scheduled{retry_cause::api_error, describe_errors_, d});
  return wait_then(now, d, then_do::describe);
}

cycle_action refresh_cycle::fatal_error(const instant& now, const client::api_error& e) {
  std::string text = client::describe_error(e);
  switch (e.kind) {
    case error_class::unsupported:
      return finish(now, outcome_kind::unsupported, e,
                    "the cluster has no refresh-job API: upgrade the cluster (" + text + ")");
    case error_class::unauthenticated:
      return finish(now, outcome_kind::auth_failed, e, std::move(text));
    case error_class::no_source:
      return finish(now, outcome_kind::misconfigured, e,
                    text + " (set external_source and external_spec for this collection)");
    default:
      return finish(now, outcome_kind::misconfigured, e, std::move(text));
  }
}

cycle_action refresh_cycle::retry_after_error(const instant& now, const client::api_error& e,
                                              list_purpose p, retry_cause cause) {
  const milliseconds d = error_backoff();
  if (deadline_ && now.steady + d > *deadline_) {
    return finish(now, outcome_kind::gave_up, e, client::describe_error(e));
  }
  events_.push_back(events::retry_scheduled{cause, error_streak_, d});
  return wait_then(now, d, then_do::list, p);
}

cycle_action refresh_cycle::observe_job(const instant& now, const client::job_info& j,
                                        bool announce) {
  job_snapshot s = snapshot_of(j);
  const bool changed = !job_ || !job_seen_ || job_->id != s.id || job_->state != s.state ||
                       job_->progress != s.progress || job_->reason != s.reason;
  job_ = s;
  job_seen_ = true;
  poll_.record(poll_sample{now.steady, s.state, s.progress});
  if (announce && changed) {
    events_.push_back(events::job_progress{s});
  }
  if (client::is_terminal(s.state)) {
    return on_terminal(now);
  }
  check_stuck(now);
  return schedule_poll(now);
}

cycle_action refresh_cycle::schedule_poll(const instant& now) {
  const milliseconds d = stuck_ ? params_.poll.max : next_poll_delay(poll_, params_.poll);
  poll_.note_delay(d);
  return wait_then(now, d, then_do::describe);
}

void refresh_cycle::check_stuck(const instant& now) {
  const job_snapshot& j = *job_;
  milliseconds age = std::chrono::duration_cast<milliseconds>(now.steady - tracked_since_);
  if (j.start) {
    age = std::max(milliseconds::zero(), now.wall - *j.start);
  }
  const auto still = std::chrono::duration_cast<milliseconds>(now.steady - poll_.value_since);
  std::optional<stuck_reason> why;
  milliseconds how_long{0};
  if (age > params_.timeout) {
    why = stuck_reason::timeout;
    how_long = age;
  } else if (j.state == job_state::pending && age > params_.pending_timeout) {
    why = stuck_reason::pending_timeout;
    how_long = age;
  } else if (is_running(j.state) && still > params_.stall_timeout) {
    why = stuck_reason::no_progress;
    how_long = still;
  }
  if (why == stuck_) {
    return;
  }
  if (why) {
    events_.push_back(events::stuck{j, *why, how_long});
  } else {
    events_.push_back(events::unstuck{j});
  }
  stuck_ = why;
}

cycle_action refresh_cycle::on_terminal(const instant& now) {
  const job_snapshot& j = *job_;
  std::optional<milliseconds> duration;
  if (j.start && j.end && *j.end >= *j.start) {
    duration = *j.end - *j.start;
  }
  stuck_.reset();
  if (j.state == job_state::completed) {
    events_.push_back(events::completed{j, now.wall, duration});
    return finish(now, outcome_kind::completed, std::nullopt, {});
  }
  std::string reason = j.reason.str();
  events_.push_back(events::failed{j, reason, now.wall, duration});
  ++failed_jobs_;
  return retry_job(now, std::move(reason), retry_cause::job_failed);
}

cycle_action refresh_cycle::retry_job(const instant& now, std::string message, retry_cause cause) {
  if (mode_ == cycle_mode::observe || failed_jobs_ > params_.retries) {
    return finish(now, outcome_kind::failed, std::nullopt, std::move(message));
  }
  const milliseconds d =
      jittered(backoff(failed_jobs_, params_.retry_backoff, milliseconds::max() / 4));
  if (deadline_ && now.steady + d > *deadline_) {
    return finish(now, outcome_kind::failed, std::nullopt, std::move(message));
  }
  events_.push_back(events::retry_scheduled{cause, failed_jobs_, d});
  return wait_then(now, d, then_do::list, list_purpose::initial);
}

cycle_action refresh_cycle::finish(const instant& now, outcome_kind k,
                                   std::optional<client::api_error> e, std::string message) {
  phase_ = cycle_phase::finished;
  cycle_outcome o;
  o.kind = k;
  o.job = job_;
  o.error = std::move(e);
  o.message = std::move(message);
  o.triggers = triggers_;
  switch (k) {
    case outcome_kind::completed:
    case outcome_kind::failed:
    case outcome_kind::idle:
      failed_cycles_ = 0;
      break;
    default: {
      ++failed_cycles_;
      milliseconds d = jittered(
          backoff(failed_cycles_, params_.error_backoff_initial, params_.error_backoff_max));
      if (k == outcome_kind::unsupported) {
        d = params_.unsupported_retry;
      } else if (k == outcome_kind::auth_failed) {
        d = std::max(d, params_.auth_backoff_min);
      }
      o.not_before = now.steady + d;
      break;
    }
  }
  return finish_action{std::move(o)};
}

}  // namespace refreshd::daemon
