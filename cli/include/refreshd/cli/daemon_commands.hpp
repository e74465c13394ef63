#pragma once
// The commands that talk to a running daemon over its HTTP API (docs/CLI.md "The daemon's
// commands"): `status` (its /status as a terminal table, like `systemctl list-timers`, or JSON;
// `--watch` redraws in place) and the admin verbs `pause`, `resume` and `refresh`.

#include <chrono>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <refreshd/cli/context.hpp>
#include <refreshd/cli/job_output.hpp>
#include <refreshd/client/http_client.hpp>
#include <refreshd/config/config.hpp>

namespace refreshd::daemon {

/// Where the daemon is and how to speak to it; empty fields come from the config.
struct daemon_target_options {
  std::string url;               ///< http[s]://host:port; empty: the config's listen address
  std::string config_file;       ///< empty: default_config_path() (when readable)
  std::string admin_token_file;  ///< empty: the config's admin.token_file
  std::string read_token_file;   ///< empty: the config's read_auth.token_file
  std::string ca_file;           ///< trust anchor for https
  bool insecure_skip_verify = false;
  std::string timeout = "10s";
};

struct daemon_target {
  std::string url;
  std::string read_token;   ///< a secret; empty: none
  std::string admin_token;  ///< a secret; empty: none (the admin verbs refuse to start)
  client::http_client_options http;
  /// The config that was read (for a collection's cluster and database), if any.
  cli_context context;
};

/// Throws usage_error naming the option or file (never a token).
daemon_target resolve_daemon_target(const daemon_target_options& o);

struct status_args {
  std::string cluster;  ///< filters of /status (docs/HTTP.md "Filters and paging")
  std::string status;   ///< comma-separated statuses
  bool watch = false;
  std::chrono::milliseconds interval{2000};
  output_format format = output_format::text;
};

/// The table of /status `collections` (its JSON text): failures first, then by next run;
/// `color` adds ANSI colours to the status column.
std::string status_table(std::string_view status_json, std::chrono::system_clock::time_point now,
                         bool color);

/// "2min 5s", "1h 3min", "2d 4h" (systemctl's style); negative as 0.
std::string short_span(std::chrono::milliseconds d);

/// `status`: 0 on success, 1 when the daemon cannot be reached or answers an error, 4 when it
/// refuses the credentials. With `watch` it redraws until interrupted (0).
int run_status(const daemon_target& t, const status_args& a, std::ostream& out, std::ostream& err,
               bool tty);

/// pause / resume / refresh of cluster/database/name: 0, 1 (refused or failed), 2 (unknown
/// collection), 4 (the admin token was refused).
struct intent_args {
  std::string verb;  ///< "pause", "resume" or "refresh"
  std::string cluster;
  std::string database;
  std::string name;
  std::string reason;  ///< pause only
  output_format format = output_format::text;
};
int run_intent(const daemon_target& t, const intent_args& a, std::ostream& out, std::ostream& err);

/// Fills in `cluster` and `database` from the context when left out (choose_from_context): the
/// configured collection's. Throws usage_error when ambiguous or not configured, naming the
/// candidates or the nearest names.
void complete_collection(intent_args& a, const cli_context& ctx);

}  // namespace refreshd::daemon
