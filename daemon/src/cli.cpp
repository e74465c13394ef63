#include <charconv>
#include <csignal>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <unistd.h>
#include <variant>

#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <refreshd/cli/api_commands.hpp>
#include <refreshd/cli/check_config.hpp>
#include <refreshd/cli/duration_arg.hpp>
#include <refreshd/cli/exit_codes.hpp>
#include <refreshd/cli/interruptible.hpp>
#include <refreshd/cli/target.hpp>
#include <refreshd/client/http_refresh_api.hpp>
#include <refreshd/config/file_read.hpp>
#include <refreshd/config/load_config.hpp>
#include <refreshd/config/version.hpp>
#include <refreshd/daemon/cli.hpp>
#include <refreshd/daemon/run_command.hpp>
#include <refreshd/http/listen_tls.hpp>

#include "cli_daemon.hpp"

namespace refreshd::daemon {
namespace {

/// Largest --external-spec-file accepted (bytes).
constexpr std::size_t max_external_spec_file_size = std::size_t{64} * 1024;

constexpr const char* exit_code_help =
    "Exit codes: 0 ok; 1 a job failed or an API call failed; 2 usage or configuration error;\n"
    "3 the cluster does not support the refresh API (HTTP 404); 4 authentication failed;\n"
    "130/143 interrupted (SIGINT/SIGTERM).";

struct api_command_options {
  target_options conn;
  std::string output = "text";
  // trigger
  std::string name;
  std::string external_source;
  std::string external_spec;
  std::string external_spec_file;  ///< "-": standard input
  bool wait = false;
  std::string poll_interval = "1s";
  std::string poll_max = "10s";
  // describe
  std::string job_id;
};

void add_connection_options(CLI::App* cmd, api_command_options& o) {
  auto* group = cmd->add_option_group("connection");
  group->add_option("--endpoint", o.conn.endpoint, "Cluster URL, e.g. https://host:19530");
  group->add_option("--token-env", o.conn.token_env, "Read the API token from this variable");
  group->add_option("--token-file", o.conn.token_file, "Read the API token from this file");
  group->add_option("--token", o.conn.token,
                    "API token on the command line (visible in ps; prefer --token-env)");
  group->add_option("-c,--config", o.conn.config_file, "Config file (with --cluster)");
  group->add_option("--cluster", o.conn.cluster, "Cluster name from the config file");
  group->add_option("--ca-file", o.conn.ca_file, "Extra CA certificate (PEM) to trust");
  group->add_flag("--insecure-skip-verify", o.conn.insecure_skip_verify,
                  "Do not verify the server certificate (dangerous)");
  group->add_option("--timeout", o.conn.timeout,
                    "Per-request timeout (default: the cluster's request_timeout, or 10s)");
  cmd->add_option("--database", o.conn.database, "Database (default: the server's default)");
  cmd->add_option("--output", o.output, "Output format")->check(CLI::IsMember({"text", "json"}));
}

output_format format_of(const api_command_options& o) {
  return o.output == "json" ? output_format::json : output_format::text;
}

client::job_id parse_job_id(const std::string& text) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || v <= 0) {
    throw usage_error("--job-id " + text + ": expected a positive 64-bit integer");
  }
  return client::job_id{v, false};
}

/// The spec of `trigger`: --external-spec (warns: visible in ps) or --external-spec-file FILE
/// ("-" = standard input), read like a token file: bounded, a regular file, never quoted.
std::string external_spec_of(const api_command_options& o) {
  if (!o.external_spec.empty() && !o.external_spec_file.empty()) {
    throw usage_error("give only one of --external-spec and --external-spec-file");
  }
  if (!o.external_spec.empty()) {
    spdlog::warn(
        "--external-spec puts the spec (which may hold object-store keys) on the command line, "
        "visible in ps and shell history; prefer --external-spec-file");
    return o.external_spec;
  }
  if (o.external_spec_file.empty()) {
    return {};
  }
  std::string spec;
  try {
    spec = o.external_spec_file == "-"
               ? config::read_bounded_fd(STDIN_FILENO, max_external_spec_file_size, "external spec",
                                         "from standard input")
               : config::read_bounded_regular_file(
                     o.external_spec_file, max_external_spec_file_size, "external spec file");
  } catch (const config::file_read_error& e) {
    throw usage_error(e.what());
  }
  while (!spec.empty() && (spec.back() == '\n' || spec.back() == '\r')) {
    spec.pop_back();
  }
  if (spec.empty()) {
    throw usage_error("--external-spec-file " + o.external_spec_file + " is empty");
  }
  return spec;
}

/// SIGINT/SIGTERM during an API command: 130/143, and the job keeps running.
int api_interrupted(int sig) {
  std::cerr << "interrupted; a job that was started keeps running on the server\n";
  return exit_for_signal(sig);
}

int run_api_command(const std::string& which, api_command_options& o) {
  auto conn = resolve_target(o.conn, o.name);
  net::io_context ioc;
  client::http_refresh_api api(ioc.get_executor(), conn.endpoint, conn.token, conn.http);
  cli_io io{std::cout, std::cerr, isatty(STDOUT_FILENO) == 1};
  auto fmt = format_of(o);
  if (which == "trigger") {
    trigger_args args;
    args.request.database = conn.database;
    args.request.collection = o.name;
    const std::string spec = external_spec_of(o);
    if (o.external_source.empty() != spec.empty()) {
      throw usage_error(
          "--external-source and --external-spec (or --external-spec-file) must be given "
          "together");
    }
    if (!o.external_source.empty()) {
      args.request.external_source = o.external_source;
      args.request.external_spec = spec;
    } else if (!conn.external_source.empty()) {
      // The collection's configured pair, as the daemon would send it.
      args.request.external_source = conn.external_source;
      args.request.external_spec = conn.external_spec;
    }
    args.wait = o.wait;
    args.format = fmt;
    args.poll.poll_initial = parse_duration_arg("--poll-interval", o.poll_interval);
    args.poll.poll_max =
        std::max(args.poll.poll_initial, parse_duration_arg("--poll-max", o.poll_max));
    return run_interruptible(
        ioc, [&] { return run_trigger(api, args, io); }, api_interrupted);
  }
  if (which == "describe") {
    auto id = parse_job_id(o.job_id);
    return run_interruptible(
        ioc, [&] { return run_describe(api, id, fmt, io); }, api_interrupted);
  }
  client::list_request req{conn.database, o.name};  // keeps default_list_records (1000)
  const int rc = run_interruptible(
      ioc, [&] { return run_list(api, req, fmt, io); }, api_interrupted);
  if (rc == exit_ok && api.last_list_dropped() > 0) {
    std::cerr << "note: " << api.last_list_dropped() << " more records in the answer are not "
              << "shown (at most " << req.max_records
              << " are kept: active and newest jobs first)\n";
  }
  return rc;
}

void setup_cli_logging() {
  auto logger = spdlog::stderr_color_mt("cli");
  logger->set_pattern("%^%l%$: %v");
  spdlog::set_default_logger(logger);
}

}  // namespace

int run_cli(int argc, char** argv) {
  setup_cli_logging();
  CLI::App app{"milvus-refreshd: keeps Milvus / Zilliz Cloud external collections fresh"};
  app.footer(exit_code_help);
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(version()));

  api_command_options opts;
  auto* trigger = app.add_subcommand("trigger", "Start a refresh job of one collection");
  add_connection_options(trigger, opts);
  trigger->add_option("--name", opts.name, "Collection name")->required();
  trigger->add_option("--external-source", opts.external_source,
                      "Override the source URI (with --external-spec)");
  trigger->add_option("--external-spec", opts.external_spec,
                      "Override the source spec JSON (with --external-source; visible in ps, "
                      "prefer --external-spec-file)");
  trigger->add_option("--external-spec-file", opts.external_spec_file,
                      "Read the source spec JSON from this file, - for standard input "
                      "(with --external-source)");
  trigger->add_flag("--wait", opts.wait, "Wait until the job ends, showing progress");
  trigger->add_option("--poll-interval", opts.poll_interval,
                      "With --wait: first describe interval (default 1s)");
  trigger->add_option("--poll-max", opts.poll_max,
                      "With --wait: longest describe interval (default 10s)");
  trigger->footer(exit_code_help);

  auto* describe = app.add_subcommand("describe", "Show one refresh job");
  add_connection_options(describe, opts);
  describe->add_option("--job-id", opts.job_id, "Job id")->required();
  describe->footer(exit_code_help);

  auto* list = app.add_subcommand("list", "List refresh jobs, newest first");
  add_connection_options(list, opts);
  list->add_option("--name", opts.name, "Only jobs of this collection");
  list->footer(exit_code_help);

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
  check_cmd->footer("Exit codes: 0 valid; 2 invalid or unreadable.");

  run_options run_opts;
  auto* run_cmd = add_run_command(app, run_opts);

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
      return run_command(run_opts);
    }
    if (check_cmd->parsed()) {
      if (check.file.empty()) {
        check.file = default_config_path();
      }
      check.format = check_output == "json" ? output_format::json : output_format::text;
      check.check_files = !skip_file_checks;
      check.check_listener_files = check_listen_tls_files;
      if (!check_at.empty()) {
        check.at = parse_utc_instant(check_at);
        if (!check.at) {
          throw usage_error("--at " + check_at + ": expected an instant like 2026-03-28T00:00:00Z");
        }
      }
      return run_check_config(check, std::cout, std::cerr);
    }
    if (auto rc = run_daemon_commands(daemon_commands)) {
      return *rc;
    }
    for (auto* cmd : {trigger, describe, list}) {
      if (cmd->parsed()) {
        return run_api_command(cmd->get_name(), opts);
      }
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
