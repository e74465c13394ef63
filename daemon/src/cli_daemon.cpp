// The command line of the commands that talk to a running daemon (docs/CLI.md "The daemon's
// commands"): status, pause, resume, refresh.
#include "cli_daemon.hpp"

#include <iostream>
#include <unistd.h>

#include <refreshd/cli/daemon_commands.hpp>
#include <refreshd/cli/duration_arg.hpp>
#include <refreshd/cli/target.hpp>

namespace refreshd::daemon {
namespace {

constexpr const char* daemon_help =
    "The daemon is found like this: --url, else the listen address (and listen_tls) of the\n"
    "config (-c, else $MILVUS_REFRESHD_CONFIG, else /etc/milvus-refreshd/config.yaml), else\n"
    "http://127.0.0.1:9748. Tokens: --read-token-file / --admin-token-file, else the config's\n"
    "read_auth.token_file / admin.token_file. The collection (pause, resume, refresh): its\n"
    "cluster and database come from the config's collection --name unless given; an\n"
    "ambiguous name lists the candidates, a name the config does not hold the nearest ones.\n"
    "Exit codes: 0 ok; 1 the daemon cannot be reached or refused the request; 2 usage error or\n"
    "unknown collection; 4 the daemon refused the token; 130/143 interrupted.";

void add_target_options(CLI::App* cmd, daemon_target_options& o) {
  auto* g = cmd->add_option_group("daemon");
  g->add_option("--url", o.url, "The daemon's address, e.g. http://127.0.0.1:9748");
  g->add_option("-c,--config", o.config_file, "The daemon's config (its address and tokens)");
  g->add_option("--read-token-file", o.read_token_file, "Bearer token for /status (read_auth)");
  g->add_option("--admin-token-file", o.admin_token_file, "The admin token (pause, resume, ...)");
  g->add_option("--ca-file", o.ca_file, "CA certificate (PEM) to verify an https daemon with");
  g->add_flag("--insecure-skip-verify", o.insecure_skip_verify,
              "Do not verify the daemon's certificate (dangerous)");
  g->add_option("--timeout", o.timeout, "Per request (default 10s)");
  cmd->footer(daemon_help);
}

}  // namespace

daemon_command_set add_daemon_commands(CLI::App& app) {
  daemon_command_set s;
  auto& o = *s.options;
  s.status = app.add_subcommand("status", "Show the daemon's collections as a table");
  add_target_options(s.status, o.target);
  s.status->add_option("--cluster", o.status.cluster, "Only this cluster");
  s.status->add_option("--status", o.status.status,
                       "Only these statuses, comma-separated (e.g. failing,stuck)");
  s.status->add_flag("--watch", o.status.watch, "Redraw in place until interrupted");
  s.status->add_option("--interval", o.interval, "With --watch: how often (default 2s)");
  s.status->add_option("--output", o.output, "Output format")
      ->check(CLI::IsMember({"text", "json"}));
  add_query_option(s.status, o.query);
  for (const char* verb : {"pause", "resume", "refresh"}) {
    auto* cmd = app.add_subcommand(
        verb, std::string(verb == std::string("pause")    ? "Pause a collection in the daemon"
                          : verb == std::string("resume") ? "Resume a paused collection"
                                                          : "Refresh a collection now, through "
                                                            "the daemon"));
    add_target_options(cmd, o.target);
    cmd->add_option("--name", o.intent.name, "Collection name")->required();
    cmd->add_option("--cluster", o.intent.cluster,
                    "Its cluster (default: from the config, when the name is unique)");
    cmd->add_option("--database", o.intent.database, "Its database (default: from the config)");
    if (verb == std::string("pause")) {
      cmd->add_option("--reason", o.intent.reason, "Why (shown in /status and the log)");
    }
    cmd->add_option("--output", o.output, "Output format")->check(CLI::IsMember({"text", "json"}));
    add_query_option(cmd, o.query);
    s.verbs.push_back(cmd);
  }
  return s;
}

std::optional<int> run_daemon_commands(const daemon_command_set& s) {
  auto& o = *s.options;
  const auto query = o.query.value();
  const auto format = o.output == "json" || query ? output_format::json : output_format::text;
  const bool tty = isatty(STDOUT_FILENO) == 1;
  if (s.status->parsed()) {
    if (query && o.status.watch) {
      throw usage_error("--query prints one value: it does not go with --watch");
    }
    o.status.format = format;
    o.status.interval = parse_duration_arg("--interval", o.interval);
    const auto t = resolve_daemon_target(o.target);
    return with_query(query, std::cout, std::cerr, tty, [&](std::ostream& out) {
      return run_status(t, o.status, out, std::cerr, tty);
    });
  }
  for (auto* cmd : s.verbs) {
    if (cmd->parsed()) {
      o.intent.verb = cmd->get_name();
      o.intent.format = format;
      const auto t = resolve_daemon_target(o.target);
      complete_collection(o.intent, t.context);
      return with_query(query, std::cout, std::cerr, tty,
                        [&](std::ostream& out) { return run_intent(t, o.intent, out, std::cerr); });
    }
  }
  return std::nullopt;
}

}  // namespace refreshd::daemon
