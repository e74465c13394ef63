#pragma once
// ${VAR} and ${VAR:-default} expansion in configuration values.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace refreshd::config {

/// Looks up an environment variable: nullopt when unset. Injected everywhere so that tests never
/// touch the process environment.
using env_lookup = std::function<std::optional<std::string>(std::string_view name)>;

/// The real process environment (getenv).
env_lookup process_env();

/// Result of expand_env: `value` when every reference resolved, otherwise one message per problem
/// in `errors` (messages name variables, never values or defaults).
struct expansion {
  std::optional<std::string> value;
  std::vector<std::string> errors;
  bool used_variables = false;  ///< true when the text held at least one ${...} reference
};

/// Expands references in `text`:
/// * `${NAME}`: the variable's value (an empty value stays empty); unset → error.
/// * `${NAME:-default}`: the value when set and non-empty, otherwise `default` (taken literally;
///   it cannot contain '}' or another `${`).
/// * `$$`: a literal `$`. A `$` followed by anything else is kept as is (`s3://b/$x` stays).
/// NAME is `[A-Za-z_][A-Za-z0-9_]*`. Substituted values are not expanded again.
/// Errors: an unset variable without default, an unterminated `${`, an invalid NAME, a nested
/// `${` inside a default.
expansion expand_env(std::string_view text, const env_lookup& env);

}  // namespace refreshd::config
