#include <spdlog/spdlog.h>

#include <refreshd/cli/duration_arg.hpp>
#include <refreshd/cli/target.hpp>
#include <refreshd/config/load_config.hpp>
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

/// -c FILE --cluster NAME: endpoint, token, TLS and timeout from the config file.
cluster_target from_config(const target_options& o, const std::string& collection) {
  std::filesystem::path file =
      o.config_file.empty() ? default_config_path() : std::filesystem::path(o.config_file);
  // Files of other clusters (token files, CA files) need not exist on this machine.
  auto loaded = load_daemon_config(file, /*check_files=*/false);
  if (!loaded.ok()) {
    throw usage_error("invalid config:\n" + config::to_string(loaded.errors));
  }
  const auto* cl = config::find_cluster(*loaded.value, o.cluster);
  if (cl == nullptr) {
    std::string names;
    for (const auto& c : loaded.value->clusters) {
      names += (names.empty() ? "" : ", ") + c.name;
    }
    throw usage_error("--cluster " + o.cluster + ": no such cluster in " + file.string() +
                      " (clusters: " + names + ")");
  }
  cluster_target c;
  c.endpoint = cl->endpoint;
  c.token = read_token_or_usage(cl->token);
  c.database = o.database.empty() ? cl->database : o.database;
  c.http.tls.ca_file = o.ca_file.empty() ? cl->tls.ca_file : o.ca_file;
  c.http.tls.insecure_skip_verify = o.insecure_skip_verify || cl->tls.insecure_skip_verify;
  c.http.request_timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(cl->request_timeout);
  if (!collection.empty()) {
    for (const auto& co : cl->collections) {
      if (co.name == collection && (o.database.empty() || *co.database == o.database)) {
        c.database = co.database;
        c.external_source = co.external->source;
        c.external_spec = co.external->spec.reveal();
        break;
      }
    }
  }
  return c;
}

}  // namespace

cluster_target resolve_target(const target_options& o, const std::string& collection) {
  cluster_target c;
  bool via_config = !o.cluster.empty();
  if (via_config && !o.endpoint.empty()) {
    throw usage_error("give either --endpoint or -c FILE --cluster NAME, not both");
  }
  if (via_config) {
    if (!o.token_env.empty() || !o.token_file.empty() || !o.token.empty()) {
      throw usage_error("--cluster takes the token from the config file; drop the token option");
    }
    c = from_config(o, collection);
  } else if (o.endpoint.empty()) {
    throw usage_error(o.config_file.empty()
                          ? "no cluster given: use --endpoint URL (with --token-env VAR or "
                            "--token-file FILE), or -c FILE --cluster NAME"
                          : "-c FILE needs --cluster NAME");
  } else {
    c.endpoint = o.endpoint;
    c.token = token_from_options(o);
    c.database = o.database;
    c.http.tls.ca_file = o.ca_file;
    c.http.tls.insecure_skip_verify = o.insecure_skip_verify;
  }
  if (!o.timeout.empty()) {
    c.http.request_timeout = parse_duration_arg("--timeout", o.timeout);
  }
  c.http.io_timeout = c.http.request_timeout;
  c.http.connect_timeout = std::min(c.http.request_timeout, std::chrono::milliseconds(5000));
  return c;
}

}  // namespace refreshd::daemon
