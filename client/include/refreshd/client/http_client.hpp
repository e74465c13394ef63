#pragma once
// Asynchronous HTTP/1.1 client over Boost.Beast, plain or TLS, with keep-alive reuse of one
// connection per endpoint. Beast types stay in the .cpp (pimpl).
//
// Every phase is bounded: resolve, connect and TLS handshake by `connect_timeout` each, the
// request write and the response read by `io_timeout` each, and the whole request by
// `request_timeout`. One request at a time per client; concurrent callers queue.
// Cancellation: destroying the client aborts the connection.

#include <refreshd/net/asio.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace refreshd::client {

struct tls_options {
  std::string ca_file;                ///< extra trust anchor (PEM); the system store is always used
  bool insecure_skip_verify = false;  ///< no certificate or host name check; logs a warning
};

struct http_client_options {
  std::chrono::milliseconds connect_timeout{5000};   ///< resolve, connect, handshake, each
  std::chrono::milliseconds io_timeout{10000};       ///< write, read, each
  std::chrono::milliseconds request_timeout{10000};  ///< whole request, including queueing
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 8 * 1024 * 1024;
  tls_options tls;
  std::string user_agent = "milvus-refreshd";
};

struct http_header {
  std::string name;
  std::string value;
};

struct http_response {
  int status = 0;
  std::string body;
  std::vector<http_header> headers;
};

/// Where a request failed. Everything before `write` means the request was not sent.
enum class transport_stage { url, resolve, connect, tls_handshake, write, read, deadline };

struct transport_error {
  transport_stage stage = transport_stage::connect;
  std::string message;      ///< human text, no secrets
  bool maybe_sent = false;  ///< some of the request may have reached the server
  bool timed_out = false;
  bool too_large = false;   ///< header or body cap exceeded
};

using http_result = std::variant<http_response, transport_error>;

class http_client {
 public:
  /// `endpoint` is a base URL: http[s]://host[:port][/prefix]. Throws std::invalid_argument
  /// on a malformed URL or an unsupported scheme, and on an unreadable CA file.
  http_client(executor ex, std::string_view endpoint, http_client_options options);
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// POST `body` to prefix + `path`. Never throws for network failures.
  awaitable<http_result> async_post(std::string_view path, std::string body,
                                    std::vector<http_header> headers = {});

  const http_client_options& options() const noexcept;
  /// host[:port] for logs (never contains credentials).
  const std::string& authority() const noexcept;
  bool is_tls() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace refreshd::client
