#include <algorithm>
#include <limits>
#include <optional>
#include <ostream>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <refreshd/cli/api_commands.hpp>
#include <refreshd/cli/exit_codes.hpp>
#include <refreshd/cli/target.hpp>
#include <refreshd/config/safe_text.hpp>

namespace refreshd::daemon {
namespace {

using client::api_error;
using client::error_class;
using client::job_info;
using client::job_state;

std::string collection_label(const client::refresh_request& r) {
  return safe_text((r.database.empty() ? std::string("default") : r.database) + "/" + r.collection);
}

awaitable<void> pause(std::chrono::milliseconds d) {
  net::steady_timer timer(co_await net::this_coro::executor, d);
  co_await timer.async_wait(use_awaitable);
}

/// The newest Pending/InProgress job of a collection (list is newest first), if any.
awaitable<client::api_result<std::optional<job_info>>> find_active(
    client::refresh_api& api, const client::refresh_request& r) {
  // GCC 12 destroys temporaries inside a co_await expression twice: name arguments first.
  client::list_request request{r.database, r.collection};
  auto listed = co_await api.async_list(std::move(request));
  if (!listed) {
    co_return listed.error();
  }
  for (auto& j : *listed) {
    if (j.collection_name == r.collection && client::is_active(j.state)) {
      co_return std::optional<job_info>(std::move(j));
    }
  }
  co_return std::optional<job_info>();
}

/// Waits `d`, or until `deadline` when that comes first: false once the deadline has come.
awaitable<bool> pause_before(std::chrono::milliseconds d,
                             std::optional<std::chrono::steady_clock::time_point> deadline) {
  if (deadline) {
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      co_return false;
    }
    d = std::min(d, left);
  }
  co_await pause(d);
  co_return !deadline || std::chrono::steady_clock::now() < *deadline;
}

/// Polls describe until the job is terminal. Interval: poll_initial while progress moves,
/// doubling up to poll_max while it does not. A job that vanishes (describe "not found") is
/// replaced by the collection's active job when there is one. At `deadline` it returns the
/// job's last known state (not terminal: the caller gave up waiting).
awaitable<client::api_result<job_info>> follow(
    client::refresh_api& api, client::job_id id, const client::refresh_request& r,
    const wait_options& opt, progress_display& bar,
    std::optional<std::chrono::steady_clock::time_point> deadline) {
  auto started = std::chrono::steady_clock::now();
  auto interval = opt.poll_initial;
  int last_progress = -1;
  int errors = 0;
  job_info last;  // before a first answer: the id, state unknown
  last.id = id;
  last.collection_name = r.collection;
  for (;;) {
    auto d = co_await api.async_describe(id);
    if (!d) {
      const auto& e = d.error();
      if (e.kind == error_class::job_not_found && !r.collection.empty()) {
        auto active = co_await find_active(api, r);
        if (active && active->has_value()) {
          id = (*active)->id;
          last = **active;
          continue;
        }
        co_return e;
      }
      if (!client::is_retryable(e) || ++errors > opt.max_consecutive_errors) {
        co_return e;
      }
      const auto backoff = std::min(interval * (1 << std::min(errors, 4)), opt.poll_max);
      const bool more = co_await pause_before(backoff, deadline);
      if (!more) {
        co_return last;
      }
      continue;
    }
    errors = 0;
    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    bar.update(*d, elapsed.count());
    if (client::is_terminal(d->state)) {
      bar.finish();
      co_return std::move(d).value();
    }
    interval =
        d->progress != last_progress ? opt.poll_initial : std::min(interval * 2, opt.poll_max);
    last_progress = d->progress;
    last = std::move(d).value();
    const bool more = co_await pause_before(interval, deadline);
    if (!more) {
      co_return last;
    }
  }
}

std::string label_of(const trigger_args& args) {
  return args.label.empty() ? collection_label(args.request) : safe_text(args.label);
}

int finish_job(const job_info& job, const trigger_args& args, cli_io io) {
  render_job(io.out, job, args.format);
  if (!client::is_terminal(job.state)) {
    io.err << "error: gave up waiting after "
           << format_duration_ms(args.timeout_total.value_or(std::chrono::milliseconds(0)).count())
           << " (--timeout-total): job " << job.id.value << " of " << label_of(args) << " is "
           << client::to_string(job.state) << " (" << job.progress
           << "%) and keeps running on the server; follow it with: milvus-refreshd describe "
           << (args.reach.empty() ? "" : safe_text(args.reach) + " ") << "--job-id " << job.id.value
           << '\n';
    return exit_failed;
  }
  if (job.state == job_state::failed) {
    io.err << "error: refresh job " << job.id.value << " of " << label_of(args)
           << " failed: " << safe_text(job.reason.value_or("(the server gave no reason)")) << '\n';
    return exit_failed;
  }
  return exit_ok;
}

}  // namespace

int report_api_error(std::ostream& err, std::string_view what, const api_error& e,
                     std::string_view not_found_hint) {
  // The message is the server's, verbatim: never raw on a terminal.
  err << "error: " << safe_text(what) << ": " << safe_text(client::describe_error(e)) << '\n';
  switch (e.kind) {
    case error_class::unsupported:
      err << "hint: this cluster does not serve the refresh-job API "
             "(/v2/vectordb/jobs/external_collection/*); upgrade the cluster to a Milvus / "
             "Zilliz Cloud version with external collections\n";
      break;
    case error_class::unauthenticated:
      err << "hint: check the token (--token-env / --token-file, or the cluster's token in the "
             "config)\n";
      break;
    case error_class::no_source:
      err << "hint: the collection has no persisted source; pass --external-source and "
             "--external-spec (or set them in the config)\n";
      break;
    case error_class::not_found:
      if (!not_found_hint.empty()) {
        err << "hint: " << not_found_hint << '\n';
      }
      break;
    default:
      break;
  }
  return exit_code_for(e);
}

awaitable<int> run_trigger(client::refresh_api& api, const trigger_args& args, cli_io io) {
  const auto label = label_of(args);
  // List first, like the daemon: never start a second refresh while one is running.
  auto running = co_await find_active(api, args.request);
  if (!running) {
    co_return report_api_error(io.err, "list jobs of " + label, running.error(), io.not_found_hint);
  }
  std::optional<job_info> adopted = std::move(*running);
  client::job_id id;
  if (!adopted) {
    auto triggered = co_await api.async_refresh(args.request);
    if (triggered) {
      id = *triggered;
      // Older servers return an id for a duplicate trigger and then drop the job: confirm it.
      auto confirmed = co_await api.async_describe(id);
      if (!confirmed && confirmed.error().kind == error_class::job_not_found) {
        auto active = co_await find_active(api, args.request);
        if (!active || !active->has_value()) {
          io.err << "error: the server returned job " << id.value << " for " << label
                 << " but does not know it (trigger lost); try again\n";
          co_return exit_failed;
        }
        adopted = std::move(**active);
      }
    } else if (triggered.error().kind == error_class::duplicate) {
      // Another actor started one between our list and our trigger.
      auto active = co_await find_active(api, args.request);
      if (!active || !active->has_value()) {
        co_return report_api_error(io.err, "refresh " + label, triggered.error(),
                                   io.not_found_hint);
      }
      adopted = std::move(**active);
    } else {
      co_return report_api_error(io.err, "refresh " + label, triggered.error(), io.not_found_hint);
    }
  }

  if (adopted) {
    id = adopted->id;
  }
  if (io.followed != nullptr) {
    *io.followed = id;
  }
  if (adopted) {
    io.err << "note: a refresh of " << label << " is already running: job " << id.value << " ("
           << client::to_string(adopted->state) << ", " << adopted->progress
           << "%); not starting another\n";
    if (!args.wait) {
      if (args.format == output_format::json) {
        io.out << job_json(*adopted) << '\n';
      }
      co_return exit_failed;
    }
  } else if (args.format == output_format::text) {
    io.out << "triggered refresh of " << label << ": job " << id.value << '\n' << std::flush;
  } else if (!args.wait) {
    io.out << "{\"job_id\":" << id.value << "}\n";
  }
  if (!args.wait) {
    co_return exit_ok;
  }
  // Progress goes to stderr when stdout carries JSON, nowhere under --query.
  std::ostream nowhere(nullptr);
  progress_display bar(!args.progress                       ? nowhere
                       : args.format == output_format::json ? io.err
                                                            : io.out,
                       io.tty && args.progress);
  std::optional<std::chrono::steady_clock::time_point> deadline;
  if (args.timeout_total) {
    deadline = std::chrono::steady_clock::now() + *args.timeout_total;
  }
  auto final_state = co_await follow(api, id, args.request, args.poll, bar, deadline);
  bar.finish();
  if (!final_state) {
    co_return report_api_error(io.err, "describe job " + std::to_string(id.value),
                               final_state.error());
  }
  co_return finish_job(*final_state, args, io);
}

awaitable<int> run_describe(client::refresh_api& api, client::job_id id, output_format fmt,
                            cli_io io) {
  auto d = co_await api.async_describe(id);
  if (!d) {
    co_return report_api_error(io.err, "describe job " + std::to_string(id.value), d.error());
  }
  render_job(io.out, *d, fmt);
  co_return exit_ok;
}

std::vector<job_state> parse_state_filter(std::string_view text) {
  std::vector<job_state> states;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = std::min(text.find(',', start), text.size());
    const auto name = text.substr(start, comma - start);
    if (name.empty()) {
      throw usage_error("--state " + safe_text(text) +
                        ": an empty state (Pending, InProgress, "
                        "Completed, Failed, separated by commas)");
    }
    const auto state = client::parse_job_state(name);
    if (state == job_state::unknown) {
      throw usage_error("--state " + safe_text(name) +
                        ": not a job state (Pending, InProgress, Completed, Failed)");
    }
    states.push_back(state);
    start = comma + 1;
  }
  return states;
}

awaitable<int> run_list(client::refresh_api& api, list_args args, cli_io io) {
  auto l = co_await api.async_list(args.request);
  if (!l) {
    co_return report_api_error(io.err, "list", l.error(), io.not_found_hint);
  }
  // Newest first whatever the server's order; a job not started yet (no start time) first.
  const auto started = [](const job_info& j) {
    return j.start_time_ms > 0 ? j.start_time_ms : std::numeric_limits<std::int64_t>::max();
  };
  std::stable_sort(l->begin(), l->end(),
                   [&](const job_info& a, const job_info& b) { return started(a) > started(b); });
  if (!args.states.empty()) {
    std::erase_if(*l, [&](const job_info& j) {
      return std::find(args.states.begin(), args.states.end(), j.state) == args.states.end();
    });
  }
  if (args.limit != 0 && l->size() > args.limit) {
    l->erase(l->begin() + static_cast<std::ptrdiff_t>(args.limit), l->end());
  }
  render_jobs(io.out, *l, args.format);
  co_return exit_ok;
}

}  // namespace refreshd::daemon
