// Host name resolution under a hung name service: every lookup is bounded by connect_timeout,
// one host's hung lookup never delays another host's, lookups for one host are shared and hung
// lookups are capped, and neither the client nor the io_context waits for a hung getaddrinfo.
// The hang comes from fake_name_service.cpp (names under .hang.invalid), which interposes on the
// C library's getaddrinfo, so these tests drive the client's real resolution path.
#include <algorithm>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <gtest/gtest.h>

#include <refreshd/client/http_client.hpp>

#include "fake_name_service.hpp"
#include "loopback_server.hpp"

namespace refreshd::client {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;
using test::loopback_server;
namespace fake_dns = test::fake_dns;

// Must match the cap documented in http_client.hpp.
constexpr int max_hung_lookups = 16;

http_client_options dns_options() {
  http_client_options o;
  o.connect_timeout = 1s;
  o.io_timeout = 2s;
  o.request_timeout = 10s;
  return o;
}

struct outcome {
  std::optional<http_result> result;
  steady::time_point at;
};

class HttpClientDnsTest : public ::testing::Test {
 protected:
  void TearDown() override {
    fake_dns::release_all();
    EXPECT_TRUE(fake_dns::wait_idle());
    fake_dns::reset();
  }

  /// Starts a request; `out` is filled when it completes.
  void start(http_client& client, outcome& out) {
    net::co_spawn(*ioc_, client.async_post("/v2/x", "{}"),
                  [&out](std::exception_ptr e, http_result r) {
                    test::report_exception(e);
                    out.result = std::move(r);
                    out.at = steady::now();
                  });
  }

  /// Runs the io_context until `done` holds; false after `limit`.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
    const auto until = steady::now() + limit;
    ioc_->restart();
    while (!done() && steady::now() < until) {
      ioc_->run_one_for(50ms);
    }
    return done();
  }

  std::unique_ptr<net::io_context> ioc_ = std::make_unique<net::io_context>();
};

const transport_error* error_in(const outcome& o) {
  return o.result ? std::get_if<transport_error>(&*o.result) : nullptr;
}

const http_response* response_in(const outcome& o) {
  return o.result ? std::get_if<http_response>(&*o.result) : nullptr;
}

TEST_F(HttpClientDnsTest, HungLookupTimesOutWithoutDelayingAnotherHost) {
  loopback_server server(*ioc_);
  std::vector<test::server_request> seen;
  server.serve(test::echo_handler(seen));
  http_client hung(ioc_->get_executor(), "http://api.hang.invalid:19530", dns_options());
  http_client healthy(ioc_->get_executor(), server.url("http", "localhost"), dns_options());
  outcome hung_out;
  outcome healthy_out;

  const auto begin = steady::now();
  start(hung, hung_out);
  ioc_->poll();
  ASSERT_TRUE(fake_dns::wait_blocked(1));
  start(healthy, healthy_out);
  ASSERT_TRUE(run_until([&] { return hung_out.result && healthy_out.result; }));

  const auto* response = response_in(healthy_out);
  ASSERT_NE(response, nullptr) << error_in(healthy_out)->message;
  EXPECT_EQ(response->status, 200);
  EXPECT_LT(healthy_out.at - begin, 500ms);
  EXPECT_LT(healthy_out.at, hung_out.at);

  const auto* err = error_in(hung_out);
  ASSERT_NE(err, nullptr);
  EXPECT_EQ(err->stage, transport_stage::resolve);
  EXPECT_TRUE(err->timed_out);
  EXPECT_FALSE(err->maybe_sent);
  EXPECT_EQ(err->message, "resolve api.hang.invalid:19530 timed out after 1s");
  EXPECT_GE(hung_out.at - begin, 990ms);
  EXPECT_LT(hung_out.at - begin, 3s);
}

TEST_F(HttpClientDnsTest, CallersForOneHungHostShareOneLookup) {
  constexpr int callers = 10;
  auto options = dns_options();
  options.connect_timeout = 5s;
  std::vector<std::unique_ptr<http_client>> clients;
  std::vector<outcome> outs(callers);
  for (int i = 0; i < callers; ++i) {
    clients.push_back(
        std::make_unique<http_client>(ioc_->get_executor(), "http://shared.hang.invalid", options));
    start(*clients.back(), outs[static_cast<std::size_t>(i)]);
  }
  ioc_->poll();
  ASSERT_TRUE(fake_dns::wait_blocked(1));

  // The name server answers (no such name) while every caller waits: one lookup served them all.
  fake_dns::release_all();
  ASSERT_TRUE(run_until([&] {
    return std::all_of(outs.begin(), outs.end(), [](const outcome& o) { return o.result; });
  }));
  for (const auto& o : outs) {
    const auto* err = error_in(o);
    ASSERT_NE(err, nullptr);
    EXPECT_EQ(err->stage, transport_stage::resolve);
    EXPECT_FALSE(err->timed_out);
    EXPECT_NE(err->message.find("resolve shared.hang.invalid:80 failed: "), std::string::npos)
        << err->message;
  }
  EXPECT_EQ(fake_dns::calls("shared.hang.invalid"), 1);
  EXPECT_EQ(fake_dns::max_blocked(), 1);
}

TEST_F(HttpClientDnsTest, HungLookupsAreCappedAndFurtherHostsFailFast) {
  loopback_server server(*ioc_);
  std::vector<test::server_request> seen;
  server.serve(test::echo_handler(seen));
  std::vector<std::unique_ptr<http_client>> clients;
  std::vector<outcome> outs(max_hung_lookups);
  for (int i = 0; i < max_hung_lookups; ++i) {
    clients.push_back(std::make_unique<http_client>(
        ioc_->get_executor(), "http://h" + std::to_string(i) + ".hang.invalid", dns_options()));
    start(*clients.back(), outs[static_cast<std::size_t>(i)]);
  }
  ioc_->poll();
  ASSERT_TRUE(fake_dns::wait_blocked(max_hung_lookups, 3s))
      << "only " << fake_dns::blocked() << " lookups ran at once";

  http_client one_more(ioc_->get_executor(), "http://extra.hang.invalid", dns_options());
  http_client by_address(ioc_->get_executor(), server.url(), dns_options());
  outcome extra_out;
  outcome address_out;
  const auto begin = steady::now();
  start(one_more, extra_out);
  start(by_address, address_out);
  ASSERT_TRUE(run_until([&] { return extra_out.result && address_out.result; }));

  const auto* err = error_in(extra_out);
  ASSERT_NE(err, nullptr);
  EXPECT_EQ(err->stage, transport_stage::resolve);
  EXPECT_FALSE(err->timed_out);
  EXPECT_NE(err->message.find("resolve extra.hang.invalid:80 failed: 16 host name lookups"),
            std::string::npos)
      << err->message;
  EXPECT_LT(extra_out.at - begin, 500ms);
  EXPECT_EQ(fake_dns::calls("extra.hang.invalid"), 0);
  // An IP address needs no lookup: it is served while every lookup slot is hung.
  ASSERT_NE(response_in(address_out), nullptr) << error_in(address_out)->message;
  EXPECT_LT(address_out.at - begin, 500ms);

  ASSERT_TRUE(run_until([&] {
    return std::all_of(outs.begin(), outs.end(), [](const outcome& o) { return o.result; });
  }));
  EXPECT_LE(fake_dns::max_blocked(), max_hung_lookups);
}

TEST_F(HttpClientDnsTest, ClientAndIoContextDestroyedDuringAHungLookupDoNotWaitForIt) {
  auto client = std::make_unique<http_client>(ioc_->get_executor(), "http://gone.hang.invalid",
                                              dns_options());
  outcome out;
  start(*client, out);
  ioc_->poll();
  ASSERT_TRUE(fake_dns::wait_blocked(1));

  const auto begin = steady::now();
  client.reset();
  ASSERT_TRUE(run_until([&] { return out.result.has_value(); }));
  const auto* err = error_in(out);
  ASSERT_NE(err, nullptr);
  EXPECT_EQ(err->stage, transport_stage::resolve);
  EXPECT_EQ(err->message, "resolve gone.hang.invalid:80 aborted: the client was closed");
  EXPECT_LT(out.at - begin, 500ms);

  // The lookup is still hung; the daemon's shutdown must not wait for it either.
  const auto destroy_begin = steady::now();
  ioc_.reset();
  EXPECT_LT(steady::now() - destroy_begin, 500ms);
  EXPECT_EQ(fake_dns::blocked(), 1);
  // TearDown releases the lookup: its result must not reach the destroyed io_context (ASan).
}

}  // namespace
}  // namespace refreshd::client
