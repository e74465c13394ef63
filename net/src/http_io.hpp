#pragma once
// Private to http_server.cpp: one connection's reading of a request and writing of a response
// (whole, streamed in chunks, or joined for HTTP/1.0), and its lingering close. `Server` is
// http_server::impl: its options.limits, log(), stopping and the connection table.

#include <algorithm>
#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <refreshd/net/connection_table.hpp>
#include <refreshd/net/http_server.hpp>

namespace refreshd::http_io {

using plain_stream = beast::tcp_stream;
using tls_stream = ssl::stream<beast::tcp_stream>;
using namespace std::chrono_literals;

struct handler_outcome {
  http_response response;
  http_body_source body;  // set: the response is streamed
  bool reset = false;
};

inline http_response text_response(http::status status, unsigned version, std::string_view text) {
  http_response res{status, version};
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.set("X-Content-Type-Options", "nosniff");
  res.body() = std::string(text);
  res.body() += "\n";
  return res;
}

// The status to answer a failed read with, or nullopt to close silently (peer gone, timeout).
// A full read buffer after the head means an oversized chunk-size line or trailer section.
inline std::optional<http::status> read_error_status(const beast::error_code& ec,
                                                     bool header_done) {
  if (ec == http::error::header_limit || (ec == http::error::buffer_overflow && !header_done)) {
    return http::status::request_header_fields_too_large;
  }
  if (ec == http::error::body_limit || ec == http::error::buffer_overflow) {
    return http::status::payload_too_large;
  }
  if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
      ec == http::error::short_read) {
    return std::nullopt;
  }
  if (ec.category() == http::make_error_code(http::error::bad_method).category()) {
    return http::status::bad_request;
  }
  return std::nullopt;
}

// Lingering close: we stop sending, then swallow what the peer still sends (briefly), so a
// response written before unread request bytes is not destroyed by a TCP RST.
template <class Stream>
awaitable<void> close_gracefully(Stream& stream) {
  auto& tcp = beast::get_lowest_layer(stream);
  if constexpr (std::is_same_v<Stream, tls_stream>) {
    tcp.expires_after(1s);
    co_await stream.async_shutdown(use_nothrow);
  } else {
    beast::error_code ec;
    tcp.socket().shutdown(tcp::socket::shutdown_send, ec);
    tcp.expires_after(1s);
    std::array<char, 4096> scratch{};
    for (std::size_t total = 0; !ec && total < 256 * 1024;) {
      auto [rec, n] = co_await tcp.async_read_some(net::buffer(scratch), use_nothrow);
      ec = rec;
      total += n;
    }
  }
  tcp.close();
}

template <class Server, class Stream>
awaitable<void> reply_and_close(Server& self, Stream& stream, http::status status) {
  auto res = text_response(status, 11, http::obsolete_reason(status));
  res.keep_alive(false);
  res.prepare_payload();
  beast::get_lowest_layer(stream).expires_after(self.options.limits.write_timeout);
  auto [ec, n] = co_await http::async_write(stream, res, use_nothrow);
  if (!ec) {
    co_await close_gracefully(stream);
  }
}

// Reads one request into `parser`. Waits for its first byte up to idle_timeout (header_timeout
// for the first request of a connection), then reads the rest within read_timeout of that byte;
// the first request's head must also be complete within header_timeout. Answers
// "Expect: 100-continue" before the body is read. The connection counts as handling a request
// (not evictable) from the moment its head is complete.
template <class Server, class Stream>
awaitable<beast::error_code> read_request(Server& self, connection_table::id_type id, bool first,
                                          Stream& stream, beast::flat_buffer& buffer,
                                          http::request_parser<http::string_body>& parser) {
  auto& tcp = beast::get_lowest_layer(stream);
  const auto& lim = self.options.limits;
  const auto start = std::chrono::steady_clock::now();
  self.table.set_waiting(id, true, start);
  if (buffer.size() == 0) {
    tcp.expires_after(first ? lim.header_timeout : lim.idle_timeout);
    auto [ec, n] = co_await stream.async_read_some(
        buffer.prepare(std::min<std::size_t>(1024, buffer.max_size())), use_nothrow);
    if (ec) {
      co_return ec;
    }
    buffer.commit(n);
  }
  parser.header_limit(lim.max_header_bytes);
  parser.body_limit(lim.max_body_bytes);
  auto deadline = std::chrono::steady_clock::now() + lim.read_timeout;
  if (first) {
    deadline = std::min(deadline, start + lim.header_timeout);
  }
  tcp.expires_at(deadline);
  auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, use_nothrow);
  if (ec) {
    co_return ec;
  }
  self.table.set_waiting(id, false, connection_table::clock::now());
  if (parser.is_done()) {
    co_return ec;
  }
  if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
    http::response<http::empty_body> cont{http::status::continue_, parser.get().version()};
    auto [wec, wn] = co_await http::async_write(stream, cont, use_nothrow);
    if (wec) {
      co_return wec;
    }
  }
  auto [bec, bn] = co_await http::async_read(stream, buffer, parser, use_nothrow);
  co_return bec;
}

// The pieces of a streamed body joined (for an HTTP/1.0 client, which cannot take chunks).
inline awaitable<std::string> join_pieces(const http_body_source& source) {
  std::string all;
  for (;;) {
    std::string piece = co_await source();
    if (piece.empty()) {
      co_return all;
    }
    all += piece;
  }
}

// Writes `head` with chunked transfer encoding, then every piece of `source` as one chunk, each
// write within write_timeout. False when the connection must close (a write failed or the
// source threw after the head was sent).
template <class Server, class Stream>
awaitable<bool> write_streamed(Server& self, Stream& stream, http_response& head,
                               const http_body_source& source) {
  auto& tcp = beast::get_lowest_layer(stream);
  const auto timeout = self.options.limits.write_timeout;
  head.body().clear();
  head.chunked(true);
  http::response_serializer<http::string_body> sr{head};
  tcp.expires_after(timeout);
  if (auto [ec, n] = co_await http::async_write_header(stream, sr, use_nothrow); ec) {
    co_return false;
  }
  try {
    for (;;) {
      std::string piece = co_await source();
      tcp.expires_after(timeout);
      if (piece.empty()) {
        auto [ec, n] = co_await net::async_write(stream, http::make_chunk_last(), use_nothrow);
        co_return !ec;
      }
      auto [ec, n] =
          co_await net::async_write(stream, http::make_chunk(net::buffer(piece)), use_nothrow);
      if (ec) {
        co_return false;
      }
    }
  } catch (const std::exception& e) {
    if (!self.stopping) {
      self.log(std::string("http_server: response body failed: ") + e.what());
    }
  }
  co_return false;
}

// Sends the handler's answer; false when the connection must close now (without the graceful
// close of a response that asked for it).
template <class Server, class Stream>
awaitable<bool> send_outcome(Server& self, Stream& stream, handler_outcome& outcome,
                             unsigned version, bool keep) {
  auto& res = outcome.response;
  res.version(version);
  res.keep_alive(keep);
  if (outcome.body && version >= 11) {
    co_return co_await write_streamed(self, stream, res, outcome.body);
  }
  if (outcome.body) {
    try {
      res.body() = co_await join_pieces(outcome.body);
    } catch (const std::exception& e) {
      self.log(std::string("http_server: response body failed: ") + e.what());
      res = text_response(http::status::internal_server_error, version, "internal server error");
      res.keep_alive(keep);
    }
  }
  res.prepare_payload();
  beast::get_lowest_layer(stream).expires_after(self.options.limits.write_timeout);
  auto [wec, n] = co_await http::async_write(stream, res, use_nothrow);
  co_return !wec;
}

}  // namespace refreshd::http_io
