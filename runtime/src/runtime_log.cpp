#include <type_traits>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <refreshd/runtime/runtime_log.hpp>
#include <refreshd/schedule/duration.hpp>

namespace refreshd::daemon {
namespace {

using client::job_state;

void add_job(log_fields& f, const job_snapshot& j) {
  f.job_id = j.id.value;
  f.state = client::to_string(j.state);
  f.progress = j.progress;
}

config::log_level outcome_level(outcome_kind k) {
  switch (k) {
    case outcome_kind::completed:
    case outcome_kind::idle:
      return config::log_level::debug;
    case outcome_kind::gave_up:
      return config::log_level::warn;
    default:
      return config::log_level::error;
  }
}

std::string_view outcome_message(outcome_kind k) {
  switch (k) {
    case outcome_kind::misconfigured:
      return "collection misconfigured; next attempt at the next slot";
    case outcome_kind::unsupported:
      return "cluster has no refresh-job API: upgrade the cluster";
    case outcome_kind::auth_failed:
      return "authentication failed";
    case outcome_kind::gave_up:
      return "gave up on this slot";
    case outcome_kind::failed:
      return "refresh failed; no retry left";
    default:
      return "cycle finished";
  }
}

}  // namespace

log_fields collection_fields(const config::cluster& cl, const config::collection& c) {
  log_fields f;
  f.cluster = cl.name;
  f.database = c.database;
  f.collection = c.name;
  return f;
}

namespace {

template <class Duration>
void add_duration(log_fields& f, const std::optional<Duration>& d) {
  if (d) {
    f.add("duration",
          schedule::format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(*d)));
  }
}

}  // namespace

void log_cycle_event(const config::cluster& cl, const config::collection& c, const cycle_event& e) {
  log_fields f = collection_fields(cl, c);
  std::visit(
      [&](const auto& ev) {
        using T = std::decay_t<decltype(ev)>;
        if constexpr (std::is_same_v<T, events::triggered>) {
          f.job_id = ev.id.value;
          f.state = client::to_string(job_state::pending);
          if (ev.attempt > 1) {
            f.add_number("attempt", ev.attempt);
          }
          log_event(config::log_level::info,
                    ev.resend ? "re-triggered refresh" : "triggered refresh", f);
        } else if constexpr (std::is_same_v<T, events::adopted>) {
          add_job(f, ev.job);
          f.add("reason", std::string(to_string(ev.reason)));
          log_event(config::log_level::info, "adopted running job", f);
        } else if constexpr (std::is_same_v<T, events::trigger_lost>) {
          f.job_id = ev.id.value;
          f.add("resend", ev.will_resend ? "true" : "false");
          log_event(config::log_level::warn, "trigger lost: the server dropped the job", f);
        } else if constexpr (std::is_same_v<T, events::job_progress>) {
          add_job(f, ev.job);
          log_event(config::log_level::debug, "job progress", f);
        } else if constexpr (std::is_same_v<T, events::stuck>) {
          add_job(f, ev.job);
          f.add("why", std::string(to_string(ev.why)));
          f.add("for", schedule::format_duration(ev.age));
          log_event(config::log_level::warn, "job stuck", f);
        } else if constexpr (std::is_same_v<T, events::unstuck>) {
          add_job(f, ev.job);
          log_event(config::log_level::info, "job moving again", f);
        } else if constexpr (std::is_same_v<T, events::completed>) {
          add_job(f, ev.job);
          add_duration(f, ev.duration);
          log_event(config::log_level::info, "refresh completed", f);
        } else if constexpr (std::is_same_v<T, events::failed>) {
          add_job(f, ev.job);
          f.add("reason", ev.reason);  // verbatim
          add_duration(f, ev.duration);
          log_event(config::log_level::error, "refresh failed", f);
        } else if constexpr (std::is_same_v<T, events::job_lost>) {
          f.job_id = ev.id.value;
          log_event(config::log_level::warn, "job vanished from the server", f);
        } else if constexpr (std::is_same_v<T, events::retry_scheduled>) {
          f.add("cause", std::string(to_string(ev.cause)));
          f.add_number("attempt", ev.attempt);
          f.add("in", schedule::format_duration(ev.delay));
          log_event(config::log_level::info, "retry scheduled", f);
        } else if constexpr (std::is_same_v<T, events::api_failure>) {
          f.add("operation", std::string(client::to_string(ev.op)));
          f.add("class", std::string(client::to_string(ev.error.kind)));
          f.add("error", client::describe_error(ev.error));
          log_event(config::log_level::warn, "API request failed", f);
        }
      },
      e);
}

void log_cycle_outcome(const config::cluster& cl, const config::collection& c,
                       const cycle_outcome& o) {
  log_fields f = collection_fields(cl, c);
  if (o.job) {
    add_job(f, *o.job);
  }
  f.add("outcome", std::string(to_string(o.kind)));
  if (!o.message.empty() && o.kind != outcome_kind::failed) {
    f.add("error", o.message);
  }
  log_event(outcome_level(o.kind), outcome_message(o.kind), f);
}

void log_skip(const config::cluster& cl, const config::collection& c, skip_reason why, int slots) {
  log_fields f = collection_fields(cl, c);
  f.add("reason", std::string(to_string(why)));
  f.add_number("slots", slots);
  log_event(why == skip_reason::suspended ? config::log_level::debug : config::log_level::info,
            "slot skipped", f);
}

}  // namespace refreshd::daemon
