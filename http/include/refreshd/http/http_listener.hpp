#pragma once
// The daemon's HTTP server for `run`: net::http_server bound to config.listen on the daemon's
// io_context, serving the http_api (docs/HTTP.md). Beast stays in http_listener.cpp.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <refreshd/config/config.hpp>
#include <refreshd/http/http_api.hpp>
#include <refreshd/http/http_limits.hpp>
#include <refreshd/net/asio.hpp>
#include <refreshd/runtime/runtime_view.hpp>

namespace refreshd {
class http_server;
}

namespace boost::asio::ssl {
class context;
}

namespace refreshd::daemon {

class http_api;
class read_credentials;

class http_listener {
 public:
  /// Binds `at` (a host name is resolved; port 0 = any free port). Throws std::runtime_error
  /// "cannot listen on HOST:PORT: REASON" when it cannot be bound (a startup error). With
  /// `tls` non-null every connection is HTTPS (listen_tls).
  http_listener(executor ex, const config::listen_address& at, std::shared_ptr<http_api> api,
                http_listener_limits limits = {}, std::shared_ptr<ssl::context> tls = nullptr);
  ~http_listener();
  http_listener(const http_listener&) = delete;
  http_listener& operator=(const http_listener&) = delete;

  void start();
  /// Stops accepting and closes every connection (admin requests in flight are abandoned;
  /// their cycles go on). Idempotent.
  void stop();
  /// "http://127.0.0.1:9748" with the real port ("http://[::1]:9748" for IPv6; "https://"
  /// with listen_tls).
  std::string url() const;
  /// The bound address is loopback (127.0.0.0/8, ::1).
  bool is_loopback() const;
  bool is_tls() const noexcept;
  /// After a reload: the admin token read from the new config (nullopt: admin disabled).
  void set_admin_token(std::optional<config::secret_string> token);
  /// After a reload: the read_auth credentials of the new config (nullptr: open).
  void set_read_auth(std::shared_ptr<read_credentials> credentials);
  /// After a reload: the TLS context for connections accepted from now on. Only on a TLS
  /// listener (turning TLS on or off needs a restart).
  void set_tls_context(std::shared_ptr<ssl::context> tls);

 private:
  std::shared_ptr<http_api> api_;
  std::unique_ptr<http_server> server_;
};

/// The admin token of `cfg` (nullopt when admin.token_file is not set). Throws
/// config::token_error when the file cannot be read.
std::optional<config::secret_string> read_admin_token(const config::config& cfg);

/// For `run`: reads the admin token (config.admin; throws config::token_error) and the
/// read_auth credentials, builds the TLS context (listen_tls; throws listen_tls_error), builds
/// the API over `rt` with `metrics` as the /metrics provider, binds, starts accepting and logs
/// "listening on http[s]://HOST:PORT". Warns when the address is not loopback and TLS is off.
std::unique_ptr<http_listener> start_http_listener(executor ex,
                                                   const std::shared_ptr<runtime_view>& rt,
                                                   metrics_source metrics);

}  // namespace refreshd::daemon
