// Names, log lines and conversions of the refresh cycle's types.
#include <refreshd/config/duration.hpp>
#include <refreshd/cycle/cycle.hpp>

#include "overloaded.hpp"

namespace refreshd::daemon {

namespace {

using detail::overloaded;

std::string id_text(const client::job_id& id) {
  return std::to_string(id.value);
}

std::string dur(std::chrono::milliseconds d) {
  return config::format_duration(d);
}

}  // namespace

std::string state_name(const job_snapshot& j) {
  return j.state_text ? *j.state_text : std::string(client::to_string(j.state));
}

job_snapshot snapshot_of(const client::job_info& j) {
  job_snapshot s;
  s.id = j.id;
  s.state = j.state;
  if (!j.state_text.empty() && j.state_text != client::to_string(j.state)) {
    s.state_text = j.state_text;  // the usual spellings are not stored (docs/DAEMON.md "Memory")
  }
  s.progress = j.progress;
  if (j.start_time_ms > 0) {
    s.start = wall_time{std::chrono::milliseconds(j.start_time_ms)};
  }
  if (j.end_time_ms > 0) {
    s.end = wall_time{std::chrono::milliseconds(j.end_time_ms)};
  }
  s.reason = j.reason;
  return s;
}

cycle_params make_cycle_params(const config::collection_settings& s) {
  cycle_params p;
  p.retries = s.retries;
  p.retry_backoff = s.retry_backoff;
  p.poll = poll_bounds{s.poll.initial, s.poll.max};
  p.pending_timeout = s.pending_timeout;
  p.timeout = s.timeout;
  p.stall_timeout = s.pending_timeout;
  return p;
}

std::string_view to_string(outcome_kind k) noexcept {
  switch (k) {
    case outcome_kind::completed:
      return "completed";
    case outcome_kind::failed:
      return "failed";
    case outcome_kind::misconfigured:
      return "misconfigured";
    case outcome_kind::unsupported:
      return "unsupported";
    case outcome_kind::auth_failed:
      return "auth_failed";
    case outcome_kind::gave_up:
      return "gave_up";
    case outcome_kind::idle:
      return "idle";
  }
  return "unknown";
}

std::string_view to_string(adopt_reason r) noexcept {
  switch (r) {
    case adopt_reason::already_running:
      return "already_running";
    case adopt_reason::duplicate:
      return "duplicate";
    case adopt_reason::dropped_trigger:
      return "dropped_trigger";
    case adopt_reason::ambiguous:
      return "ambiguous";
    case adopt_reason::replaced:
      return "replaced";
    case adopt_reason::observed:
      return "observed";
  }
  return "unknown";
}

std::string_view to_string(stuck_reason r) noexcept {
  switch (r) {
    case stuck_reason::pending_timeout:
      return "pending_timeout";
    case stuck_reason::timeout:
      return "timeout";
    case stuck_reason::no_progress:
      return "no_progress";
  }
  return "unknown";
}

std::string_view to_string(retry_cause c) noexcept {
  switch (c) {
    case retry_cause::api_error:
      return "api_error";
    case retry_cause::duplicate_without_job:
      return "duplicate_without_job";
    case retry_cause::job_failed:
      return "job_failed";
    case retry_cause::job_lost:
      return "job_lost";
  }
  return "unknown";
}

std::string to_log_line(const cycle_event& e) {
  return std::visit(
      overloaded{
          [](const events::triggered& t) {
            return "triggered job " + id_text(t.id) + " (attempt " + std::to_string(t.attempt) +
                   (t.resend ? ", re-sent after a lost trigger)" : ")");
          },
          [](const events::adopted& a) {
            return "adopted job " + id_text(a.job.id) + " (" + std::string(to_string(a.reason)) +
                   "): " + state_name(a.job) + " " + std::to_string(a.job.progress) + "%";
          },
          [](const events::trigger_lost& t) {
            return "trigger lost: job " + id_text(t.id) + " not found and no job listed; " +
                   (t.will_resend ? "triggering once more" : "giving up for this slot");
          },
          [](const events::job_progress& p) {
            return "job " + id_text(p.job.id) + " " + state_name(p.job) + " " +
                   std::to_string(p.job.progress) + "%";
          },
          [](const events::stuck& s) {
            return "job " + id_text(s.job.id) + " stuck: " + std::string(to_string(s.why)) + " (" +
                   dur(s.age) + ")";
          },
          [](const events::unstuck& u) {
            return "job " + id_text(u.job.id) + " is moving again: " + state_name(u.job) + " " +
                   std::to_string(u.job.progress) + "%";
          },
          [](const events::completed& c) {
            return "job " + id_text(c.job.id) + " completed" +
                   (c.duration ? " in " + dur(*c.duration) : std::string{});
          },
          [](const events::failed& f) {
            return "job " + id_text(f.job.id) +
                   " failed: " + (f.reason.empty() ? std::string("(no reason given)") : f.reason);
          },
          [](const events::job_lost& l) {
            return "job " + id_text(l.id) + " disappeared from the server before it finished";
          },
          [](const events::retry_scheduled& r) {
            return "retrying (" + std::string(to_string(r.cause)) + ", #" +
                   std::to_string(r.attempt) + ") in " + dur(r.delay);
          },
          [](const events::api_failure& f) {
            return std::string(client::to_string(f.op)) +
                   " failed: " + client::describe_error(f.error);
          },
      },
      e);
}

}  // namespace refreshd::daemon
