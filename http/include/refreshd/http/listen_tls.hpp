#pragma once
// The server-side TLS context of the daemon's listener (docs/HTTP.md, `listen_tls`): built from the
// configured files at start and again on every reload (the listener swaps it for new
// connections). Beast/OpenSSL stay in listen_tls.cpp.

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include <refreshd/config/config.hpp>
#include <refreshd/net/asio.hpp>

namespace boost::asio::ssl {
class context;
}

namespace refreshd::daemon {

/// Thrown by make_listen_tls_context: names the key and the file, never a byte of it.
class listen_tls_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A TLS server context: TLS 1.2 or later, the certificate chain and key of `t` (read with
/// read_bounded_regular_file and handed to OpenSSL from memory; the key must match the
/// certificate), and with client_ca_file, client certificates required and verified against
/// it (mutual TLS). Throws listen_tls_error.
std::shared_ptr<ssl::context> make_listen_tls_context(const config::listen_tls_settings& t);

/// check-config's test of the listener files: builds the context of cfg.listen_tls (the key
/// must match the certificate); the error message when it cannot, nullopt otherwise or without
/// listen_tls.
std::optional<std::string> check_listen_tls_files(const config::config& cfg);

}  // namespace refreshd::daemon
