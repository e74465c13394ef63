#pragma once
// trigger / describe / list over an abstract refresh_api, so the same code runs against the
// real cluster and against a scripted fake in unit tests. Each returns a process exit code.

#include <chrono>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <refreshd/cli/job_output.hpp>
#include <refreshd/client/refresh_api.hpp>

namespace refreshd::daemon {

struct cli_io {
  std::ostream& out;  ///< results
  std::ostream& err;  ///< errors, hints and (with --output json) progress
  bool tty = false;   ///< draw a progress bar instead of lines
  /// Added to a "not found" error (the context's nearest configured names), if not empty.
  std::string not_found_hint{};
  /// When set, `trigger` stores the id of the job it follows (for the interrupt message).
  client::job_id* followed = nullptr;
};

struct wait_options {
  std::chrono::milliseconds poll_initial{1000};  ///< first describe interval
  std::chrono::milliseconds poll_max{10000};     ///< interval cap while progress is flat
  int max_consecutive_errors = 8;                ///< retryable describe failures tolerated
};

struct trigger_args {
  client::refresh_request request;
  bool wait = false;
  wait_options poll;
  /// With `wait`: give up waiting after this long (exit 1; the job keeps running, its last
  /// known state is printed).
  std::optional<std::chrono::milliseconds> timeout_total;
  bool progress = true;  ///< with `wait`: show progress (off under --query)
  output_format format = output_format::text;
  std::string label;  ///< the collection in messages; empty: "database/name"
  std::string reach;  ///< options that reach the cluster again ("--cluster prod"), for hints
};

/// `list`'s filters, applied to the answer sorted newest first (by start time; a job without
/// one, not started yet, first).
struct list_args {
  client::list_request request;
  std::vector<client::job_state> states;  ///< empty: every state
  std::size_t limit = 0;                  ///< 0: every job kept of the answer
  output_format format = output_format::text;
};

/// "Pending,InProgress" (the server's names, `Refresh` prefix optional, any case) → states.
/// Throws usage_error naming an unknown state and the known ones.
std::vector<client::job_state> parse_state_filter(std::string_view text);

awaitable<int> run_trigger(client::refresh_api& api, const trigger_args& args, cli_io io);
awaitable<int> run_describe(client::refresh_api& api, client::job_id id, output_format fmt,
                            cli_io io);
awaitable<int> run_list(client::refresh_api& api, list_args args, cli_io io);

/// Prints "error: ..." plus a hint for the error class (`not_found_hint` for "not found") and
/// returns the matching exit code.
int report_api_error(std::ostream& err, std::string_view what, const client::api_error& e,
                     std::string_view not_found_hint = {});

}  // namespace refreshd::daemon
