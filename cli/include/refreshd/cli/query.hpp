#pragma once
// `--query PATH` (docs/CLI.md "--query"): one value of a command's JSON answer, printed bare for
// scripts. PATH is a JSON Pointer (RFC 6901): "/job_id", "/jobs/0/state", "" for the whole answer.

#include <iosfwd>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace refreshd::daemon {

/// Throws usage_error when `path` is not a JSON Pointer (checked before a command does anything).
void check_query(const std::string& path);

/// Prints the value at `path` of `answer` (one JSON document) on `out`, bare: a string without
/// quotes (through safe_text when `tty`: never raw server text on a terminal), a number exactly
/// as the answer has it (int64 job ids too), true / false / null, an object or array as compact
/// JSON; then a newline. Returns 0, or 2 when the path is not in the answer (the message on
/// `err` names the path, what is there instead and the nearest key), or 1 when `answer` is not
/// JSON.
int print_query(const std::string& path, std::string_view answer, std::ostream& out,
                std::ostream& err, bool tty);

/// Runs `command(out)` (an exit code); with a query, the command writes its JSON answer to a
/// buffer and only the queried value reaches `out`. A command that printed nothing (it failed
/// before answering) keeps its code; one that failed after answering keeps its code even when
/// the path is missing (the message is printed all the same).
template <class Command>
int with_query(const std::optional<std::string>& query, std::ostream& out, std::ostream& err,
               bool tty, Command command) {
  if (!query) {
    return command(out);
  }
  std::ostringstream answer;
  const int rc = command(static_cast<std::ostream&>(answer));
  if (answer.view().empty()) {
    return rc;
  }
  const int printed = print_query(*query, answer.view(), out, err, tty);
  return rc != 0 ? rc : printed;
}

}  // namespace refreshd::daemon
