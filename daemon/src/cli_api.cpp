// The commands that talk to a Milvus cluster (trigger, describe, list) and those that show the
// CLI's context (clusters, collections): their command line (docs/CLI.md, README "The CLI").
#include "cli_api.hpp"

#include <charconv>
#include <iostream>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <refreshd/cli/api_commands.hpp>
#include <refreshd/cli/context.hpp>
#include <refreshd/cli/duration_arg.hpp>
#include <refreshd/cli/exit_codes.hpp>
#include <refreshd/cli/interruptible.hpp>
#include <refreshd/client/http_refresh_api.hpp>
#include <refreshd/config/file_read.hpp>
#include <refreshd/config/safe_text.hpp>
#include <refreshd/runtime/clock.hpp>
#include <refreshd/runtime/rate_limited_api.hpp>

namespace refreshd::daemon {
namespace {

/// Largest --external-spec-file accepted (bytes).
constexpr std::size_t max_external_spec_file_size = std::size_t{64} * 1024;

constexpr const char* context_help =
    "Context: without --endpoint, the cluster comes from the config (-c FILE, else\n"
    "$MILVUS_REFRESHD_CONFIG, else /etc/milvus-refreshd/config.yaml): --cluster, else the\n"
    "cluster of the configured collection --name (its database too; --database overrides),\n"
    "else the config's only cluster. The cluster's token, TLS, request_timeout and rate_limit\n"
    "apply; trigger sends a configured collection's external_source and external_spec.\n"
    "`milvus-refreshd clusters` and `milvus-refreshd collections` show the context.\n"
    "--query PATH prints one value of the JSON answer (a JSON Pointer, RFC 6901, e.g. /job_id).\n";

void add_connection_options(CLI::App* cmd, api_command_options& o) {
  auto* group = cmd->add_option_group("connection");
  group->add_option("--endpoint", o.conn.endpoint,
                    "Cluster URL, e.g. https://host:19530 (instead of the config's context)");
  group->add_option("--token-env", o.conn.token_env, "With --endpoint: the API token's variable");
  group->add_option("--token-file", o.conn.token_file, "With --endpoint: the API token's file");
  group->add_option("--token", o.conn.token,
                    "With --endpoint: the API token (visible in ps; prefer --token-env)");
  group->add_option("-c,--config", o.conn.config_file,
                    "The context's config (default: $MILVUS_REFRESHD_CONFIG, else "
                    "/etc/milvus-refreshd/config.yaml)");
  group->add_option("--cluster", o.conn.cluster,
                    "The config's cluster (default: the collection's, or the only one)");
  group->add_option("--ca-file", o.conn.ca_file, "Extra CA certificate (PEM) to trust");
  group->add_flag("--insecure-skip-verify", o.conn.insecure_skip_verify,
                  "Do not verify the server certificate (dangerous)");
  group->add_option("--timeout", o.conn.timeout,
                    "Per-request timeout (default: the cluster's request_timeout, or 10s)");
  cmd->add_option("--database", o.conn.database,
                  "Database (default: the configured collection's, the cluster's, or the "
                  "server's default)");
  cmd->add_option("--output", o.output, "Output format")->check(CLI::IsMember({"text", "json"}));
  add_query_option(cmd, o.query);
  cmd->footer(std::string(context_help) + api_exit_code_help);
}

client::job_id parse_job_id(const std::string& text) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || v <= 0) {
    throw usage_error("--job-id " + safe_text(text) + ": expected a positive 64-bit integer");
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

/// SIGINT/SIGTERM during an API command: 130/143, and the job keeps running (its id said, when
/// known: with --output json or --query nothing else may have shown it).
int api_interrupted(int sig, client::job_id followed) {
  std::cerr << "interrupted; "
            << (followed.value != 0 ? "job " + std::to_string(followed.value)
                                    : std::string("a job that was started"))
            << " keeps running on the server\n";
  return exit_for_signal(sig);
}

trigger_args trigger_args_of(const api_command_options& o, const cluster_target& conn) {
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
  args.poll.poll_initial = parse_duration_arg("--poll-interval", o.poll_interval);
  args.poll.poll_max =
      std::max(args.poll.poll_initial, parse_duration_arg("--poll-max", o.poll_max));
  if (!o.timeout_total.empty()) {
    if (!o.wait) {
      throw usage_error("--timeout-total limits --wait: give --wait too");
    }
    args.timeout_total = parse_duration_arg("--timeout-total", o.timeout_total);
  }
  args.label = conn.label;
  args.reach = conn.reach;
  return args;
}

int run_api_command(const std::string& which, const api_command_options& o,
                    const std::optional<std::string>& query) {
  auto conn = resolve_target(o.conn, o.name);
  net::io_context ioc;
  client::http_refresh_api http_api(ioc.get_executor(), conn.endpoint, conn.token, conn.http);
  // From the context, the cluster's rate limit applies as in the daemon.
  std::optional<basic_rate_limiter<real_clock>> limiter;
  std::optional<basic_rate_limited_api<real_clock>> limited;
  client::refresh_api* api = &http_api;
  if (conn.rate_limit) {
    limiter.emplace(ioc.get_executor(), token_bucket_options{.rate = *conn.rate_limit});
    api = &limited.emplace(http_api, *limiter);
  }
  const bool tty = isatty(STDOUT_FILENO) == 1;
  const auto fmt = o.output == "json" || query ? output_format::json : output_format::text;
  std::string hint;
  if (!conn.nearest.empty()) {
    hint = safe_text(o.name) + " is not in the config either; did you mean " +
           join_names(conn.nearest) + "? (milvus-refreshd collections lists them)";
  }
  client::job_id followed{};
  const auto interrupted = [&](int sig) { return api_interrupted(sig, followed); };
  const auto command = [&](std::ostream& out) -> int {
    cli_io io{out, std::cerr, tty, hint, &followed};
    if (which == "trigger") {
      auto args = trigger_args_of(o, conn);
      args.format = fmt;
      args.progress = !query;
      return run_interruptible(
          ioc, [&] { return run_trigger(*api, args, io); }, interrupted);
    }
    if (which == "describe") {
      auto id = parse_job_id(o.job_id);
      return run_interruptible(
          ioc, [&] { return run_describe(*api, id, fmt, io); }, interrupted);
    }
    list_args args;
    args.request = {conn.database, o.name};
    args.request.max_records = std::max(o.limit, args.request.max_records);
    args.states =
        o.states.empty() ? std::vector<client::job_state>{} : parse_state_filter(o.states);
    args.limit = o.limit;
    args.format = fmt;
    const int rc = run_interruptible(
        ioc, [&] { return run_list(*api, args, io); }, interrupted);
    if (rc == exit_ok && http_api.last_list_dropped() > 0 && o.limit == 0) {
      std::cerr << "note: " << http_api.last_list_dropped()
                << " more records in the answer are not shown (at most " << args.request.max_records
                << " are kept: active and newest jobs first; --limit N keeps more)\n";
    }
    return rc;
  };
  return with_query(query, std::cout, std::cerr, tty, command);
}

int run_context_command(bool clusters, const api_command_options& o,
                        const std::optional<std::string>& query) {
  const auto ctx = load_cli_context(o.conn.config_file, /*required=*/true, {});
  const auto fmt = o.output == "json" || query ? output_format::json : output_format::text;
  return with_query(query, std::cout, std::cerr, isatty(STDOUT_FILENO) == 1,
                    [&](std::ostream& out) {
                      if (clusters) {
                        print_clusters(ctx, fmt, out);
                      } else {
                        print_collections(ctx, o.conn.cluster, fmt, out);
                      }
                      return int(exit_ok);
                    });
}

}  // namespace

api_command_set add_api_commands(CLI::App& app) {
  api_command_set s;
  auto& o = *s.options;
  s.trigger = app.add_subcommand("trigger", "Start a refresh job of one collection");
  add_connection_options(s.trigger, o);
  s.trigger->add_option("--name", o.name, "Collection name")->required();
  s.trigger->add_option("--external-source", o.external_source,
                        "Override the source URI (with --external-spec)");
  s.trigger->add_option("--external-spec", o.external_spec,
                        "Override the source spec JSON (with --external-source; visible in ps, "
                        "prefer --external-spec-file)");
  s.trigger->add_option("--external-spec-file", o.external_spec_file,
                        "Read the source spec JSON from this file, - for standard input "
                        "(with --external-source)");
  s.trigger->add_flag("--wait", o.wait, "Wait until the job ends, showing progress");
  s.trigger->add_option("--poll-interval", o.poll_interval,
                        "With --wait: first describe interval (default 1s)");
  s.trigger->add_option("--poll-max", o.poll_max,
                        "With --wait: longest describe interval (default 10s)");
  s.trigger->add_option("--timeout-total", o.timeout_total,
                        "With --wait: give up waiting after this long (exit 1; the job keeps "
                        "running and its id is printed)");

  s.describe = app.add_subcommand("describe", "Show one refresh job");
  add_connection_options(s.describe, o);
  s.describe->add_option("--job-id", o.job_id, "Job id")->required();

  s.list = app.add_subcommand("list", "List refresh jobs, newest first");
  add_connection_options(s.list, o);
  s.list->add_option("--name", o.name, "Only jobs of this collection");
  s.list->add_option("--state", o.states,
                     "Only jobs in these states, comma-separated: Pending, InProgress, "
                     "Completed, Failed");
  s.list->add_option("--limit", o.limit, "At most this many jobs, newest first (default: all)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}));

  const char* context_rules =
      "The context is the config: -c FILE, else $MILVUS_REFRESHD_CONFIG, else\n"
      "/etc/milvus-refreshd/config.yaml. trigger, describe and list take their cluster,\n"
      "token and collection settings from it.\n";
  s.clusters = app.add_subcommand("clusters", "Show the clusters of the config (the context)");
  s.collections = app.add_subcommand(
      "collections", "Show the collections of the config (the context), in its order");
  for (auto* cmd : {s.clusters, s.collections}) {
    cmd->add_option("-c,--config", o.conn.config_file, "Config file");
    cmd->add_option("--output", o.output, "Output format")->check(CLI::IsMember({"text", "json"}));
    add_query_option(cmd, o.query);
    cmd->footer(std::string(context_rules) + "Exit codes: 0 ok; 2 no config, or invalid.");
  }
  s.collections->add_option("--cluster", o.conn.cluster, "Only this cluster's");
  return s;
}

std::optional<int> run_api_commands(const api_command_set& s) {
  const auto& o = *s.options;
  if (s.clusters->parsed() || s.collections->parsed()) {
    return run_context_command(s.clusters->parsed(), o, o.query.value());
  }
  for (auto* cmd : {s.trigger, s.describe, s.list}) {
    if (cmd->parsed()) {
      return run_api_command(cmd->get_name(), o, o.query.value());
    }
  }
  return std::nullopt;
}

}  // namespace refreshd::daemon
