#pragma once
// Where the CLI's API commands connect to: an explicit --endpoint with a token option, or a
// cluster from the config file (-c FILE --cluster NAME).

#include <refreshd/client/http_client.hpp>

#include <stdexcept>
#include <string>

namespace refreshd::daemon {

/// A command-line or configuration mistake: reported on stderr, exit code 2.
class usage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct connection_options {
  std::string endpoint;
  std::string token_env;
  std::string token_file;
  std::string token;  ///< literal token: visible in ps, warns
  std::string config_file;
  std::string cluster;
  std::string database;
  std::string ca_file;
  bool insecure_skip_verify = false;
  std::string timeout = "10s";
};

struct connection {
  std::string endpoint;
  std::string token;  ///< a secret
  std::string database;
  client::http_client_options http;
};

/// Resolves the options into a connection. Throws usage_error naming the offending option,
/// file or variable (never a token value).
connection resolve_connection(const connection_options& o);

/// Reads a token file: the first line, trailing whitespace trimmed. Throws usage_error.
std::string read_token_file(const std::string& path);

}  // namespace refreshd::daemon
