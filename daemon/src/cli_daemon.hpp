#pragma once
// Private to the command line (cli.cpp): the subcommands that talk to a running daemon.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include <refreshd/cli/daemon_commands.hpp>

#include "cli_query.hpp"

namespace refreshd::daemon {

struct daemon_command_options {
  daemon_target_options target;
  status_args status;
  intent_args intent;
  std::string interval = "2s";
  std::string output = "text";
  query_option query;
};

struct daemon_command_set {
  std::shared_ptr<daemon_command_options> options = std::make_shared<daemon_command_options>();
  CLI::App* status = nullptr;
  std::vector<CLI::App*> verbs;  ///< pause, resume, refresh
};

daemon_command_set add_daemon_commands(CLI::App& app);
/// The exit code of the daemon command that was parsed; nullopt when none was.
std::optional<int> run_daemon_commands(const daemon_command_set& s);

}  // namespace refreshd::daemon
