#pragma once
// Where a cluster's API token (or the admin token) comes from, and reading it.

#include <cstddef>
#include <stdexcept>
#include <string>

#include <refreshd/config/env.hpp>
#include <refreshd/config/secret.hpp>

namespace refreshd::config {

enum class token_kind {
  none,     ///< no token configured (only for the admin token: admin API disabled)
  file,     ///< `token_file: PATH`, re-read on every reload and after an authentication failure
  env,      ///< `token_env: VAR`, read from the daemon's environment
  literal,  ///< `token: VALUE` (usually `token: ${VAR}`); an empty value means "send no token"
};

/// The configuration stores where the token comes from, not (except for `literal`) the token.
struct token_source {
  token_kind kind = token_kind::none;
  std::string reference;  ///< the file path (absolute after loading) or the variable name
  secret_string literal;  ///< the value for token_kind::literal, empty otherwise

  bool operator==(const token_source&) const = default;
};

/// For logs: "file /run/secrets/x", "env ZILLIZ_TOKEN", "inline token", "none". Never the value.
std::string describe(const token_source& source);

/// Thrown by read_token. The message names the file or variable, never the token.
class token_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Largest token file read_token accepts (bytes).
inline constexpr std::size_t max_token_file_size = std::size_t{64} * 1024;

/// Returns the token, with trailing whitespace (a trailing newline, "\r\n", spaces) removed.
/// * file: reads the file (read_bounded_regular_file: a regular file, never blocking); throws
///   token_error if it cannot be read, is not a regular file, is larger than
///   max_token_file_size, or is empty after trimming.
/// * env: looks the variable up with `env`; throws token_error if unset or empty.
/// * literal: the configured value (may be empty: send no Authorization header).
/// * none: returns "".
std::string read_token(const token_source& source, const env_lookup& env);

}  // namespace refreshd::config
