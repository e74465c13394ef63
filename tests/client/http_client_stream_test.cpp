// http_client::async_stream: a chunked answer handed on piece by piece as it arrives, stopped
// by the caller, bounded by an idle timeout, ended by close(); a non-2xx answer collected.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <refreshd/client/http_client.hpp>

#include "loopback_server.hpp"

namespace refreshd::client {
namespace {

using namespace std::chrono_literals;
using test::loopback_server;
using test::run_task;

http_client_options stream_test_options() {
  http_client_options o;
  o.connect_timeout = 2s;
  o.io_timeout = 2s;
  o.request_timeout = 2s;
  o.max_body_bytes = 1024;
  return o;
}

std::string stream_chunk(const std::string& data) {
  char size[16];
  std::snprintf(size, sizeof size, "%zx", data.size());
  return std::string(size) + "\r\n" + data + "\r\n";
}

class HttpClientStream : public ::testing::Test {
 protected:
  /// Each connection: read the request, then write `parts` with `gap` between them, then park
  /// (or end when `park_after` is false).
  void serve(std::vector<std::string> parts, std::chrono::milliseconds gap, bool park_after) {
    server_.serve([this, parts = std::move(parts), gap, park_after](tcp::socket socket,
                                                                    int) -> awaitable<void> {
      beast::tcp_stream stream(std::move(socket));
      beast::flat_buffer buffer;
      if (auto req = co_await test::read_request(stream, buffer)) {
        seen_.push_back(std::move(*req));
      }
      for (const auto& p : parts) {
        if (!co_await test::write_raw(stream, p)) {
          co_return;
        }
        co_await test::delay(gap);
      }
      if (park_after) {
        co_await test::park();
      }
    });
  }

  http_result stream(http_client& c, std::chrono::milliseconds idle, std::string& got,
                     int stop_after = 0) {
    int pieces = 0;
    return run_task(ioc_, c.async_stream("/v3/watch", "{\"create_request\":{}}", {}, idle,
                                         [&](std::string_view data) {
                                           got.append(data);
                                           return stop_after == 0 || ++pieces < stop_after;
                                         }));
  }

  net::io_context ioc_;
  loopback_server server_{ioc_};
  std::vector<test::server_request> seen_;
};

const std::string stream_chunked_head =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";

TEST_F(HttpClientStream, PiecesArriveAsSentUntilTheServerEndsTheAnswer) {
  serve({stream_chunked_head, stream_chunk("{\"a\":1}\n"), stream_chunk("{\"b\":"),
         stream_chunk("2}\n"), "0\r\n\r\n"},
        20ms, false);
  http_client c(ioc_.get_executor(), server_.url(), stream_test_options());
  std::string got;
  const auto r = stream(c, 1s, got);
  ASSERT_TRUE(std::holds_alternative<http_response>(r)) << std::get<transport_error>(r).message;
  EXPECT_EQ(std::get<http_response>(r).status, 200);
  EXPECT_TRUE(std::get<http_response>(r).body.empty()) << "the body went to on_data";
  EXPECT_EQ(got, "{\"a\":1}\n{\"b\":2}\n");
  ASSERT_EQ(seen_.size(), 1U);
  EXPECT_EQ(seen_[0].method(), http::verb::post);
  EXPECT_EQ(seen_[0].target(), "/v3/watch");
}

TEST_F(HttpClientStream, TheCallerStopsAStreamThatWouldGoOn) {
  serve({stream_chunked_head, stream_chunk("one\n"), stream_chunk("two\n")}, 20ms, true);
  http_client c(ioc_.get_executor(), server_.url(), stream_test_options());
  std::string got;
  const auto r = stream(c, 10s, got, 1);
  ASSERT_TRUE(std::holds_alternative<http_response>(r));
  EXPECT_EQ(got, "one\n");
}

TEST_F(HttpClientStream, AQuietStreamEndsAfterItsIdleTimeWhateverItsLength) {
  serve({stream_chunked_head, stream_chunk("one\n")}, 1ms, true);
  http_client c(ioc_.get_executor(), server_.url(), stream_test_options());
  std::string got;
  const auto r = stream(c, 200ms, got);
  ASSERT_TRUE(std::holds_alternative<transport_error>(r));
  const auto& e = std::get<transport_error>(r);
  EXPECT_EQ(e.stage, transport_stage::read);
  EXPECT_TRUE(e.timed_out);
  EXPECT_NE(e.message.find("timed out after 200ms"), std::string::npos) << e.message;
  EXPECT_EQ(got, "one\n") << "what came before the silence was handed on";
}

TEST_F(HttpClientStream, AnErrorAnswerIsCollectedNotStreamedAndItsSizeIsBounded) {
  serve({"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 21\r\n\r\n{\"error\":\"no leader\"}"},
        1ms, true);
  http_client c(ioc_.get_executor(), server_.url(), stream_test_options());
  std::string got;
  auto r = stream(c, 1s, got);
  ASSERT_TRUE(std::holds_alternative<http_response>(r));
  EXPECT_EQ(std::get<http_response>(r).status, 503);
  EXPECT_EQ(std::get<http_response>(r).body, "{\"error\":\"no leader\"}");
  EXPECT_TRUE(got.empty());

  loopback_server big(ioc_);
  big.serve([](tcp::socket socket, int) -> awaitable<void> {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    co_await test::read_request(stream, buffer);
    const std::string answer =  // named: g++ 12 and temporaries in co_await
        "HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n" +
        stream_chunk(std::string(2000, 'x'));
    co_await test::write_raw(stream, answer);
    co_await test::park();
  });
  http_client c2(ioc_.get_executor(), big.url(), stream_test_options());
  r = stream(c2, 1s, got);
  ASSERT_TRUE(std::holds_alternative<transport_error>(r));
  EXPECT_TRUE(std::get<transport_error>(r).too_large) << std::get<transport_error>(r).message;
}

TEST_F(HttpClientStream, CloseEndsAStreamInProgress) {
  serve({stream_chunked_head, stream_chunk("one\n")}, 1ms, true);
  http_client c(ioc_.get_executor(), server_.url(), stream_test_options());
  std::string got;
  net::co_spawn(ioc_, test::delay(100ms), [&](const std::exception_ptr&) { c.close(); });
  const auto r = stream(c, 10s, got);
  ASSERT_TRUE(std::holds_alternative<transport_error>(r));
  EXPECT_NE(std::get<transport_error>(r).message.find("closed"), std::string::npos)
      << std::get<transport_error>(r).message;
}

}  // namespace
}  // namespace refreshd::client
