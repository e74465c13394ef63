#pragma once
// Private to the command line: the `--query PATH` option, one per command that prints an answer
// (docs/CLI.md "--query").
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include <refreshd/cli/query.hpp>

namespace refreshd::daemon {

struct query_option {
  std::string path;
  std::vector<CLI::Option*> options;  ///< one per command; at most one is parsed

  /// The path when --query was given (checked: throws usage_error when it is no JSON Pointer).
  [[nodiscard]] std::optional<std::string> value() const {
    for (const auto* o : options) {
      if (o->count() > 0) {
        check_query(path);
        return path;
      }
    }
    return std::nullopt;
  }
};

inline void add_query_option(CLI::App* cmd, query_option& q) {
  q.options.push_back(cmd->add_option(
      "--query", q.path,
      "Print only this value of the JSON answer, bare: a JSON Pointer (RFC 6901) such as "
      "/job_id or /jobs/0/state; a path not in the answer is exit 2"));
}

}  // namespace refreshd::daemon
