#pragma once
// `milvus-refreshd run [-c FILE] [--once] [--log-format text|json] [--log-level LEVEL]`.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <refreshd/runtime/runtime.hpp>

namespace CLI {
class App;
}

namespace refreshd::daemon {

struct run_options {
  std::string config_file;  ///< empty: default_config_path()
  bool once = false;
  std::string log_format;       ///< empty: the config's log.format
  std::string log_level;        ///< empty: the config's log.level
  std::string output = "text";  ///< run --once: its summary as "text" or "json"
  /// run --once: print only this value of the JSON summary (docs/CLI.md "--query").
  std::optional<std::string> query;
  /// SIGTERM/SIGINT: requests still in flight after this are abandoned.
  std::chrono::milliseconds drain_timeout{5000};
};

/// Adds the `run` subcommand (options and help, exit codes included) to `app`.
CLI::App* add_run_command(CLI::App& app, run_options& options);

/// Runs the daemon (or run --once) and returns the process exit code.
int run_command(const run_options& options);

/// run --once: the summary table (stdout) and the exit code: 4 if any collection's cluster
/// refused the credentials, else 3 if any cluster has no refresh API, else 1 if any collection
/// did not complete, else 0.
int once_exit_code(const std::vector<once_result>& results);
std::string once_summary(const std::vector<once_result>& results);
/// The same as one JSON document: {"completed":N,"total":N,"collections":[{"cluster",
/// "database","collection","result","job_id" (integer or null),"duration" (or null),
/// "message"}]}.
std::string once_summary_json(const std::vector<once_result>& results);

}  // namespace refreshd::daemon
