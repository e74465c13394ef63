#include <spdlog/spdlog.h>

#include <refreshd/cli/context.hpp>
#include <refreshd/cli/duration_arg.hpp>
#include <refreshd/cli/target.hpp>
#include <refreshd/config/token.hpp>

namespace refreshd::daemon {
namespace {

std::string read_token_or_usage(const config::token_source& source) {
  try {
    return config::read_token(source, config::process_env());
  } catch (const config::token_error& e) {
    throw usage_error(e.what());
  }
}

std::string token_from_options(const target_options& o) {
  int sources =
      (o.token_env.empty() ? 0 : 1) + (o.token_file.empty() ? 0 : 1) + (o.token.empty() ? 0 : 1);
  if (sources > 1) {
    throw usage_error("give only one of --token-env, --token-file and --token");
  }
  if (!o.token_env.empty()) {
    return read_token_or_usage({config::token_kind::env, o.token_env, {}});
  }
  if (!o.token_file.empty()) {
    return read_token_or_usage({config::token_kind::file, o.token_file, {}});
  }
  if (!o.token.empty()) {
    spdlog::warn(
        "--token puts the token on the command line, visible in ps and shell history; "
        "prefer --token-env or --token-file");
  }
  return o.token;
}

/// The cluster (and collection) of the context: endpoint, token, TLS, timeout and rate limit.
cluster_target from_context(const target_options& o, const std::string& collection) {
  const auto ctx = load_cli_context(o.config_file, /*required=*/true,
                                    "or use --endpoint URL with --token-env VAR or --token-file "
                                    "FILE");
  const auto choice = choose_from_context(ctx, o.cluster, o.database, collection);
  const auto& cl = *choice.cluster;
  cluster_target c;
  c.endpoint = cl.endpoint;
  try {
    c.token = config::read_token(cl.token, config::process_env());
  } catch (const config::token_error& e) {
    throw usage_error("cluster " + cl.name + " of " + ctx.file.string() + ": " + e.what());
  }
  c.database = choice.database;
  c.http.tls.ca_file = o.ca_file.empty() ? cl.tls.ca_file : o.ca_file;
  c.http.tls.insecure_skip_verify = o.insecure_skip_verify || cl.tls.insecure_skip_verify;
  c.http.request_timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(cl.request_timeout);
  c.rate_limit = cl.rate_limit;
  c.nearest = choice.nearest;
  c.label = cl.name + "/" + c.database + (collection.empty() ? "" : "/" + collection);
  c.reach = (o.config_file.empty() ? "" : "-c " + o.config_file + " ") + "--cluster " + cl.name;
  if (choice.collection != nullptr && choice.collection->has_external()) {
    c.external_source = choice.collection->external->source;
    c.external_spec = choice.collection->external->spec.reveal();
  }
  return c;
}

}  // namespace

cluster_target resolve_target(const target_options& o, const std::string& collection) {
  cluster_target c;
  if (!o.endpoint.empty()) {
    if (!o.cluster.empty() || !o.config_file.empty()) {
      throw usage_error(
          "give either --endpoint (with a token option) or the config's context (-c FILE, "
          "--cluster NAME), not both");
    }
    c.endpoint = o.endpoint;
    c.token = token_from_options(o);
    c.database = o.database;
    c.http.tls.ca_file = o.ca_file;
    c.http.tls.insecure_skip_verify = o.insecure_skip_verify;
    c.reach = "--endpoint " + o.endpoint +
              (!o.token_env.empty()    ? " --token-env " + o.token_env
               : !o.token_file.empty() ? " --token-file " + o.token_file
                                       : "");
    c.label = (o.database.empty() ? std::string("default") : o.database) +
              (collection.empty() ? "" : "/" + collection);
  } else {
    if (!o.token_env.empty() || !o.token_file.empty() || !o.token.empty()) {
      throw usage_error(
          "the token comes from the config's cluster: drop the token option, or give --endpoint");
    }
    c = from_context(o, collection);
  }
  if (!o.timeout.empty()) {
    c.http.request_timeout = parse_duration_arg("--timeout", o.timeout);
  }
  c.http.io_timeout = c.http.request_timeout;
  c.http.connect_timeout = std::min(c.http.request_timeout, std::chrono::milliseconds(5000));
  return c;
}

}  // namespace refreshd::daemon
