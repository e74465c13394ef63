#pragma once
// Private to the command line (cli.cpp): the commands that talk to a Milvus cluster (trigger,
// describe, list) and those that show the context (clusters, collections): docs/CLI.md.
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include <refreshd/cli/target.hpp>

#include "cli_query.hpp"

namespace refreshd::daemon {

/// The exit codes of the commands that talk to a cluster (README "The CLI").
inline constexpr const char* api_exit_code_help =
    "Exit codes: 0 ok; 1 a job failed or an API call failed; 2 usage or configuration error;\n"
    "3 the cluster does not support the refresh API (HTTP 404); 4 authentication failed;\n"
    "130/143 interrupted (SIGINT/SIGTERM).";

struct api_command_options {
  target_options conn;
  std::string output = "text";
  query_option query;
  // trigger
  std::string name;
  std::string external_source;
  std::string external_spec;
  std::string external_spec_file;  ///< "-": standard input
  bool wait = false;
  std::string poll_interval = "1s";
  std::string poll_max = "10s";
  std::string timeout_total;  ///< empty: wait as long as the job runs
  // describe
  std::string job_id;
  // list
  std::string states;
  std::size_t limit = 0;
};

struct api_command_set {
  std::shared_ptr<api_command_options> options = std::make_shared<api_command_options>();
  CLI::App* trigger = nullptr;
  CLI::App* describe = nullptr;
  CLI::App* list = nullptr;
  CLI::App* clusters = nullptr;
  CLI::App* collections = nullptr;
};

api_command_set add_api_commands(CLI::App& app);
/// The exit code of the command that was parsed; nullopt when none of these was.
std::optional<int> run_api_commands(const api_command_set& s);

}  // namespace refreshd::daemon
