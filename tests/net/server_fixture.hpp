#pragma once
// A loopback refreshd::http_server on 127.0.0.1:0 plus tiny coroutine clients, all on one
// io_context that the test drives; nothing sleeps, every wait has a deadline.

#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>

#include <refreshd/net/asio.hpp>
#include <refreshd/net/http_server.hpp>

namespace refreshd::test {

using namespace std::chrono_literals;

class ServerFixture : public ::testing::Test {
 protected:
  void TearDown() override {
    server_.reset();
    ioc_.restart();
    ioc_.run_for(3s);  // let cancelled connections unwind
  }

  void start(http_handler handler, http_server_limits limits = {}, ssl::context* tls = nullptr) {
    server_ = std::make_unique<http_server>(ioc_.get_executor(), loopback_any_port(),
                                            std::move(handler), options(limits), tls);
    server_->start();
  }

  /// A server whose handler may stream its bodies (http_reply::body).
  void start_streaming(http_stream_handler handler, http_server_limits limits = {}) {
    server_ = std::make_unique<http_server>(ioc_.get_executor(), loopback_any_port(),
                                            std::move(handler), options(limits), nullptr);
    server_->start();
  }

  /// `limits`, with errors collected in errors_.
  http_server_options options(http_server_limits limits) {
    http_server_options o;
    o.limits = limits;
    o.on_error = [this](std::string_view line) { errors_.emplace_back(line); };
    return o;
  }
  static tcp::endpoint loopback_any_port() {
    return tcp::endpoint(net::ip::make_address("127.0.0.1"), 0);
  }

  /// Runs the coroutine to completion (at most 20 s); rethrows what it threw.
  void run(const std::function<awaitable<void>()>& body) {
    bool done = false;
    std::exception_ptr error;
    net::co_spawn(ioc_, body(), [&](std::exception_ptr e) {
      error = e;
      done = true;
      ioc_.stop();
    });
    ioc_.restart();
    ioc_.run_for(20s);
    ASSERT_TRUE(done) << "test coroutine did not finish in time";
    if (error) {
      std::rethrow_exception(error);
    }
  }

  awaitable<beast::tcp_stream> connect() {
    beast::tcp_stream stream(co_await net::this_coro::executor);
    stream.expires_after(10s);
    co_await stream.async_connect(server_->local_endpoint(), use_awaitable);
    co_return stream;
  }

  /// Writes raw bytes, then reads until the server closes (or 10 s). Returns what arrived.
  static awaitable<std::string> exchange_raw(beast::tcp_stream& stream, std::string data) {
    stream.expires_after(10s);
    if (!data.empty()) {
      co_await net::async_write(stream, net::buffer(data), use_awaitable);
    }
    std::string got;
    for (;;) {
      char buf[4096];
      auto [ec, n] = co_await stream.async_read_some(net::buffer(buf), use_nothrow);
      got.append(buf, n);
      if (ec) {
        co_return got;
      }
    }
  }

  static http::request<http::string_body> make_request(std::string target, std::string body = {},
                                                       unsigned version = 11) {
    http::request<http::string_body> req{http::verb::post, target, version};
    req.set(http::field::host, "127.0.0.1");
    req.body() = std::move(body);
    req.prepare_payload();
    return req;
  }

  template <class Stream>
  static awaitable<http::response<http::string_body>> roundtrip(
      Stream& stream, http::request<http::string_body> req) {
    beast::get_lowest_layer(stream).expires_after(10s);
    co_await http::async_write(stream, req, use_awaitable);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    co_await http::async_read(stream, buffer, res, use_awaitable);
    co_return res;
  }

  /// Waits (on a timer, in 10 ms steps) until pred() or the deadline.
  static awaitable<bool> wait_until(std::function<bool()> pred, std::chrono::milliseconds limit) {
    net::steady_timer timer(co_await net::this_coro::executor);
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!pred() && std::chrono::steady_clock::now() < deadline) {
      timer.expires_after(10ms);
      co_await timer.async_wait(use_awaitable);
    }
    co_return pred();
  }

  static http_handler echo_handler() {
    return [](http_request& req) -> awaitable<http_response> {
      http_response res{http::status::ok, req.version()};
      res.set(http::field::content_type, "text/plain");
      res.body() = std::string(req.target()) + ":" + req.body();
      co_return res;
    };
  }

  net::io_context ioc_{1};
  std::unique_ptr<http_server> server_;
  std::vector<std::string> errors_;
};

}  // namespace refreshd::test
