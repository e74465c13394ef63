#pragma once
// Tiny coroutine HTTP servers on 127.0.0.1:0 for the http_client tests, and a runner that drives
// one io_context until a test coroutine finishes (no sleeps: timers and the event loop only).

#include <chrono>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <gtest/gtest.h>

#include <refreshd/net/asio.hpp>

namespace refreshd::test {

using server_request = http::request<http::string_body>;
using server_response = http::response<http::string_body>;

/// A coroutine that escaped with an exception fails the current test.
inline void report_exception(std::exception_ptr e) {
  if (!e) {
    return;
  }
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    ADD_FAILURE() << "test coroutine threw: " << x.what();
  }
}

/// Runs `task` on `ioc` until it completes and returns its value. Servers left suspended stay
/// so until the io_context is destroyed. Throws when `limit` passes first (a hung test).
template <class T>
T run_task(net::io_context& ioc, awaitable<T> task,
           std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  std::optional<T> result;
  std::exception_ptr error;
  ioc.restart();
  net::co_spawn(ioc, std::move(task), [&](std::exception_ptr e, T value) {
    error = e;
    if (!e) {
      result.emplace(std::move(value));
    }
    ioc.stop();
  });
  ioc.run_for(limit);
  if (error) {
    std::rethrow_exception(error);
  }
  if (!result) {
    throw std::runtime_error("test coroutine did not finish in time");
  }
  return std::move(*result);
}

/// A one-shot notification between coroutines: a timer parked at time_point::max().
class notifier {
 public:
  explicit notifier(const executor& ex) : timer_(ex, net::steady_timer::time_point::max()) {}
  void raise() {
    raised_ = true;
    timer_.cancel();
  }
  awaitable<void> wait() {
    if (!raised_) {
      co_await timer_.async_wait(use_nothrow);
    }
  }
  bool raised() const noexcept { return raised_; }

 private:
  net::steady_timer timer_;
  bool raised_ = false;
};

/// Suspends until the io_context is destroyed (a server that never answers).
inline awaitable<void> park() {
  net::steady_timer forever(co_await net::this_coro::executor,
                            net::steady_timer::time_point::max());
  co_await forever.async_wait(use_nothrow);
}

/// Sleeps on a timer (server-side delays).
inline awaitable<void> delay(std::chrono::milliseconds d) {
  net::steady_timer t(co_await net::this_coro::executor, d);
  co_await t.async_wait(use_nothrow);
}

/// Listens on 127.0.0.1:0 and serves every accepted connection with `handler(socket, n)`
/// (n = 1, 2, ...) in a coroutine of its own.
class loopback_server {
 public:
  explicit loopback_server(net::io_context& ioc)
      : acceptor_(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {}

  unsigned short port() const { return acceptor_.local_endpoint().port(); }
  std::string url(const std::string& scheme = "http", const std::string& host = "127.0.0.1",
                  const std::string& path = "") const {
    return scheme + "://" + host + ":" + std::to_string(port()) + path;
  }
  int accepted() const noexcept { return accepted_; }

  template <class Handler>
  void serve(Handler handler) {
    net::co_spawn(acceptor_.get_executor(), accept_loop(std::move(handler)), report_exception);
  }

 private:
  template <class Handler>
  awaitable<void> accept_loop(Handler handler) {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(use_nothrow);
      if (ec) {
        co_return;
      }
      ++accepted_;
      net::co_spawn(acceptor_.get_executor(), handler(std::move(socket), accepted_),
                    report_exception);
    }
  }

  tcp::acceptor acceptor_;
  int accepted_ = 0;
};

/// Reads one request; nullopt when the client closed the connection or sent garbage.
template <class Stream>
awaitable<std::optional<server_request>> read_request(Stream& stream, beast::flat_buffer& buffer) {
  server_request req;
  auto [ec, n] = co_await http::async_read(stream, buffer, req, use_nothrow);
  if (ec) {
    co_return std::nullopt;
  }
  co_return req;
}

inline server_response make_response(int status, std::string body, bool keep_alive = true) {
  server_response res{static_cast<http::status>(status), 11};
  res.set(http::field::content_type, "application/json");
  res.body() = std::move(body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

template <class Stream>
awaitable<bool> write_response(Stream& stream, server_response res) {
  auto [ec, n] = co_await http::async_write(stream, res, use_nothrow);
  co_return !ec;
}

/// Writes raw bytes (malformed or oversized responses).
template <class Stream>
awaitable<bool> write_raw(Stream& stream, const std::string& bytes) {
  auto [ec, n] = co_await net::async_write(stream, net::buffer(bytes), use_nothrow);
  co_return !ec;
}

/// Answers every request of a connection with 200 and the request's body, recording requests.
inline auto echo_handler(std::vector<server_request>& seen, bool keep_alive = true) {
  return [&seen, keep_alive](tcp::socket socket, int) -> awaitable<void> {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
      auto req = co_await read_request(stream, buffer);
      if (!req) {
        co_return;
      }
      seen.push_back(*req);
      if (!co_await write_response(stream, make_response(200, req->body(), keep_alive)) ||
          !keep_alive) {
        co_return;
      }
    }
  };
}

}  // namespace refreshd::test
