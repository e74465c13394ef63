// http_client: size caps, truncated responses, endpoint validation, request validation,
// serialization of concurrent requests and abort on destruction.
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <gtest/gtest.h>

#include <refreshd/client/http_client.hpp>

#include "loopback_server.hpp"

namespace refreshd::client {
namespace {

using namespace std::chrono_literals;
using namespace net::experimental::awaitable_operators;
using test::loopback_server;
using test::run_task;
using test::server_request;

const transport_error& error_of(const http_result& r) {
  if (!std::holds_alternative<transport_error>(r)) {
    throw std::runtime_error("expected a transport error, got a response");
  }
  return std::get<transport_error>(r);
}

const http_response& response_of(const http_result& r) {
  if (const auto* err = std::get_if<transport_error>(&r)) {
    throw std::runtime_error("expected a response, got: " + err->message);
  }
  return std::get<http_response>(r);
}

http_client_options small_caps() {
  http_client_options o;
  o.connect_timeout = 2s;
  o.io_timeout = 2s;
  o.request_timeout = 5s;
  o.max_header_bytes = 4 * 1024;
  o.max_body_bytes = 64 * 1024;
  return o;
}

class HttpClientLimitsTest : public ::testing::Test {
 protected:
  net::io_context ioc_;
  loopback_server server_{ioc_};

  /// Serves every connection by reading the request and writing `chunks` raw, in order.
  void serve_raw(std::vector<std::string> chunks, bool park_after = true) {
    server_.serve(
        [chunks = std::move(chunks), park_after](tcp::socket socket, int) -> awaitable<void> {
          beast::tcp_stream stream(std::move(socket));
          beast::flat_buffer buffer;
          co_await test::read_request(stream, buffer);
          for (const auto& chunk : chunks) {
            if (!co_await test::write_raw(stream, chunk)) {
              co_return;
            }
          }
          if (park_after) {
            co_await test::park();
          }
        });
  }

  http_result post(http_client& client) { return run_task(ioc_, client.async_post("/v2/x", "{}")); }
};

TEST_F(HttpClientLimitsTest, EndlessHeaderIsTooLarge) {
  std::vector<std::string> chunks{"HTTP/1.1 200 OK\r\n"};
  for (int i = 0; i < 256; ++i) {  // 256 KiB of header lines, never terminated
    chunks.push_back("X-Junk-" + std::to_string(i) + ": " + std::string(1024, 'a') + "\r\n");
  }
  serve_raw(std::move(chunks));
  http_client client(ioc_.get_executor(), server_.url(), small_caps());

  const auto err = error_of(post(client));

  EXPECT_EQ(err.stage, transport_stage::read);
  EXPECT_TRUE(err.too_large);
  EXPECT_TRUE(err.maybe_sent);
  EXPECT_FALSE(err.timed_out);
  EXPECT_NE(err.message.find("header"), std::string::npos) << err.message;
}

TEST_F(HttpClientLimitsTest, OneHugeHeaderIsTooLarge) {
  serve_raw({"HTTP/1.1 200 OK\r\nX-Huge: " + std::string(64 * 1024, 'h')});
  http_client client(ioc_.get_executor(), server_.url(), small_caps());

  const auto err = error_of(post(client));

  EXPECT_EQ(err.stage, transport_stage::read);
  EXPECT_TRUE(err.too_large);
}

TEST_F(HttpClientLimitsTest, ContentLengthOverTheBodyCapIsTooLarge) {
  serve_raw({"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n" + std::string(1024, 'b')});
  http_client client(ioc_.get_executor(), server_.url(), small_caps());

  const auto err = error_of(post(client));

  EXPECT_EQ(err.stage, transport_stage::read);
  EXPECT_TRUE(err.too_large);
  EXPECT_EQ(err.message,
            "response body from " + client.authority() + " is larger than 65536 bytes");
}

TEST_F(HttpClientLimitsTest, ChunkedBodyOverTheBodyCapIsTooLarge) {
  std::vector<std::string> chunks{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"};
  for (int i = 0; i < 32; ++i) {  // 32 chunks of 4 KiB = 128 KiB, over the 64 KiB cap
    chunks.push_back("1000\r\n" + std::string(4096, 'c') + "\r\n");
  }
  serve_raw(std::move(chunks));
  http_client client(ioc_.get_executor(), server_.url(), small_caps());

  const auto err = error_of(post(client));

  EXPECT_EQ(err.stage, transport_stage::read);
  EXPECT_TRUE(err.too_large);
}

/// Serves one response head, then up to 64 MiB of `filler` in 64 KiB writes (a hostile server
/// flooding chunk metadata); `sent` counts what the client's socket accepted.
void serve_flood(loopback_server& server, std::string head, char filler, std::size_t& sent) {
  server.serve([head = std::move(head), filler, &sent](tcp::socket socket, int) -> awaitable<void> {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    co_await test::read_request(stream, buffer);
    if (!co_await test::write_raw(stream, head)) {
      co_return;
    }
    const std::string piece(64 * 1024, filler);
    for (int i = 0; i < 1024; ++i) {
      if (!co_await test::write_raw(stream, piece)) {
        co_return;
      }
      sent += piece.size();
    }
    co_await test::park();
  });
}

TEST_F(HttpClientLimitsTest, EndlessChunkExtensionIsTooLargeAtTheBufferCap) {
  std::size_t sent = 0;
  serve_flood(server_, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;", 'e', sent);
  http_client client(ioc_.get_executor(), server_.url(), small_caps());

  const auto err = error_of(post(client));

  EXPECT_EQ(err.stage, transport_stage::read);
  EXPECT_TRUE(err.too_large) << err.message;
  EXPECT_FALSE(err.timed_out) << err.message;
  EXPECT_EQ(err.message, "a chunk-size line or the trailer section from " + client.authority() +
                             " is larger than 65536 bytes");
  EXPECT_LT(sent, 16u * 1024 * 1024) << "the client stopped reading at its cap";
}

TEST_F(HttpClientLimitsTest, EndlessTrailerSectionIsTooLargeAtTheBufferCap) {
  std::size_t sent = 0;
  serve_flood(server_,
              "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nX-T: ", 't',
              sent);
  http_client client(ioc_.get_executor(), server_.url(), small_caps());

  const auto err = error_of(post(client));

  EXPECT_TRUE(err.too_large) << err.message;
  EXPECT_NE(err.message.find("trailer"), std::string::npos) << err.message;
  EXPECT_LT(sent, 16u * 1024 * 1024);
}

TEST_F(HttpClientLimitsTest, ChunkExtensionsAndTrailersWithinTheCapAreAccepted) {
  const std::string ext(4000, 'x');
  serve_raw({"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;a=" + ext +
             "\r\n{\r\n1\r\n}\r\n0;b=1\r\nX-Trailer: " + ext + "\r\n\r\n"});
  http_client client(ioc_.get_executor(), server_.url(), small_caps());

  EXPECT_EQ(response_of(post(client)).body, "{}");
}

TEST_F(HttpClientLimitsTest, BodyTruncatedByCloseIsAReadError) {
  serve_raw({"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789"}, /*park_after=*/false);
  http_client client(ioc_.get_executor(), server_.url(), small_caps());

  const auto err = error_of(post(client));

  EXPECT_EQ(err.stage, transport_stage::read);
  EXPECT_TRUE(err.maybe_sent);
  EXPECT_FALSE(err.too_large);
  EXPECT_FALSE(err.timed_out);
  EXPECT_EQ(err.message, "read the response from " + client.authority() +
                             " failed: the server closed the connection in the middle of the "
                             "response");
  EXPECT_EQ(server_.accepted(), 1);  // a fresh connection is never re-sent on
}

TEST_F(HttpClientLimitsTest, HeaderWithALineBreakIsNotSentAndNotEchoed) {
  std::vector<server_request> seen;
  server_.serve(test::echo_handler(seen));
  http_client client(ioc_.get_executor(), server_.url(), small_caps());

  const auto err = error_of(run_task(
      ioc_, client.async_post("/v2/x", "{}", {{"Authorization", "Bearer s3cret\r\nX-Evil: 1"}})));

  EXPECT_EQ(err.stage, transport_stage::url);
  EXPECT_FALSE(err.maybe_sent);
  EXPECT_EQ(err.message.find("s3cret"), std::string::npos) << err.message;
  EXPECT_NE(err.message.find("Authorization"), std::string::npos) << err.message;
  EXPECT_EQ(server_.accepted(), 0);
}

TEST_F(HttpClientLimitsTest, ConcurrentRequestsAreSerializedOnOneConnection) {
  std::vector<server_request> seen;
  server_.serve(test::echo_handler(seen));
  http_client client(ioc_.get_executor(), server_.url(), small_caps());
  // Large enough that interleaved writes would corrupt the requests the server parses.
  const std::string a(48 * 1024, 'a');
  const std::string b(48 * 1024, 'b');

  auto [ra, rb] = run_task(ioc_, [&]() -> awaitable<std::tuple<http_result, http_result>> {
    co_return co_await (client.async_post("/a", a) && client.async_post("/b", b));
  }());

  EXPECT_EQ(response_of(ra).body, a);
  EXPECT_EQ(response_of(rb).body, b);
  EXPECT_EQ(server_.accepted(), 1);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].target(), "/a");  // FIFO
  EXPECT_EQ(seen[0].body(), a);
  EXPECT_EQ(seen[1].body(), b);
}

TEST_F(HttpClientLimitsTest, DestroyingTheClientAbortsInFlightAndQueuedRequests) {
  test::notifier received(ioc_.get_executor());
  server_.serve([&](tcp::socket socket, int) -> awaitable<void> {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    co_await test::read_request(stream, buffer);
    received.raise();
    co_await test::park();
  });
  auto client = std::make_unique<http_client>(ioc_.get_executor(), server_.url(), small_caps());
  // Returns a value: Boost 1.81's awaitable<tuple> && awaitable<void> does not compile.
  auto destroy = [&]() -> awaitable<bool> {
    co_await received.wait();
    client.reset();
    co_return true;
  };

  auto [first, queued] = run_task(ioc_, [&]() -> awaitable<std::tuple<http_result, http_result>> {
    auto [r1, r2, destroyed] =
        co_await (client->async_post("/a", "{}") && client->async_post("/b", "{}") && destroy());
    EXPECT_TRUE(destroyed);
    co_return std::tuple{std::move(r1), std::move(r2)};
  }());

  EXPECT_EQ(error_of(first).stage, transport_stage::read);
  EXPECT_TRUE(error_of(first).maybe_sent);
  EXPECT_FALSE(error_of(first).timed_out);
  EXPECT_EQ(error_of(queued).stage, transport_stage::connect);
  EXPECT_FALSE(error_of(queued).maybe_sent);
  EXPECT_EQ(server_.accepted(), 1);
}

TEST(HttpClientEndpoint, UsesDefaultPortsAndKeepsExplicitOnes) {
  net::io_context ioc;
  http_client_options o;
  EXPECT_EQ(http_client(ioc.get_executor(), "http://example.com", o).authority(), "example.com:80");
  EXPECT_EQ(http_client(ioc.get_executor(), "https://example.com/", o).authority(),
            "example.com:443");
  EXPECT_TRUE(http_client(ioc.get_executor(), "HTTPS://example.com", o).is_tls());
  EXPECT_EQ(http_client(ioc.get_executor(), "https://h.example:19530/p", o).authority(),
            "h.example:19530");
  EXPECT_EQ(http_client(ioc.get_executor(), "http://[::1]:8080", o).authority(), "[::1]:8080");
}

TEST(HttpClientEndpoint, RejectsCredentialsWithoutRepeatingThem) {
  net::io_context ioc;
  for (const char* url : {"https://admin:s3cret@example.com", "http://s3cret@example.com:80/p"}) {
    try {
      http_client client(ioc.get_executor(), url, {});
      ADD_FAILURE() << "accepted a URL with credentials";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("credentials"), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find("s3cret"), std::string::npos) << e.what();
    }
  }
}

TEST(HttpClientEndpoint, RejectsUnsupportedSchemesAndMalformedUrls) {
  net::io_context ioc;
  try {
    http_client client(ioc.get_executor(), "ftp://example.com", {});
    ADD_FAILURE() << "accepted ftp://";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("unsupported scheme 'ftp'"), std::string::npos)
        << e.what();
  }
  for (const char* url : {"example.com:443", "not a url", "http://", "http://h:0", "http://h:99999",
                          "http://h/?q=1", "http://h/#f", "https:///path"}) {
    EXPECT_THROW(http_client(ioc.get_executor(), url, {}), std::invalid_argument) << url;
  }
}

}  // namespace
}  // namespace refreshd::client
