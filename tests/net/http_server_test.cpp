// refreshd::http_server over real loopback sockets: keep-alive, limits, timeouts, handler
// failures, the reset hook, the connection cap and stop().
#include <exception>
#include <optional>
#include <stdexcept>

#include "server_fixture.hpp"

namespace refreshd::test {
namespace {

using HttpServer = ServerFixture;

TEST_F(HttpServer, BindsAnEphemeralPortAndServesKeepAliveRequests) {
  start(echo_handler());
  ASSERT_NE(server_->local_endpoint().port(), 0);
  run([&]() -> awaitable<void> {
    auto stream = co_await connect();
    auto a = co_await roundtrip(stream, make_request("/a", "one"));
    auto b = co_await roundtrip(stream, make_request("/b", "two"));
    EXPECT_EQ(a.result(), http::status::ok);
    EXPECT_EQ(a.body(), "/a:one");
    EXPECT_EQ(b.body(), "/b:two");
    EXPECT_TRUE(b.keep_alive());
    EXPECT_EQ(server_->connection_count(), 1u);
  });
}

TEST_F(HttpServer, Http10WithoutKeepAliveIsClosedAfterTheResponse) {
  start(echo_handler());
  run([&]() -> awaitable<void> {
    auto stream = co_await connect();
    auto text = co_await exchange_raw(stream, "GET /x HTTP/1.0\r\n\r\n");
    EXPECT_EQ(text.rfind("HTTP/1.0 200", 0), 0u) << text;
    EXPECT_NE(text.find("/x:"), std::string::npos) << text;
  });
}

TEST_F(HttpServer, OversizedHeaderIsAnswered431) {
  http_server_limits limits;
  limits.max_header_bytes = 1024;
  start(echo_handler(), limits);
  run([&]() -> awaitable<void> {
    auto stream = co_await connect();
    auto text = co_await exchange_raw(
        stream, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4000, 'a') + "\r\n\r\n");
    EXPECT_EQ(text.rfind("HTTP/1.1 431", 0), 0u) << text.substr(0, 80);
  });
}

TEST_F(HttpServer, OversizedBodyIsAnswered413) {
  http_server_limits limits;
  limits.max_body_bytes = 100;
  start(echo_handler(), limits);
  run([&]() -> awaitable<void> {
    auto stream = co_await connect();
    auto text =
        co_await exchange_raw(stream, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" +
                                          std::string(1000, 'b'));
    EXPECT_EQ(text.rfind("HTTP/1.1 413", 0), 0u) << text.substr(0, 80);
  });
}

TEST_F(HttpServer, MalformedRequestIsAnswered400) {
  start(echo_handler());
  run([&]() -> awaitable<void> {
    auto stream = co_await connect();
    auto text = co_await exchange_raw(stream, "HELLO THERE\r\n\r\n");
    EXPECT_EQ(text.rfind("HTTP/1.1 400", 0), 0u) << text;
    auto again = co_await connect();
    auto bad_length =
        co_await exchange_raw(again, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n");
    EXPECT_EQ(bad_length.rfind("HTTP/1.1 400", 0), 0u) << bad_length;
  });
}

TEST_F(HttpServer, HandlerExceptionIsLoggedAndAnswered500) {
  start([](http_request&) -> awaitable<http_response> {
    throw std::runtime_error("boom");
    co_return http_response{};
  });
  run([&]() -> awaitable<void> {
    auto stream = co_await connect();
    auto a = co_await roundtrip(stream, make_request("/"));
    EXPECT_EQ(a.result(), http::status::internal_server_error);
    auto b = co_await roundtrip(stream, make_request("/"));
    EXPECT_EQ(b.result(), http::status::internal_server_error) << "connection survives";
  });
  ASSERT_EQ(errors_.size(), 2u);
  EXPECT_NE(errors_[0].find("boom"), std::string::npos);
}

TEST_F(HttpServer, HandlerCanResetTheConnectionWithoutAResponse) {
  start([](http_request&) -> awaitable<http_response> {
    throw http_connection_reset{};
    co_return http_response{};
  });
  run([&]() -> awaitable<void> {
    auto stream = co_await connect();
    auto text = co_await exchange_raw(stream, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_TRUE(text.empty()) << text;
  });
  EXPECT_TRUE(errors_.empty());
}

TEST_F(HttpServer, HandlerCanDelayItsResponse) {
  // The handler waits on a gate that the client side opens only once the handler is waiting:
  // the answer must come after that, whatever the wall clock does.
  std::optional<net::steady_timer> gate;
  bool opened = false;
  start([&](http_request& req) -> awaitable<http_response> {
    gate.emplace(co_await net::this_coro::executor, net::steady_timer::time_point::max());
    co_await gate->async_wait(use_nothrow);
    co_return http_response{http::status::ok, req.version()};
  });
  run([&]() -> awaitable<void> {
    auto stream = co_await connect();
    auto opener = [&]() -> awaitable<void> {
      EXPECT_TRUE(co_await wait_until([&] { return gate.has_value(); }, 5s));
      opened = true;
      gate->cancel();
    };
    net::co_spawn(co_await net::this_coro::executor, opener(), [](std::exception_ptr e) {
      if (e) {
        ADD_FAILURE() << "the gate opener threw";
      }
    });
    auto res = co_await roundtrip(stream, make_request("/"));
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_TRUE(opened) << "the answer came before the handler was released";
  });
}

TEST_F(HttpServer, SlowLorisClientIsCutOffAtTheReadTimeout) {
  http_server_limits limits;
  limits.read_timeout = 200ms;
  start(echo_handler(), limits);
  run([&]() -> awaitable<void> {
    auto stream = co_await connect();
    const auto t = std::chrono::steady_clock::now();
    auto text = co_await exchange_raw(stream, "GET / HTTP/1.1\r\nHost: x\r\n");
    EXPECT_TRUE(text.empty()) << text;
    EXPECT_LT(std::chrono::steady_clock::now() - t, 5s);
  });
}

TEST_F(HttpServer, IdleKeepAliveConnectionIsClosed) {
  http_server_limits limits;
  limits.idle_timeout = 200ms;
  start(echo_handler(), limits);
  run([&]() -> awaitable<void> {
    auto stream = co_await connect();
    auto res = co_await roundtrip(stream, make_request("/"));
    EXPECT_EQ(res.result(), http::status::ok);
    const auto t = std::chrono::steady_clock::now();
    auto rest = co_await exchange_raw(stream, "");
    EXPECT_TRUE(rest.empty());
    EXPECT_LT(std::chrono::steady_clock::now() - t, 5s);
    EXPECT_TRUE(co_await wait_until([&] { return server_->connection_count() == 0; }, 5s));
  });
}

TEST_F(HttpServer, ConnectionsOverTheCapGet503WhenAllAreHandlingRequests) {
  http_server_limits limits;
  limits.max_connections = 1;
  bool entered = false;
  bool release = false;
  start(
      [&entered, &release](http_request& req) -> awaitable<http_response> {
        entered = true;
        co_await wait_until([&] { return release; }, 10s);
        co_return http_response{http::status::ok, req.version()};
      },
      limits);
  run([&]() -> awaitable<void> {
    auto first = co_await connect();
    std::string request = "GET /busy HTTP/1.1\r\nHost: x\r\n\r\n";
    co_await net::async_write(first, net::buffer(request), use_awaitable);
    EXPECT_TRUE(co_await wait_until([&] { return entered; }, 5s));
    auto second = co_await connect();
    auto text = co_await exchange_raw(second, "");
    EXPECT_EQ(text.rfind("HTTP/1.1 503", 0), 0u) << text;
    release = true;
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    co_await http::async_read(first, buffer, res, use_awaitable);
    EXPECT_EQ(res.result(), http::status::ok) << "the busy connection was kept";
  });
}

TEST_F(HttpServer, ExpectContinueIsAnsweredBeforeTheBody) {
  start(echo_handler());
  run([&]() -> awaitable<void> {
    auto stream = co_await connect();
    stream.expires_after(10s);
    std::string head =
        "POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n";
    co_await net::async_write(stream, net::buffer(head), use_awaitable);
    beast::flat_buffer buffer;
    http::response<http::empty_body> interim;
    co_await http::async_read(stream, buffer, interim, use_awaitable);
    EXPECT_EQ(interim.result(), http::status::continue_);
    co_await net::async_write(stream, net::buffer(std::string("body")), use_awaitable);
    http::response<http::string_body> res;
    co_await http::async_read(stream, buffer, res, use_awaitable);
    EXPECT_EQ(res.body(), "/c:body");
  });
}

TEST_F(HttpServer, StopClosesConnectionsAndCancelsRunningHandlers) {
  bool entered = false;
  start([&entered](http_request& req) -> awaitable<http_response> {
    entered = true;
    net::steady_timer timer(co_await net::this_coro::executor, 60s);
    co_await timer.async_wait(use_awaitable);
    co_return http_response{http::status::ok, req.version()};
  });
  run([&]() -> awaitable<void> {
    auto busy = co_await connect();
    auto idle = co_await connect();
    std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    co_await net::async_write(busy, net::buffer(request), use_awaitable);
    EXPECT_TRUE(co_await wait_until([&] { return entered; }, 5s));
    EXPECT_EQ(server_->connection_count(), 2u);
    server_->stop();
    const auto t = std::chrono::steady_clock::now();
    EXPECT_TRUE((co_await exchange_raw(busy, "")).empty());
    EXPECT_TRUE((co_await exchange_raw(idle, "")).empty());
    EXPECT_TRUE(co_await wait_until([&] { return server_->connection_count() == 0; }, 5s));
    EXPECT_LT(std::chrono::steady_clock::now() - t, 5s);
    beast::tcp_stream late(co_await net::this_coro::executor);
    auto [ec] = co_await late.async_connect(server_->local_endpoint(), use_nothrow);
    EXPECT_TRUE(ec) << "no longer accepting";
  });
  EXPECT_TRUE(errors_.empty()) << errors_.front();
}

}  // namespace
}  // namespace refreshd::test
