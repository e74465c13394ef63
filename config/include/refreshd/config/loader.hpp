#pragma once
// Loading and validating a configuration file (docs/CONFIG.md).

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <refreshd/config/config.hpp>
#include <refreshd/config/diagnostic.hpp>
#include <refreshd/config/env.hpp>

namespace refreshd::config {

/// Validates a schedule text: nullopt when valid, otherwise an error message (which may quote
/// the schedule: schedules are not secret).
using schedule_checker = std::function<std::optional<std::string>(std::string_view schedule)>;

/// The default schedule check: the full parser of schedule/ (cron ranges, macros, "every D",
/// "after D"); nullopt when valid, otherwise its error message.
std::optional<std::string> basic_schedule_check(std::string_view schedule);

struct load_options {
  /// Variable lookup for ${VAR} expansion and for checking token_env. Default: the process env.
  env_lookup env = process_env();
  /// Schedule validation; empty: basic_schedule_check (tests inject their own).
  schedule_checker check_schedule;
  /// Check files at load time: token files must exist, be readable and non-empty (warning when
  /// readable by group or others), tls.ca_file must be readable, and token_env variables must be
  /// set and non-empty. Turn off to validate a file meant for another machine.
  bool check_files = true;
  /// Base for relative paths (token_file, tls.ca_file, admin.token_file). load_config_file uses
  /// the config file's directory when this is empty; load_config_string the current directory.
  std::filesystem::path base_directory;
};

/// Either a valid config (`errors` empty) or every error found. Warnings come in both cases.
/// Both lists are sorted by line and column.
struct load_result {
  std::optional<config> value;
  std::vector<diagnostic> errors;
  std::vector<diagnostic> warnings;

  [[nodiscard]] bool ok() const noexcept { return value.has_value(); }
};

/// Largest configuration file accepted (bytes).
inline constexpr std::size_t max_config_size = std::size_t{16} * 1024 * 1024;

/// Loads `text` as if read from `filename` (used in diagnostics only). Never throws for bad
/// input; reports YAML syntax errors (only the first: the parser stops there) and then every
/// validation error.
load_result load_config_string(std::string_view text, std::string filename,
                               const load_options& options = {});

/// Reads and loads a file. An unreadable or oversized file is one error at line 0.
load_result load_config_file(const std::filesystem::path& path, const load_options& options = {});

/// Thrown by load_config_file_or_throw: what() holds every error, one per line, formatted by
/// to_string(diagnostic).
class config_load_error : public std::runtime_error {
 public:
  explicit config_load_error(std::vector<diagnostic> errors);
  [[nodiscard]] const std::vector<diagnostic>& errors() const noexcept { return errors_; }

 private:
  std::vector<diagnostic> errors_;
};

/// load_config_file for startup: returns the config or throws config_load_error once with all
/// errors. Warnings are appended to `*warnings` when given.
config load_config_file_or_throw(const std::filesystem::path& path,
                                 const load_options& options = {},
                                 std::vector<diagnostic>* warnings = nullptr);

}  // namespace refreshd::config
