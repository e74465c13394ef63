#pragma once
// check-config's view of the listener (docs/HTTP.md): listen, listen_tls and read_auth, printed
// without a secret or a hash, the TLS files loaded as the daemon would, and the clear-text
// warning.

#include <iosfwd>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include <refreshd/config/config.hpp>

namespace refreshd::daemon {

/// "listener: https://0.0.0.0:9748 (TLS; client certificates required)" and the read_auth
/// line: file paths and user names only.
void print_listener(std::ostream& out, const config::config& cfg);

/// {"listen","tls":{...}|null,"read_auth":{"token_file","basic_auth_users":[names]}|null}.
nlohmann::json listener_json(const config::config& cfg);

/// The warning when the listener is reachable beyond loopback without TLS, else nullopt.
std::optional<std::string> listener_warning(const config::config& cfg);

/// `host` is a loopback address or name (127.0.0.0/8, ::1, localhost, *.localhost).
bool is_loopback_host(const std::string& host);

}  // namespace refreshd::daemon
