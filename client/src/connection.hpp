#pragma once
// Private: one HTTP/1.1 connection (plain TCP or TLS) of an http_client, and the error
// classification shared by the client's .cpp files. Includes Beast: keep it out of public headers.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <refreshd/net/asio.hpp>

namespace refreshd::client::detail {

using error_code = boost::system::error_code;
using request = http::request<http::string_body>;
using response_parser = http::response_parser<http::string_body>;
/// A streaming answer's parser: the body goes into a caller's buffer as it arrives.
using stream_parser = http::response_parser<http::buffer_body>;

/// An open connection. Every async operation is bounded by the `limit` it is given (the
/// stream's own timer closes the socket on expiry and the operation fails with
/// beast::error::timeout).
class connection {
 public:
  /// `tls` is null for plain HTTP; otherwise it must outlive the connection. `max_buffer_bytes`
  /// caps the bytes received but not yet parsed (reads past it fail with buffer_overflow).
  connection(const executor& ex, ssl::context* tls, std::size_t max_buffer_bytes);

  beast::tcp_stream& tcp() noexcept;
  bool is_tls() const noexcept { return tls_.has_value(); }

  /// Tries the endpoints in order (so "localhost" works whichever address family comes first).
  awaitable<error_code> async_connect(const tcp::resolver::results_type& endpoints,
                                      std::chrono::milliseconds limit);

  /// Sets SNI (names only) and, unless `verify` is false, the host name or IP address that
  /// the certificate must match. Returns false when OpenSSL refuses the name.
  bool prepare_tls(const std::string& host, bool host_is_ip, bool verify);
  awaitable<error_code> async_handshake(std::chrono::milliseconds limit);
  /// OpenSSL's reason for a failed certificate verification, or "".
  std::string verify_failure() const;

  /// Returns the error and the number of bytes of the request that were written.
  awaitable<std::pair<error_code, std::size_t>> async_write(const request& req,
                                                            std::chrono::milliseconds limit);
  awaitable<error_code> async_read(response_parser& parser, std::chrono::milliseconds limit);
  /// A streaming answer: its head, then as much of its body as has arrived (into the buffer the
  /// parser's body points at; http::error::need_buffer when that is full), each bounded by
  /// `limit`.
  awaitable<error_code> async_read_header(stream_parser& parser, std::chrono::milliseconds limit);
  awaitable<error_code> async_read_some(stream_parser& parser, std::chrono::milliseconds limit);

  /// False when the peer closed the idle connection or sent unsolicited bytes.
  bool reusable();
  void close() noexcept;

  std::size_t exchanges = 0;  ///< responses read on this connection so far

 private:
  /// `read(stream)` on the plain or TLS stream, bounded by `limit`.
  template <class Read>
  awaitable<error_code> bounded(std::chrono::milliseconds limit, Read read);

  std::optional<beast::tcp_stream> plain_;
  std::optional<ssl::stream<beast::tcp_stream>> tls_;
  beast::flat_buffer buffer_;
};

bool is_timeout(const error_code& ec) noexcept;
bool is_too_large(const error_code& ec) noexcept;
/// The peer closed or reset the connection (the signature of a stale kept-alive connection).
bool is_peer_closed(const error_code& ec) noexcept;

}  // namespace refreshd::client::detail
