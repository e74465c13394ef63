#pragma once
// The cluster the CLI's API commands talk to (its target): an explicit --endpoint with a token
// option, or a cluster of the context: the config (docs/CLI.md "Context").

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

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
  /// From the context, for a configured collection: its source/spec pair (the spec is a
  /// secret), sent by `trigger` unless overridden on the command line.
  std::string external_source;
  std::string external_spec;
  /// From the context: the cluster's rate_limit (requests per second; 0 = until the server
  /// answers "rate limited"), applied like the daemon does. Unset with --endpoint.
  std::optional<double> rate_limit;
  /// From the context: "cluster/database/name" of configured collections close to a name the
  /// config does not hold (the command goes on; they make the hint of a "not found").
  std::vector<std::string> nearest;
  /// "prod/default/ext_books" (context) or "default/ext_books" (--endpoint): for messages.
  std::string label;
  /// The options that reach this cluster again, for a command the user is told to run next:
  /// "--cluster prod" (with "-c FILE" when given), "--endpoint URL --token-env VAR".
  std::string reach;
};

/// Resolves the options into the cluster a command talks to: --endpoint with a token option,
/// else the context (docs/CLI.md "Context"), where `collection` (may be empty) chooses the
/// cluster when --cluster is left out, and a configured collection's database and source/spec.
/// Throws usage_error naming the offending option, file or variable (never a token value).
cluster_target resolve_target(const target_options& o, const std::string& collection = {});

}  // namespace refreshd::daemon
