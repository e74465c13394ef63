#pragma once
// A small, generic HTTP/1.1 server (Boost.Beast, C++20 coroutines, one thread): used by the
// simulator and by the daemon's /metrics endpoint. Plain TCP, or TLS when an ssl::context is
// given. Every connection runs its own coroutine; all limits below protect the process from
// slow, huge or malformed clients. Include this header only where a server is built: it pulls
// in Beast's message types.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <refreshd/net/asio.hpp>

namespace boost::asio::ssl {
class context;
}

namespace refreshd {

using http_request = http::request<http::string_body>;
using http_response = http::response<http::string_body>;

/// Produces the response to one request. The server fills in Content-Length and the
/// keep-alive decision (a response that sets `keep_alive(false)` closes the connection).
/// A handler may suspend (e.g. co_await a timer to inject latency). It may throw:
/// `http_connection_reset` resets the TCP connection without any response (RST); any other
/// exception is logged through `http_server_options::on_error` and answered with HTTP 500.
using http_handler = std::function<awaitable<http_response>(http_request&)>;

/// A response body made in pieces: each call returns the next piece, an empty string at the
/// end. The server sends the pieces as they come with chunked transfer encoding (an HTTP/1.0
/// client gets them joined, with Content-Length), so other work runs on the executor between
/// two pieces; the source decides how long a piece is and whether to yield before making it.
/// Once the head is sent, a source that throws ends the connection (the client sees a body
/// without its last chunk, never a complete wrong answer).
using http_body_source = std::function<awaitable<std::string>()>;

/// What a streaming handler answers: a whole response, or a head and a body source.
struct http_reply {
  http_reply(http_response whole) : response(std::move(whole)) {}  // NOLINT: implicit on purpose
  http_reply(http_response head, http_body_source source)
      : response(std::move(head)), body(std::move(source)) {}
  http_response response;  ///< with `body` set: status and headers (its own body is ignored)
  http_body_source body;
};

/// A handler that may stream its body (http_reply::body).
using http_stream_handler = std::function<awaitable<http_reply>(http_request&)>;

/// Thrown by a handler to abort the connection abruptly: no response, TCP RST.
class http_connection_reset : public std::exception {
 public:
  const char* what() const noexcept override { return "connection reset requested by handler"; }
};

struct http_server_limits {
  /// Request line + header fields; larger → 431 and close.
  std::uint32_t max_header_bytes = 8 * 1024;
  /// Request body; larger (by Content-Length or while reading chunks) → 413 and close.
  std::uint64_t max_body_bytes = 1024 * 1024;
  /// Received bytes not yet parsed, per connection: the request head, one chunk-size line with
  /// its extensions, and the trailer section must each fit (Beast 1.81 bounds neither of the
  /// last two by itself; the body is parsed as it arrives and never accumulates here). Raised
  /// to max_header_bytes when smaller. Exceeded → 431 before the head is complete, 413 after.
  std::size_t max_buffer_bytes = 16 * 1024;
  /// From the first byte of a request to its last (slow-loris guard); exceeded → close.
  std::chrono::milliseconds read_timeout{10'000};
  /// A new connection must deliver its first complete request head within this time of being
  /// accepted (after the TLS handshake); exceeded → close.
  std::chrono::milliseconds header_timeout{10'000};
  /// Keep-alive: how long an open connection may wait for the next request; exceeded → close.
  std::chrono::milliseconds idle_timeout{60'000};
  /// Writing one response, and the TLS handshake; exceeded → close.
  std::chrono::milliseconds write_timeout{10'000};
  /// Open connections, and open connections from one client address (0: same as
  /// max_connections). A new connection over either cap closes the connection that has waited
  /// longest for a request head (the client's own, for its share); when every connection is
  /// handling a request, the new one gets a best-effort 503 (plain TCP) or is closed (TLS),
  /// unread. So idle sockets cannot keep a probe out (connection_table.hpp).
  std::size_t max_connections = 1024;
  std::size_t max_connections_per_client = 0;
};

struct http_server_options {
  http_server_limits limits{};
  /// Called with one line of text for handler exceptions and accept failures. Defaults to
  /// writing the line to stderr. Never called with request bodies or headers.
  std::function<void(std::string_view)> on_error{};
};

/// HTTP/1.1 server. Construction binds and listens (throws boost::system::system_error when
/// the endpoint cannot be bound); start() begins accepting on the executor. Single-threaded:
/// call every member from the executor's thread. Malformed requests get 400 and close.
class http_server {
 public:
  /// `endpoint` may use port 0 (see local_endpoint()). With `tls` non-null every connection
  /// starts with a TLS handshake using that context, which must outlive the server.
  http_server(executor ex, const tcp::endpoint& endpoint, http_handler handler,
              http_server_options options = {}, ssl::context* tls = nullptr);
  /// The same with a shared TLS context (null: plain TCP). Each connection holds the context
  /// it started with, so set_tls_context() may replace it at any time.
  http_server(executor ex, const tcp::endpoint& endpoint, http_handler handler,
              http_server_options options, std::shared_ptr<ssl::context> tls);
  /// The same with a handler that may stream response bodies.
  http_server(executor ex, const tcp::endpoint& endpoint, http_stream_handler handler,
              http_server_options options, std::shared_ptr<ssl::context> tls);
  ~http_server();  ///< calls stop()
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Starts the accept loop (once).
  void start();
  /// Stops accepting, closes every connection and cancels running handlers. Idempotent.
  /// Pending coroutines finish on the executor shortly after; nothing blocks.
  void stop();

  /// The bound address (the real port when constructed with port 0).
  tcp::endpoint local_endpoint() const;
  /// Connections currently open.
  std::size_t connection_count() const noexcept;
  /// True when serving TLS.
  bool is_tls() const noexcept;
  /// Connections accepted from now on use `tls` (certificate rotation); open connections keep
  /// theirs. Throws std::logic_error on a plain server or with a null context: switching
  /// between TCP and TLS needs a new server.
  void set_tls_context(std::shared_ptr<ssl::context> tls);

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace refreshd
