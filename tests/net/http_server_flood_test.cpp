// refreshd::http_server against chunked-encoding metadata floods (issue 11 point 1,
// docs/SECURITY.md): an endless chunk-size line (extensions) or trailer section must be cut off at
// the read-buffer cap with a 413, not buffered until the read timeout.
#include <boost/asio/experimental/awaitable_operators.hpp>

#include "server_fixture.hpp"

namespace refreshd::test {
namespace {

using HttpServerFlood = ServerFixture;
using namespace net::experimental::awaitable_operators;

constexpr std::size_t flood_bytes = 64 * 1024 * 1024;

struct flood_result {
  std::string answer;       ///< what the server sent before closing
  std::size_t written = 0;  ///< flood bytes the server accepted before it closed
};

/// Sends `head`, then up to `flood_bytes` of `filler` in 64 KiB writes, while reading the answer.
awaitable<flood_result> flood(beast::tcp_stream& stream, std::string head, char filler) {
  flood_result out;
  stream.expires_after(20s);
  auto writer = [&]() -> awaitable<void> {
    auto [ec, n] = co_await net::async_write(stream, net::buffer(head), use_nothrow);
    const std::string piece(64 * 1024, filler);
    while (!ec && out.written < flood_bytes) {
      std::tie(ec, n) = co_await net::async_write(stream, net::buffer(piece), use_nothrow);
      out.written += n;
    }
  };
  auto reader = [&]() -> awaitable<void> {
    for (;;) {
      char buf[4096];
      auto [ec, n] = co_await stream.socket().async_read_some(net::buffer(buf), use_nothrow);
      out.answer.append(buf, n);
      if (ec) {
        co_return;
      }
    }
  };
  co_await (writer() && reader());
  co_return out;
}

TEST_F(HttpServerFlood, EndlessChunkExtensionIsAnswered413AtTheBufferCap) {
  http_server_limits limits;
  limits.read_timeout = 15s;  // the cap, not the timeout, must end this
  start(echo_handler(), limits);
  run([&]() -> awaitable<void> {
    auto stream = co_await connect();
    auto r = co_await flood(
        stream, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;", 'e');
    EXPECT_EQ(r.answer.rfind("HTTP/1.1 413", 0), 0u) << r.answer.substr(0, 80);
    EXPECT_LT(r.written, flood_bytes / 4) << "the server closed long before the flood ended";
  });
}

TEST_F(HttpServerFlood, EndlessTrailerSectionIsAnswered413AtTheBufferCap) {
  http_server_limits limits;
  limits.read_timeout = 15s;
  start(echo_handler(), limits);
  run([&]() -> awaitable<void> {
    auto stream = co_await connect();
    auto r = co_await flood(
        stream, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: ", 't');
    EXPECT_EQ(r.answer.rfind("HTTP/1.1 413", 0), 0u) << r.answer.substr(0, 80);
    EXPECT_LT(r.written, flood_bytes / 4);
  });
}

TEST_F(HttpServerFlood, EndlessHeaderLineIsAnswered431) {
  start(echo_handler());
  run([&]() -> awaitable<void> {
    auto stream = co_await connect();
    auto r = co_await flood(stream, "GET / HTTP/1.1\r\nHost: x\r\nX-Long: ", 'h');
    EXPECT_EQ(r.answer.rfind("HTTP/1.1 431", 0), 0u) << r.answer.substr(0, 80);
  });
}

TEST_F(HttpServerFlood, ChunkExtensionsAndTrailersWithinTheCapsAreServed) {
  start(echo_handler());
  run([&]() -> awaitable<void> {
    auto stream = co_await connect();
    const std::string ext(4000, 'x');
    auto text = co_await exchange_raw(
        stream,
        "POST /t HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        "5;a=" +
            ext + "\r\nhello\r\n6\r\n world\r\n0;b=1\r\nX-Trailer: " + ext + "\r\n\r\n");
    EXPECT_EQ(text.rfind("HTTP/1.1 200", 0), 0u) << text.substr(0, 80);
    EXPECT_NE(text.find("/t:hello world"), std::string::npos) << text;
  });
}

TEST_F(HttpServerFlood, ABodyLargerThanTheBufferCapStreamsThroughIt) {
  http_server_limits limits;
  limits.max_buffer_bytes = 2048;
  limits.max_body_bytes = 1024 * 1024;
  start(echo_handler(), limits);
  run([&]() -> awaitable<void> {
    auto stream = co_await connect();
    auto res = co_await roundtrip(stream, make_request("/big", std::string(300 * 1024, 'b')));
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(res.body().size(), 300 * 1024 + 5);
  });
}

}  // namespace
}  // namespace refreshd::test
