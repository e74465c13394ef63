#pragma once
// The daemon's log lines (docs/DAEMON.md "Logging"): spdlog on stderr, `text` or `json`.
//
//   text: 2026-11-22T10:15:00.123Z info triggered refresh cluster=prod database=default
//         collection=ext_books job_id=449503829274509311
//   json: {"time":"2026-11-22T10:15:00.123Z","level":"info","msg":"triggered refresh",
//          "cluster":"prod","database":"default","collection":"ext_books",
//          "job_id":449503829274509311}
//
// Under systemd (stderr is the journal: $JOURNAL_STREAM matches it) text lines carry a
// journald priority prefix ("<6>") instead of the time stamp. Plain spdlog calls from any other
// code come out in the same format (only `msg`). Secrets (tokens, external_spec) are never
// passed to these functions; callers log job snapshots and scrubbed API errors only.

#include <cstdint>
#include <exception>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <refreshd/config/config.hpp>

namespace refreshd::daemon {

struct logging_options {
  config::log_format format = config::log_format::text;
  config::log_level level = config::log_level::info;
  /// Prefix text lines with "<N>" journald priorities and drop the time stamp. Default:
  /// detect_journal_stream().
  bool journald = false;
};

/// True when stderr is connected to the journal ($JOURNAL_STREAM names stderr's device:inode).
bool detect_journal_stream();

/// Installs a logger writing to stderr with make_formatter(options) as spdlog's default
/// logger (replacing any previous one), at options.level.
void setup_logging(const logging_options& options);

/// setup_logging writing to `out` instead of stderr (tests read the lines). `out` must outlive
/// the logger (the next setup_logging replaces it).
void setup_logging(const logging_options& options, std::ostream& out);

/// Structured fields of one line, in output order. Absent optionals are omitted. The fields own
/// their text: a log_fields may be built before a co_await and written after it, when a reload
/// may have freed the configuration it was built from (docs/DAEMON.md "Lifetimes").
struct log_fields {
  std::string cluster;
  std::string database;
  std::string collection;
  std::optional<std::int64_t> job_id;
  std::string state;
  std::optional<int> progress;
  /// Anything else: key and value (values that look like integers are still strings in JSON
  /// unless added with add_number).
  std::vector<std::pair<std::string, std::string>> extra;
  std::vector<std::pair<std::string, std::int64_t>> numbers;

  log_fields& add(std::string key, std::string value) {
    extra.emplace_back(std::move(key), std::move(value));
    return *this;
  }
  log_fields& add_number(std::string key, std::int64_t value) {
    numbers.emplace_back(std::move(key), value);
    return *this;
  }
};

/// Writes one structured line through spdlog's default logger.
/// A level of `off` writes nothing.
void log_event(config::log_level level, std::string_view msg, const log_fields& fields = {});

/// Logs an exception that escaped a task (`what`: "scheduler loop", ...) at critical level as
/// "internal error (a bug)"; nothing when `e` is null. For the end of every task (spawn_task).
void log_task_failure(const char* what, std::exception_ptr e);

/// The text form of one structured payload (used by the formatter; exposed for tests):
/// "msg key=value ..." where values that are empty or hold a space, '"', '=', '\', a control,
/// C1 or bidi character or invalid UTF-8 are quoted with the escapes of docs/SECURITY.md
/// "Hostile strings" (\n \" \\ \x1b \u202e); msg is quoted too when it holds one of the last four.
std::string render_text_fields(std::string_view payload);

}  // namespace refreshd::daemon
