// http_refresh_api against a scripted loopback server: the exact request on the wire (path,
// headers, body), the decoded answers, and that secrets never reach an error message.

#include <chrono>
#include <deque>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <gtest/gtest.h>

#include <refreshd/client/http_refresh_api.hpp>
#include <refreshd/net/asio.hpp>

namespace refreshd::client {
namespace {

using namespace std::chrono_literals;

struct seen_request {
  std::string method;
  std::string target;
  std::optional<std::string> authorization;
  std::string request_timeout;
  std::string content_type;
  std::string body;
};

struct scripted_answer {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

/// HTTP/1.1 on 127.0.0.1:0: records every request and answers from a script (500 when empty).
class api_server {
 public:
  explicit api_server(net::io_context& ioc)
      : acceptor_(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    net::co_spawn(ioc, accept_loop(), report);
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }

  std::deque<scripted_answer> answers;
  std::vector<seen_request> requests;

 private:
  static void report(std::exception_ptr e) {
    if (e) {
      ADD_FAILURE() << "a server coroutine threw";
    }
  }

  awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(use_nothrow);
      if (ec) {
        co_return;
      }
      net::co_spawn(acceptor_.get_executor(), serve(std::move(socket)), report);
    }
  }

  awaitable<void> serve(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> req;
      if (auto [ec, n] = co_await http::async_read(stream, buffer, req, use_nothrow); ec) {
        co_return;
      }
      seen_request seen{std::string(req.method_string()),
                        std::string(req.target()),
                        std::nullopt,
                        std::string(req["Request-Timeout"]),
                        std::string(req[http::field::content_type]),
                        req.body()};
      if (auto it = req.find(http::field::authorization); it != req.end()) {
        seen.authorization = std::string(it->value());
      }
      requests.push_back(std::move(seen));
      scripted_answer a{500, R"({"code":500})"};
      if (!answers.empty()) {
        a = std::move(answers.front());
        answers.pop_front();
      }
      http::response<http::string_body> res{static_cast<http::status>(a.status), 11};
      res.set(http::field::content_type, a.content_type);
      res.body() = std::move(a.body);
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      if (auto [ec, n] = co_await http::async_write(stream, res, use_nothrow); ec) {
        co_return;
      }
    }
  }

  tcp::acceptor acceptor_;
};

template <class T>
awaitable<void> store(awaitable<T> task, std::optional<T>& out) {
  out.emplace(co_await std::move(task));
}

/// Runs one test coroutine to completion on `ioc` (bounded, so a hang fails instead of blocking).
template <class T>
T run(net::io_context& ioc, awaitable<T> task) {
  std::optional<T> result;
  std::exception_ptr error;
  net::co_spawn(ioc, store(std::move(task), result), [&](std::exception_ptr e) {
    error = e;
    ioc.stop();
  });
  ioc.run_for(20s);
  ioc.restart();
  if (error) {
    std::rethrow_exception(error);
  }
  if (!result) {
    throw std::runtime_error("the test coroutine did not finish");
  }
  return std::move(*result);
}

http_client_options options_with_timeout(std::chrono::milliseconds request_timeout) {
  http_client_options o;
  o.connect_timeout = 2s;
  o.io_timeout = 2s;
  o.request_timeout = request_timeout;
  return o;
}

class RefreshApiTest : public ::testing::Test {
 protected:
  http_refresh_api make_api(std::string token, std::chrono::milliseconds timeout = 10s) {
    return http_refresh_api(ioc_.get_executor(), server_.url(), std::move(token),
                            options_with_timeout(timeout));
  }

  net::io_context ioc_;
  api_server server_{ioc_};
};

constexpr std::string_view token = "root:Milvus-s3cr3t";

TEST_F(RefreshApiTest, RefreshSendsContractRequestAndReadsInt64JobId) {
  server_.answers.push_back({200, R"({"code":0,"data":{"jobId":449503829274509311}})"});
  auto api = make_api(std::string(token), 2500ms);
  refresh_request request{"db1", "ext_books", "s3://b/books/", R"({"format":"parquet"})"};
  auto r = run(ioc_, api.async_refresh(request));

  ASSERT_TRUE(r.has_value()) << describe_error(r.error());
  EXPECT_EQ(r->value, 449503829274509311);
  EXPECT_FALSE(r->quoted);
  ASSERT_EQ(server_.requests.size(), 1U);
  const auto& seen = server_.requests[0];
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.target, "/v2/vectordb/jobs/external_collection/refresh");
  EXPECT_EQ(seen.authorization, std::optional<std::string>("Bearer root:Milvus-s3cr3t"));
  EXPECT_EQ(seen.request_timeout, "3") << "2.5 s rounded up";
  EXPECT_EQ(seen.content_type, "application/json");
  EXPECT_EQ(seen.body,
            R"({"collectionName":"ext_books","dbName":"db1","externalSource":"s3://b/books/",)"
            R"("externalSpec":"{\"format\":\"parquet\"}"})");
}

TEST_F(RefreshApiTest, DescribeSendsJobIdInTheFormTheServerUsed) {
  const std::string job =
      R"({"code":0,"data":{"jobId":9223372036854775807,"collectionName":"c","state":"RUNNING",)"
      R"("progress":99,"externalSource":"s3://b/","externalSpec":"***","startTime":1795000000000,)"
      R"("endTime":0}})";
  server_.answers.push_back({200, job});
  server_.answers.push_back({200, job});
  auto api = make_api(std::string(token));
  auto plain = run(ioc_, api.async_describe(job_id{9223372036854775807, false}));
  auto quoted = run(ioc_, api.async_describe(job_id{9223372036854775807, true}));

  ASSERT_TRUE(plain.has_value()) << describe_error(plain.error());
  EXPECT_EQ(plain->id.value, 9223372036854775807);
  EXPECT_EQ(plain->state, job_state::in_progress);
  EXPECT_EQ(plain->progress, 99);
  EXPECT_EQ(plain->end_time_ms, 0);
  ASSERT_TRUE(quoted.has_value());
  ASSERT_EQ(server_.requests.size(), 2U);
  EXPECT_EQ(server_.requests[0].target, "/v2/vectordb/jobs/external_collection/describe");
  EXPECT_EQ(server_.requests[0].body, R"({"jobId":9223372036854775807})");
  EXPECT_EQ(server_.requests[1].body, R"({"jobId":"9223372036854775807"})");
  EXPECT_EQ(server_.requests[0].request_timeout, "10");
}

TEST_F(RefreshApiTest, ListWithoutTokenSendsNoAuthorizationAndAtLeastOneSecond) {
  server_.answers.push_back(
      {200, R"({"code":0,"data":{"records":[{"jobId":5,"state":"RefreshPending"}]}})"});
  server_.answers.push_back({200, R"({"code":0,"data":{"records":[]}})"});
  auto api = make_api("", 200ms);
  auto some = run(ioc_, api.async_list({"db1", "c"}));
  auto none = run(ioc_, api.async_list({}));

  ASSERT_TRUE(some.has_value()) << describe_error(some.error());
  ASSERT_EQ(some->size(), 1U);
  EXPECT_EQ((*some)[0].state, job_state::pending);
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
  ASSERT_EQ(server_.requests.size(), 2U);
  EXPECT_EQ(server_.requests[0].target, "/v2/vectordb/jobs/external_collection/list");
  EXPECT_EQ(server_.requests[0].body, R"({"dbName":"db1","collectionName":"c"})");
  EXPECT_EQ(server_.requests[1].body, "{}");
  EXPECT_FALSE(server_.requests[0].authorization.has_value());
  EXPECT_EQ(server_.requests[0].request_timeout, "1");
}

TEST_F(RefreshApiTest, UnauthenticatedAnswerNeverCarriesTheToken) {
  server_.answers.push_back({401, R"({"code":1800,"message":"user hasn't authenticated"})"});
  server_.answers.push_back(
      {401, R"({"code":1800,"message":"bad credentials root:Milvus-s3cr3t for user root"})"});
  auto api = make_api(std::string(token));
  auto first = run(ioc_, api.async_list({}));
  auto echoed = run(ioc_, api.async_describe(job_id{7, false}));

  ASSERT_FALSE(first.has_value());
  ASSERT_FALSE(echoed.has_value());
  for (const auto& e : {first.error(), echoed.error()}) {
    EXPECT_EQ(e.kind, error_class::unauthenticated);
    EXPECT_EQ(e.http_status, 401);
    EXPECT_EQ(e.code, 1800);
    EXPECT_FALSE(is_retryable(e));
    EXPECT_EQ(describe_error(e).find(token), std::string::npos);
    EXPECT_EQ(describe_error(e).find("s3cr3t"), std::string::npos);
  }
  EXPECT_EQ(first.error().message, "user hasn't authenticated");
  EXPECT_EQ(echoed.error().message, "bad credentials *** for user root");
}

TEST_F(RefreshApiTest, RefreshErrorNeverCarriesTheExternalSpec) {
  const std::string spec = R"({"format":"parquet","extfs":{"access_key_value":"AKIA-SECRET"}})";
  server_.answers.push_back(
      {200, R"({"code":1100,"message":"unsupported spec {\"format\":\"parquet\",\"extfs\":)"
            R"({\"access_key_value\":\"AKIA-SECRET\"}}: invalid parameter"})"});
  auto api = make_api(std::string(token));
  auto r = run(ioc_, api.async_refresh({"", "c", "s3://b/", spec}));

  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, error_class::invalid);
  EXPECT_EQ(r.error().message, "unsupported spec ***: invalid parameter");
}

// Reasons are stored (status page, logs, metrics labels never, but /status yes): the token is
// removed before the 4 KiB cap, so one straddling the cap is never half kept (docs/SECURITY.md).
TEST_F(RefreshApiTest, JobReasonsNeverCarryTheToken) {
  const std::string echoed = "auth as root:Milvus-s3cr3t failed";
  const std::string straddling = std::string(4096 - 16, 'x') + std::string(token) + "tail";
  const auto job = [](const std::string& reason) {
    return R"({"jobId":7,"state":"RefreshFailed","reason":")" + reason + R"("})";
  };
  server_.answers.push_back({200, R"({"code":0,"data":)" + job(echoed) + "}"});
  server_.answers.push_back({200, R"({"code":0,"data":)" + job(straddling) + "}"});
  server_.answers.push_back(
      {200, R"({"code":0,"data":{"records":[)" + job(echoed) + "," + job(straddling) + "]}}"});
  auto api = make_api(std::string(token));
  auto plain = run(ioc_, api.async_describe(job_id{7, false}));
  auto cut = run(ioc_, api.async_describe(job_id{7, false}));
  auto listed = run(ioc_, api.async_list({"", "c"}));

  ASSERT_TRUE(plain.has_value()) << describe_error(plain.error());
  ASSERT_TRUE(cut.has_value()) << describe_error(cut.error());
  ASSERT_TRUE(listed.has_value()) << describe_error(listed.error());
  ASSERT_EQ(listed->size(), 2U);
  EXPECT_EQ(plain->reason, std::optional<std::string>("auth as *** failed"));
  EXPECT_EQ((*listed)[0].reason, plain->reason);
  for (const auto* j : {&*cut, &(*listed)[1]}) {
    ASSERT_TRUE(j->reason.has_value());
    EXPECT_LE(j->reason->size(), 4096U);
    EXPECT_EQ(j->reason->find("s3cr3t"), std::string::npos);
    EXPECT_EQ(j->reason->find("root:Mil"), std::string::npos) << "no half-kept token";
  }
}

// Server messages are capped at 4 KiB before the scrub sees them: a token the cut goes through
// must not be half kept either.
TEST_F(RefreshApiTest, ErrorMessageCutInsideTheTokenKeepsNoPartOfIt) {
  const std::string message = std::string(4096 - 6, 'x') + std::string(token) + " rest";
  server_.answers.push_back({200, R"({"code":1100,"message":")" + message + R"("})"});
  auto api = make_api(std::string(token));
  auto r = run(ioc_, api.async_describe(job_id{7, false}));

  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message.find("root:M"), std::string::npos) << r.error().message.substr(4080);
  EXPECT_EQ(r.error().message.substr(4090), "*** [truncated]");
}

TEST_F(RefreshApiTest, MissingRouteIsUnsupported) {
  server_.answers.push_back({404, "404 page not found", "text/plain"});
  auto api = make_api(std::string(token));
  auto r = run(ioc_, api.async_refresh({"", "c", {}, {}}));

  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, error_class::unsupported);
  EXPECT_NE(r.error().message.find("upgrade the cluster"), std::string::npos);
}

TEST_F(RefreshApiTest, GatewayTimeoutOnRefreshMayHaveStartedAJob) {
  server_.answers.push_back({408, R"({"code":10001,"message":"request timeout"})"});
  auto api = make_api(std::string(token));
  auto r = run(ioc_, api.async_refresh({"", "c", {}, {}}));

  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, error_class::transient);
  EXPECT_TRUE(r.error().maybe_sent);
}

TEST_F(RefreshApiTest, SetTokenChangesTheHeaderOfLaterRequests) {
  server_.answers.push_back({200, R"({"code":0,"data":{"records":[]}})"});
  server_.answers.push_back({200, R"({"code":0,"data":{"records":[]}})"});
  auto api = make_api("old-token");
  (void)run(ioc_, api.async_list({}));
  api.set_token("new-token");
  (void)run(ioc_, api.async_list({}));

  ASSERT_EQ(server_.requests.size(), 2U);
  EXPECT_EQ(server_.requests[0].authorization, std::optional<std::string>("Bearer old-token"));
  EXPECT_EQ(server_.requests[1].authorization, std::optional<std::string>("Bearer new-token"));
}

TEST(RefreshApiTransportTest, RefusedConnectionIsTransientAndNotSent) {
  net::io_context ioc;
  std::string url;
  {
    tcp::acceptor closed(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    url = "http://127.0.0.1:" + std::to_string(closed.local_endpoint().port());
  }
  http_refresh_api api(ioc.get_executor(), url, std::string(token), options_with_timeout(5s));
  auto r = run(ioc, api.async_refresh({"", "c", {}, {}}));

  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, error_class::transient);
  EXPECT_EQ(r.error().http_status, 0);
  EXPECT_FALSE(r.error().maybe_sent);
  EXPECT_FALSE(r.error().message.empty());
  EXPECT_EQ(describe_error(r.error()).find("s3cr3t"), std::string::npos);
}

TEST(FromTransportTest, MapsStagesAndCaps) {
  transport_error reset{transport_stage::read, "connection reset", true, false, false};
  transport_error refused{transport_stage::connect, "refused", false, false, false};
  transport_error huge{transport_stage::read, "body over 8 MiB", true, false, true};
  transport_error unformable{transport_stage::url, "header value has a line break", false, false,
                             false};
  EXPECT_EQ(from_transport(reset).kind, error_class::transient);
  EXPECT_TRUE(from_transport(reset).maybe_sent);
  EXPECT_EQ(from_transport(reset).message, "connection reset");
  EXPECT_EQ(from_transport(refused).kind, error_class::transient);
  EXPECT_FALSE(from_transport(refused).maybe_sent);
  EXPECT_EQ(from_transport(huge).kind, error_class::bad_response);
  EXPECT_TRUE(from_transport(huge).maybe_sent);
  EXPECT_EQ(from_transport(unformable).kind, error_class::invalid);
  EXPECT_EQ(from_transport(unformable).http_status, 0);
  EXPECT_EQ(from_transport(unformable).code, 0);
}

}  // namespace
}  // namespace refreshd::client
