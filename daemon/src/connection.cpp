#include "connection.hpp"

#include "duration_arg.hpp"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace refreshd::daemon {

std::string read_token_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    throw usage_error("cannot read token file " + path + ": " + std::strerror(errno));
  }
  std::string token;
  std::getline(in, token);
  while (!token.empty() && (token.back() == '\r' || token.back() == ' ' || token.back() == '\t')) {
    token.pop_back();
  }
  if (token.empty()) {
    throw usage_error("token file " + path + " is empty");
  }
  return token;
}

namespace {

std::string token_from_options(const connection_options& o) {
  int sources = (o.token_env.empty() ? 0 : 1) + (o.token_file.empty() ? 0 : 1) +
                (o.token.empty() ? 0 : 1);
  if (sources > 1) {
    throw usage_error("give only one of --token-env, --token-file and --token");
  }
  if (!o.token_env.empty()) {
    const char* v = std::getenv(o.token_env.c_str());
    if (v == nullptr || *v == '\0') {
      throw usage_error("--token-env " + o.token_env + ": the variable is not set or empty");
    }
    return v;
  }
  if (!o.token_file.empty()) {
    return read_token_file(o.token_file);
  }
  if (!o.token.empty()) {
    spdlog::warn("--token puts the token on the command line, visible in ps and shell history; "
                 "prefer --token-env or --token-file");
  }
  return o.token;
}

}  // namespace

connection resolve_connection(const connection_options& o) {
  connection c;
  if (!o.cluster.empty() || (!o.config_file.empty() && o.endpoint.empty())) {
    throw usage_error(
        "-c/--cluster: connecting through the config file is not available yet; use --endpoint");
  }
  if (o.endpoint.empty()) {
    throw usage_error("no cluster given: use --endpoint URL (with --token-env VAR or "
                      "--token-file FILE), or -c FILE --cluster NAME");
  }
  c.endpoint = o.endpoint;
  c.token = token_from_options(o);
  c.database = o.database;
  c.http.tls.ca_file = o.ca_file;
  c.http.tls.insecure_skip_verify = o.insecure_skip_verify;
  c.http.request_timeout = parse_duration_arg("--timeout", o.timeout);
  c.http.io_timeout = c.http.request_timeout;
  c.http.connect_timeout = std::min(c.http.request_timeout, std::chrono::milliseconds(5000));
  return c;
}

}  // namespace refreshd::daemon
