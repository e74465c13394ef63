// Streamed response bodies of refreshd::http_server (http_reply::body) over real loopback
// sockets: chunked pieces in order, other requests served between two pieces, HTTP/1.0 clients,
// and a body source that fails after the head was sent.
#include <deque>
#include <optional>
#include <stdexcept>

#include "server_fixture.hpp"

namespace refreshd::test {
namespace {

using HttpServerStream = ServerFixture;

/// A body source handing out `pieces` one by one, then the end ("").
http_body_source pieces_of(std::deque<std::string> pieces) {
  auto left = std::make_shared<std::deque<std::string>>(std::move(pieces));
  return [left]() -> awaitable<std::string> {
    if (left->empty()) {
      co_return std::string();
    }
    std::string next = std::move(left->front());
    left->pop_front();
    co_return next;
  };
}

http_response text_head() {
  http_response head{http::status::ok, 11};
  head.set(http::field::content_type, "text/plain");
  return head;
}

TEST_F(HttpServerStream, PiecesArriveAsChunksInOrderOnAKeptAliveConnection) {
  start_streaming([](http_request& req) -> awaitable<http_reply> {
    if (req.target() == "/whole") {
      http_response whole{http::status::ok, 11};
      whole.body() = "whole";
      co_return whole;
    }
    co_return http_reply(text_head(), pieces_of({"a", "bb", "ccc"}));
  });
  run([&]() -> awaitable<void> {
    auto stream = co_await connect();
    auto a = co_await roundtrip(stream, make_request("/stream"));
    EXPECT_EQ(a.result(), http::status::ok);
    EXPECT_TRUE(a.chunked());
    EXPECT_EQ(a.body(), "abbccc");
    EXPECT_EQ(a[http::field::content_type], "text/plain");
    auto b = co_await roundtrip(stream, make_request("/whole"));
    EXPECT_FALSE(b.chunked());
    EXPECT_EQ(b.body(), "whole") << "the same connection serves the next request";
    auto raw = co_await connect();
    const auto text =
        co_await exchange_raw(raw, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_NE(text.find("Transfer-Encoding: chunked"), std::string::npos) << text;
    EXPECT_NE(text.find("\r\n1\r\na\r\n2\r\nbb\r\n3\r\nccc\r\n0\r\n\r\n"), std::string::npos)
        << "one chunk per piece, then the last chunk: " << text;
  });
  EXPECT_TRUE(errors_.empty());
}

TEST_F(HttpServerStream, OtherRequestsAreServedBetweenTwoPieces) {
  // The stream's second piece waits for a gate that only the other connection's request opens:
  // the streamed answer can complete only if that request was served in between.
  std::optional<net::steady_timer> gate;
  start_streaming([&](http_request& req) -> awaitable<http_reply> {
    if (req.target() == "/open") {
      gate->cancel();
      http_response r{http::status::ok, 11};
      r.body() = "opened";
      co_return r;
    }
    auto first = std::make_shared<bool>(true);
    co_return http_reply(text_head(), [&gate, first]() -> awaitable<std::string> {
      if (*first) {
        *first = false;
        co_return std::string("before ");
      }
      if (gate) {
        co_await gate->async_wait(use_nothrow);
        gate.reset();
        co_return std::string("after");
      }
      co_return std::string();
    });
  });
  gate.emplace(ioc_, net::steady_timer::time_point::max());
  run([&]() -> awaitable<void> {
    auto streaming = co_await connect();
    auto req = make_request("/stream");
    co_await http::async_write(streaming, req, use_awaitable);
    auto other = co_await connect();
    auto opened = co_await roundtrip(other, make_request("/open"));
    EXPECT_EQ(opened.body(), "opened");
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    streaming.expires_after(10s);
    co_await http::async_read(streaming, buffer, res, use_awaitable);
    EXPECT_EQ(res.body(), "before after");
  });
}

TEST_F(HttpServerStream, AnHttp10ClientGetsThePiecesJoinedWithAContentLength) {
  start_streaming([](http_request&) -> awaitable<http_reply> {
    co_return http_reply(text_head(), pieces_of({"a", "bb", "ccc"}));
  });
  run([&]() -> awaitable<void> {
    auto stream = co_await connect();
    const auto text = co_await exchange_raw(stream, "GET / HTTP/1.0\r\n\r\n");
    EXPECT_EQ(text.rfind("HTTP/1.0 200", 0), 0u) << text;
    EXPECT_NE(text.find("Content-Length: 6\r\n"), std::string::npos) << text;
    EXPECT_EQ(text.find("chunked"), std::string::npos) << text;
    EXPECT_TRUE(text.ends_with("\r\n\r\nabbccc")) << text;
  });
}

TEST_F(HttpServerStream, ASourceFailingAfterTheHeadEndsTheConnectionWithoutTheLastChunk) {
  start_streaming([](http_request&) -> awaitable<http_reply> {
    auto calls = std::make_shared<int>(0);
    co_return http_reply(text_head(), [calls]() -> awaitable<std::string> {
      if ((*calls)++ == 0) {
        co_return std::string("a");
      }
      throw std::runtime_error("snapshot lost");
    });
  });
  run([&]() -> awaitable<void> {
    auto stream = co_await connect();
    const auto text = co_await exchange_raw(stream, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(text.rfind("HTTP/1.1 200", 0), 0u) << text;
    EXPECT_NE(text.find("\r\n1\r\na\r\n"), std::string::npos) << text;
    EXPECT_EQ(text.find("0\r\n\r\n"), std::string::npos) << "no last chunk: " << text;
  });
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_NE(errors_[0].find("snapshot lost"), std::string::npos) << errors_[0];
}

}  // namespace
}  // namespace refreshd::test
