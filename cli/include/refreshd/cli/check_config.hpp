#pragma once
// `milvus-refreshd check-config`: validate a config file and print, per collection, the next N
// run times in the collection's time zone (README.md, "The CLI").

#include <chrono>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>

#include <refreshd/cli/job_output.hpp>
#include <refreshd/config/config.hpp>

namespace refreshd::daemon {

struct check_config_args {
  std::filesystem::path file;
  int next = 5;
  output_format format = output_format::text;
  /// Evaluate "now" at this instant (tests, what-if); default: the current time.
  std::optional<std::chrono::sys_seconds> at;
  /// Check token files, CA files and token variables on this machine.
  bool check_files = true;
  /// With check_files: loads the listener's TLS files as the daemon would and returns the
  /// problem, nullopt when they are fine or absent. The program passes the HTTP library's
  /// check (check_listen_tls_files); empty: not checked.
  std::function<std::optional<std::string>(const config::config&)> check_listener_files;
};

/// Exit code: 0 valid, 2 invalid or unreadable.
int run_check_config(const check_config_args& args, std::ostream& out, std::ostream& err);

/// Parses "2026-03-28T00:00:00Z" (UTC, "Z" suffix). nullopt on a bad value.
std::optional<std::chrono::sys_seconds> parse_utc_instant(std::string_view text);

}  // namespace refreshd::daemon
