#include <csignal>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <unistd.h>
#include <variant>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <refreshd/cli/check_config.hpp>
#include <refreshd/cli/exit_codes.hpp>
#include <refreshd/cli/target.hpp>
#include <refreshd/config/load_config.hpp>
#include <refreshd/config/version.hpp>
#include <refreshd/daemon/cli.hpp>
#include <refreshd/daemon/run_command.hpp>
#include <refreshd/http/listen_tls.hpp>

#include "cli_api.hpp"
#include "cli_daemon.hpp"

namespace refreshd::daemon {
namespace {

void setup_cli_logging() {
  auto logger = spdlog::stderr_color_mt("cli");
  logger->set_pattern("%^%l%$: %v");
  spdlog::set_default_logger(logger);
}

}  // namespace

int run_cli(int argc, char** argv) {
  setup_cli_logging();
  CLI::App app{"milvus-refreshd: keeps Milvus / Zilliz Cloud external collections fresh"};
  app.footer(api_exit_code_help);
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(version()));

  const auto api_commands = add_api_commands(app);

  check_config_args check;
  std::string check_output = "text";
  std::string check_at;
  bool skip_file_checks = false;
  auto* check_cmd = app.add_subcommand(
      "check-config", "Validate a config file and show each collection's next run times");
  check_cmd->add_option("-c,--config", check.file,
                        "Config file (default: $MILVUS_REFRESHD_CONFIG or "
                        "/etc/milvus-refreshd/config.yaml)");
  check_cmd->add_option("--next", check.next, "How many run times to show per collection")
      ->check(CLI::Range(0, 1000));
  check_cmd->add_option("--output", check_output, "Output format")
      ->check(CLI::IsMember({"text", "json"}));
  check_cmd->add_option("--at", check_at,
                        "Compute runs as if now were this UTC instant "
                        "(e.g. 2026-03-28T00:00:00Z)");
  check_cmd->add_flag("--skip-file-checks", skip_file_checks,
                      "Do not check token/CA files and token variables (config for another host)");
  query_option check_query;
  add_query_option(check_cmd, check_query);
  check_cmd->footer("Exit codes: 0 valid; 2 invalid or unreadable.");

  run_options run_opts;
  auto* run_cmd = add_run_command(app, run_opts);
  query_option run_query;
  add_query_option(run_cmd, run_query);

  const auto daemon_commands = add_daemon_commands(app);

  auto* ver = app.add_subcommand("version", "Print the version and exit");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? exit_ok : exit_usage;
  }

  try {
    if (ver->parsed()) {
      std::cout << "milvus-refreshd " << version() << " (revision " << git_revision() << ")\n";
      return exit_ok;
    }
    if (run_cmd->parsed()) {
      run_opts.query = run_query.value();
      if (!run_opts.once && (run_opts.query || run_opts.output != "text")) {
        throw usage_error("--output and --query shape the summary of run --once: give --once");
      }
      return run_command(run_opts);
    }
    if (check_cmd->parsed()) {
      if (check.file.empty()) {
        check.file = default_config_path();
      }
      const auto query = check_query.value();
      check.format = check_output == "json" || query ? output_format::json : output_format::text;
      check.check_files = !skip_file_checks;
      check.check_listener_files = check_listen_tls_files;
      if (!check_at.empty()) {
        check.at = parse_utc_instant(check_at);
        if (!check.at) {
          throw usage_error("--at " + check_at + ": expected an instant like 2026-03-28T00:00:00Z");
        }
      }
      return with_query(query, std::cout, std::cerr, isatty(STDOUT_FILENO) == 1,
                        [&](std::ostream& out) { return run_check_config(check, out, std::cerr); });
    }
    if (auto rc = run_daemon_commands(daemon_commands)) {
      return *rc;
    }
    if (auto rc = run_api_commands(api_commands)) {
      return *rc;
    }
  } catch (const usage_error& e) {
    std::cerr << "error: " << e.what() << '\n';
    return exit_usage;
  } catch (const std::invalid_argument& e) {
    // Raised while building the client: bad URL, unreadable CA file.
    std::cerr << "error: " << e.what() << '\n';
    return exit_usage;
  }
  return exit_usage;
}

}  // namespace refreshd::daemon
