#pragma once
// trigger / describe / list over an abstract refresh_api, so the same code runs against the
// real cluster and against a scripted fake in unit tests. Each returns a process exit code.

#include <chrono>
#include <iosfwd>

#include <refreshd/cli/job_output.hpp>
#include <refreshd/client/refresh_api.hpp>

namespace refreshd::daemon {

struct cli_io {
  std::ostream& out;  ///< results
  std::ostream& err;  ///< errors, hints and (with --output json) progress
  bool tty = false;   ///< draw a progress bar instead of lines
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
  output_format format = output_format::text;
};

awaitable<int> run_trigger(client::refresh_api& api, const trigger_args& args, cli_io io);
awaitable<int> run_describe(client::refresh_api& api, client::job_id id, output_format fmt,
                            cli_io io);
awaitable<int> run_list(client::refresh_api& api, client::list_request request, output_format fmt,
                        cli_io io);

/// Prints "error: ..." plus a hint for the error class and returns the matching exit code.
int report_api_error(std::ostream& err, std::string_view what, const client::api_error& e);

}  // namespace refreshd::daemon
