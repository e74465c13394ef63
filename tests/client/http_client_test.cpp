// http_client over plain TCP against loopback servers written here with Beast.
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <gtest/gtest.h>

#include <refreshd/client/http_client.hpp>

#include "loopback_server.hpp"

namespace refreshd::client {
namespace {

using namespace std::chrono_literals;
using namespace net::experimental::awaitable_operators;
using steady = std::chrono::steady_clock;
using test::loopback_server;
using test::run_task;
using test::server_request;

http_client_options fast_options() {
  http_client_options o;
  o.connect_timeout = 2s;
  o.io_timeout = 2s;
  o.request_timeout = 5s;
  return o;
}

const http_response& response_of(const http_result& r) {
  if (const auto* err = std::get_if<transport_error>(&r)) {
    throw std::runtime_error("expected a response, got: " + err->message);
  }
  return std::get<http_response>(r);
}

const transport_error& error_of(const http_result& r) {
  if (!std::holds_alternative<transport_error>(r)) {
    throw std::runtime_error("expected a transport error, got a response");
  }
  return std::get<transport_error>(r);
}

std::string header(const http_response& r, std::string_view name) {
  for (const auto& h : r.headers) {
    if (beast::iequals(h.name, name)) {
      return h.value;
    }
  }
  return {};
}

class HttpClientTest : public ::testing::Test {
 protected:
  net::io_context ioc_;
  loopback_server server_{ioc_};

  http_result post(http_client& client, std::string path = "/v2/x", std::string body = "{}",
                   std::vector<http_header> headers = {}) {
    return run_task(ioc_, client.async_post(path, std::move(body), std::move(headers)));
  }
};

TEST_F(HttpClientTest, PostsJsonWithStandardHeadersAndReturnsTheResponse) {
  std::vector<server_request> seen;
  server_.serve(test::echo_handler(seen));
  http_client client(ioc_.get_executor(), server_.url(), fast_options());

  auto result = post(client, "/v2/vectordb/jobs/refresh/describe", R"({"jobId":1})",
                     {{"Authorization", "Bearer t0ken"}, {"Request-Timeout", "5"}});

  const auto& res = response_of(result);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, R"({"jobId":1})");
  EXPECT_EQ(header(res, "content-type"), "application/json");
  ASSERT_EQ(seen.size(), 1u);
  const auto& req = seen[0];
  EXPECT_EQ(req.method(), http::verb::post);
  EXPECT_EQ(req.target(), "/v2/vectordb/jobs/refresh/describe");
  EXPECT_EQ(req[http::field::host], "127.0.0.1:" + std::to_string(server_.port()));
  EXPECT_EQ(req[http::field::content_type], "application/json");
  EXPECT_EQ(req[http::field::accept], "application/json");
  EXPECT_EQ(req[http::field::user_agent], "milvus-refreshd");
  EXPECT_EQ(req[http::field::authorization], "Bearer t0ken");
  EXPECT_EQ(req["Request-Timeout"], "5");
  EXPECT_EQ(req[http::field::content_length], "11");
  EXPECT_EQ(client.authority(), "127.0.0.1:" + std::to_string(server_.port()));
  EXPECT_FALSE(client.is_tls());
}

TEST_F(HttpClientTest, PrependsThePathPrefixOfTheEndpoint) {
  std::vector<server_request> seen;
  server_.serve(test::echo_handler(seen));
  http_client client(ioc_.get_executor(), server_.url("http", "127.0.0.1", "/milvus/"),
                     fast_options());

  response_of(post(client, "/v2/x"));

  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].target(), "/milvus/v2/x");
}

TEST_F(HttpClientTest, ReusesTheKeptAliveConnection) {
  std::vector<server_request> seen;
  server_.serve(test::echo_handler(seen));
  http_client client(ioc_.get_executor(), server_.url(), fast_options());

  EXPECT_EQ(response_of(post(client, "/a", "1")).body, "1");
  EXPECT_EQ(response_of(post(client, "/b", "2")).body, "2");

  EXPECT_EQ(server_.accepted(), 1);
  EXPECT_EQ(seen.size(), 2u);
}

TEST_F(HttpClientTest, OpensANewConnectionAfterConnectionClose) {
  std::vector<server_request> seen;
  server_.serve(test::echo_handler(seen, /*keep_alive=*/false));
  http_client client(ioc_.get_executor(), server_.url(), fast_options());

  EXPECT_EQ(response_of(post(client, "/a", "1")).body, "1");
  EXPECT_EQ(response_of(post(client, "/b", "2")).body, "2");

  EXPECT_EQ(server_.accepted(), 2);
  EXPECT_EQ(seen.size(), 2u);
}

TEST_F(HttpClientTest, ReconnectsWhenTheServerClosedAnIdleKeptAliveConnection) {
  test::notifier closed(ioc_.get_executor());
  server_.serve([&](tcp::socket socket, int) -> awaitable<void> {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    auto req = co_await test::read_request(stream, buffer);
    if (req) {
      // Announces keep-alive, then closes while the connection is idle.
      co_await test::write_response(stream, test::make_response(200, req->body()));
    }
    stream.close();
    closed.raise();
  });
  http_client client(ioc_.get_executor(), server_.url(), fast_options());

  auto results = run_task(ioc_, [&]() -> awaitable<std::vector<http_result>> {
    std::vector<http_result> out;
    out.push_back(co_await client.async_post("/a", "1"));
    co_await closed.wait();
    out.push_back(co_await client.async_post("/b", "2"));
    co_return out;
  }());

  EXPECT_EQ(response_of(results[0]).body, "1");
  EXPECT_EQ(response_of(results[1]).body, "2");
  EXPECT_EQ(server_.accepted(), 2);
}

// The server reads the second request on the kept-alive connection and closes without a byte
// of answer (the race of a keep-alive timeout with a new request): re-sent once.
TEST_F(HttpClientTest, ResendsOnceWhenAReusedConnectionClosesBeforeAnswering) {
  int requests = 0;
  server_.serve([&](tcp::socket socket, int n) -> awaitable<void> {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    while (auto req = co_await test::read_request(stream, buffer)) {
      ++requests;
      if (n == 1 && requests == 2) {
        co_return;  // closes the socket: EOF before any byte of the response
      }
      co_await test::write_response(stream, test::make_response(200, req->body()));
    }
  });
  http_client client(ioc_.get_executor(), server_.url(), fast_options());

  EXPECT_EQ(response_of(post(client, "/a", "1")).body, "1");
  EXPECT_EQ(response_of(post(client, "/b", "2")).body, "2");

  EXPECT_EQ(server_.accepted(), 2);
  EXPECT_EQ(requests, 3);
}

// The same race for a request that must not run twice (a refresh): it was written, so the
// server may have acted on it; the failure comes back with maybe_sent and nothing is re-sent.
TEST_F(HttpClientTest, NonReplayableRequestIsNotResentAfterItWasWritten) {
  int requests = 0;
  server_.serve([&](tcp::socket socket, int n) -> awaitable<void> {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    while (auto req = co_await test::read_request(stream, buffer)) {
      ++requests;
      if (n == 1 && requests == 2) {
        co_return;
      }
      co_await test::write_response(stream, test::make_response(200, req->body()));
    }
  });
  http_client client(ioc_.get_executor(), server_.url(), fast_options());

  EXPECT_EQ(response_of(post(client, "/a", "1")).body, "1");
  auto second = run_task(ioc_, client.async_post("/refresh", "2", {}, /*replayable=*/false));
  const auto err = error_of(second);
  EXPECT_TRUE(err.maybe_sent);
  EXPECT_EQ(requests, 2);
  EXPECT_EQ(server_.accepted(), 1);
}

TEST_F(HttpClientTest, ResendsAtMostOnceAndReportsMaybeSent) {
  int requests = 0;
  server_.serve([&](tcp::socket socket, int n) -> awaitable<void> {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    while (auto req = co_await test::read_request(stream, buffer)) {
      ++requests;
      if (n > 1 || requests > 1) {
        co_return;
      }
      co_await test::write_response(stream, test::make_response(200, req->body()));
    }
  });
  http_client client(ioc_.get_executor(), server_.url(), fast_options());

  response_of(post(client, "/a"));
  const auto err = error_of(post(client, "/b"));

  EXPECT_EQ(err.stage, transport_stage::read);
  EXPECT_TRUE(err.maybe_sent);
  EXPECT_FALSE(err.timed_out);
  EXPECT_EQ(err.message, "read the response from " + client.authority() +
                             " failed: the server closed the connection without answering");
  EXPECT_EQ(server_.accepted(), 2);
  EXPECT_EQ(requests, 3);
}

TEST_F(HttpClientTest, DoesNotResendOnAFreshConnection) {
  int requests = 0;
  server_.serve([&](tcp::socket socket, int) -> awaitable<void> {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    if (co_await test::read_request(stream, buffer)) {
      ++requests;
    }
  });
  http_client client(ioc_.get_executor(), server_.url(), fast_options());

  const auto err = error_of(post(client));

  EXPECT_EQ(err.stage, transport_stage::read);
  EXPECT_TRUE(err.maybe_sent);
  EXPECT_EQ(server_.accepted(), 1);
  EXPECT_EQ(requests, 1);
}

TEST_F(HttpClientTest, ConnectionRefusedFailsAtConnectAndWasNotSent) {
  unsigned short port = 0;
  {
    tcp::acceptor closed(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    port = closed.local_endpoint().port();
  }
  http_client client(ioc_.get_executor(), "http://127.0.0.1:" + std::to_string(port),
                     fast_options());

  const auto err = error_of(post(client));

  EXPECT_EQ(err.stage, transport_stage::connect);
  EXPECT_FALSE(err.maybe_sent);
  EXPECT_FALSE(err.timed_out);
  EXPECT_NE(err.message.find("connect to 127.0.0.1:" + std::to_string(port) + " failed"),
            std::string::npos)
      << err.message;
}

TEST_F(HttpClientTest, ConnectTimesOutWhenTheListenQueueIsFull) {
  // A listener that never accepts, with a full backlog: Linux drops further SYNs.
  tcp::acceptor full(ioc_);
  full.open(tcp::v4());
  full.bind(tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  full.listen(0);
  tcp::socket filler(ioc_);
  filler.connect(full.local_endpoint());
  auto options = fast_options();
  options.connect_timeout = 200ms;
  http_client client(ioc_.get_executor(),
                     "http://127.0.0.1:" + std::to_string(full.local_endpoint().port()), options);

  const auto start = steady::now();
  const auto err = error_of(post(client));
  const auto elapsed = steady::now() - start;

  EXPECT_EQ(err.stage, transport_stage::connect);
  EXPECT_TRUE(err.timed_out);
  EXPECT_FALSE(err.maybe_sent);
  EXPECT_NE(err.message.find("timed out after 200ms"), std::string::npos) << err.message;
  EXPECT_GE(elapsed, 190ms);
  EXPECT_LT(elapsed, 1500ms);
}

TEST_F(HttpClientTest, ReadTimesOutWhenTheServerNeverAnswers) {
  server_.serve([&](tcp::socket socket, int) -> awaitable<void> {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    co_await test::read_request(stream, buffer);
    co_await test::park();
  });
  auto options = fast_options();
  options.io_timeout = 200ms;
  http_client client(ioc_.get_executor(), server_.url(), options);

  const auto start = steady::now();
  const auto err = error_of(post(client, "/v2/x", "{}", {{"Authorization", "Bearer s3cret"}}));
  const auto elapsed = steady::now() - start;

  EXPECT_EQ(err.stage, transport_stage::read);
  EXPECT_TRUE(err.timed_out);
  EXPECT_TRUE(err.maybe_sent);
  EXPECT_FALSE(err.too_large);
  EXPECT_EQ(err.message, "read the response from " + client.authority() + " timed out after 200ms");
  EXPECT_GE(elapsed, 190ms);
  EXPECT_LT(elapsed, 1500ms);
}

TEST_F(HttpClientTest, RequestTimeoutShorterThanThePhaseTimeoutsWins) {
  server_.serve([&](tcp::socket socket, int) -> awaitable<void> {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    co_await test::read_request(stream, buffer);
    co_await test::park();
  });
  auto options = fast_options();
  options.io_timeout = 5s;
  options.request_timeout = 150ms;
  http_client client(ioc_.get_executor(), server_.url(), options);

  const auto start = steady::now();
  const auto err = error_of(post(client));
  const auto elapsed = steady::now() - start;

  EXPECT_EQ(err.stage, transport_stage::deadline);
  EXPECT_TRUE(err.timed_out);
  EXPECT_TRUE(err.maybe_sent);
  EXPECT_NE(err.message.find("timed out after 150ms (request_timeout) while reading the response"),
            std::string::npos)
      << err.message;
  EXPECT_GE(elapsed, 140ms);
  EXPECT_LT(elapsed, 1500ms);
}

}  // namespace
}  // namespace refreshd::client
