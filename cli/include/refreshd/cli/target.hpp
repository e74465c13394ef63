#pragma once
// The cluster the CLI's API commands talk to (its target): an explicit --endpoint with a token
// option, or a cluster from the config file (-c FILE --cluster NAME).

#include <stdexcept>
#include <string>

#include <refreshd/client/http_client.hpp>

namespace refreshd::daemon {

/// A command-line or configuration mistake: reported on stderr, exit code 2.
class usage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct target_options {
  std::string endpoint;
  std::string token_env;
  std::string token_file;
  std::string token;  ///< literal token: visible in ps, warns
  std::string config_file;
  std::string cluster;
  std::string database;
  std::string ca_file;
  bool insecure_skip_verify = false;
  std::string timeout;  ///< empty: the cluster's request_timeout, or 10s
};

struct cluster_target {
  std::string endpoint;
  std::string token;  ///< a secret
  std::string database;
  client::http_client_options http;
  /// With -c/--cluster and a configured collection: its source/spec pair (the spec is a
  /// secret), sent by `trigger` unless overridden on the command line.
  std::string external_source;
  std::string external_spec;
};

/// Resolves the options into the cluster a command talks to. `collection` (may be empty) selects a
/// configured collection's database and source/spec when connecting through the config file. Throws
/// usage_error naming the offending option, file or variable (never a token value).
cluster_target resolve_target(const target_options& o, const std::string& collection = {});

}  // namespace refreshd::daemon
