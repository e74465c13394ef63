#pragma once
// Asynchronous HTTP/1.1 client over Boost.Beast, plain or TLS, with keep-alive reuse of one
// connection per client. Beast types stay in the .cpp (pimpl).
//
// Timeouts: resolve, connect and TLS handshake are bounded by `connect_timeout` each, the
// request write and the response read by `io_timeout` each, and the whole request (including
// the time spent queued behind other requests of the same client) by `request_timeout`.
//
// Concurrency: one connection per client; requests from concurrent coroutines are served one
// at a time in FIFO order (they never interleave on the socket). Use one io_context thread.
//
// Keep-alive: the connection is reused across requests and closed when the server answers
// `Connection: close` or on any error. A kept-alive connection that the server closed while
// idle is detected before reuse; if it closes just as a request is sent (the write fails, or
// the read ends before any byte of the response arrived), the request is re-sent once on a
// new connection, like Go's net/http. Only a reused connection is retried that way.
//
// Cancellation: destroying the client aborts the connection; requests in flight or queued then
// complete with a transport_error. The client's state outlives the client until they finish.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <refreshd/net/asio.hpp>

namespace refreshd::client {

struct tls_options {
  std::string ca_file;                ///< extra trust anchor (PEM); the system store is always used
  bool insecure_skip_verify = false;  ///< no certificate or host name check; logs a warning
  std::string cert_file;  ///< client certificate chain (PEM), with key_file; empty: none
  std::string key_file;   ///< its private key (PEM)
};

struct http_client_options {
  std::chrono::milliseconds connect_timeout{5000};   ///< resolve, connect, handshake, each
  std::chrono::milliseconds io_timeout{10000};       ///< write, read, each
  std::chrono::milliseconds request_timeout{10000};  ///< whole request, including queueing
  std::size_t max_header_bytes = 16 * 1024;          ///< response status line + headers
  std::size_t max_body_bytes = 8 * 1024 * 1024;      ///< response body (after de-chunking)
  /// Received bytes not yet parsed: the response head, one chunk-size line with its extensions
  /// and the trailer section must each fit (Beast 1.81 bounds neither of the last two itself);
  /// the body is parsed as it arrives. Raised to max_header_bytes when smaller.
  std::size_t max_buffer_bytes = 64 * 1024;
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

/// Where a request failed. `url`: the request could not be formed (a path or header with a line
/// break); `resolve`, `connect`, `tls_handshake`: nothing was sent (maybe_sent is still true
/// when this was the re-send after a stale kept-alive connection); `write`, `read`: the phase
/// that failed, including its own timeout (`io_timeout`); `deadline`: `request_timeout` ran
/// out (the message names the phase it interrupted). A client destroyed mid-request reports
/// the phase it interrupted (`connect` while queued).
enum class transport_stage { url, resolve, connect, tls_handshake, write, read, deadline };

struct transport_error {
  transport_stage stage = transport_stage::connect;
  std::string message;      ///< human text, e.g. "connect to h:443 timed out after 5s"; no secrets
  bool maybe_sent = false;  ///< some of the request may have reached the server
  bool timed_out = false;   ///< a phase timeout or the request deadline expired
  bool too_large = false;   ///< header or body cap exceeded
};

using http_result = std::variant<http_response, transport_error>;

enum class http_method { get, post, put };

class http_client {
 public:
  /// `endpoint` is a base URL: http[s]://host[:port][/prefix] (default ports 80 and 443).
  /// Throws std::invalid_argument on a malformed URL, an unsupported scheme, a URL with
  /// credentials (user:password@; the message never repeats them), a query or fragment, and on
  /// an unreadable or invalid CA file (the message names the file).
  http_client(executor ex, std::string_view endpoint, http_client_options options);
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// POST `body` (JSON) to prefix + `path` (`path` starts with '/'). Sends Host, User-Agent,
  /// Content-Type and Accept (application/json), then `headers`. Never throws for network
  /// failures; messages never contain header values.
  /// `replayable`: the request may be sent a second time after a stale kept-alive connection
  /// failed once it was written (true for reads such as describe and list). A non-replayable
  /// request (refresh) is re-sent only when none of it was written: once written, the server
  /// may have acted on it, and the failure is returned with maybe_sent=true.
  awaitable<http_result> async_post(std::string_view path, std::string body,
                                    std::vector<http_header> headers = {}, bool replayable = true);

  /// Like async_post with another method (GET sends the body only when it is not empty; a
  /// PUT, like a POST, is replayable only when the caller says so).
  awaitable<http_result> async_request(http_method method, std::string_view path,
                                       std::string body = {}, std::vector<http_header> headers = {},
                                       bool replayable = true);

  /// A streaming answer (etcd's watch): POST `body` like async_post, then hand the answer's
  /// body to `on_data` piece by piece as it arrives, until the server ends it or `on_data`
  /// returns false. `request_timeout` bounds the request up to the answer's head; after it,
  /// each wait for more of the body is bounded by `idle_timeout` (then a `read` error with
  /// timed_out). Returns the status and headers; the body is empty unless the status is not
  /// 2xx (then it is collected, up to max_body_bytes, and on_data is not called). A stream has a
  /// connection of its own, closed at its end; other requests wait for their turn meanwhile.
  awaitable<http_result> async_stream(std::string_view path, std::string body,
                                      std::vector<http_header> headers,
                                      std::chrono::milliseconds idle_timeout,
                                      std::function<bool(std::string_view)> on_data);
  /// Ends the request or stream in progress (a `read` or `connect` error) and every later one.
  void close() noexcept;

  const http_client_options& options() const noexcept;
  /// host:port for logs (never contains credentials).
  const std::string& authority() const noexcept;
  bool is_tls() const noexcept;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace refreshd::client
