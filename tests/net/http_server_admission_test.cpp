// Admission on refreshd::http_server (docs/HTTP.md "Connection cap", docs/SECURITY.md): idle
// connections give way to new ones at the cap, each client address has a share, and a new
// connection that sends no complete head is closed at the header timeout. Client addresses
// are told apart by binding the client socket to 127.0.0.2, 127.0.0.3 (all of 127/8 is local).
#include <boost/asio/ip/address.hpp>

#include <refreshd/net/connection_table.hpp>

#include "server_fixture.hpp"

namespace refreshd::test {
namespace {

using HttpServerAdmission = ServerFixture;

awaitable<beast::tcp_stream> connect_from(const tcp::endpoint& server, const char* source) {
  beast::tcp_stream stream(co_await net::this_coro::executor);
  stream.socket().open(tcp::v4());
  stream.socket().bind(tcp::endpoint(net::ip::make_address(source), 0));
  stream.expires_after(10s);
  co_await stream.async_connect(server, use_awaitable);
  co_return stream;
}

/// True when the server has closed `stream` (EOF or reset) within `limit`.
awaitable<bool> closed_by_server(beast::tcp_stream& stream, std::chrono::milliseconds limit) {
  stream.expires_after(limit);
  char byte = 0;
  auto [ec, n] = co_await stream.async_read_some(net::buffer(&byte, 1), use_nothrow);
  co_return ec == net::error::eof || ec == net::error::connection_reset;
}

TEST_F(HttpServerAdmission, AtTheCapTheConnectionIdleLongestGivesWay) {
  http_server_limits limits;
  limits.max_connections = 2;
  start(echo_handler(), limits);
  run([&]() -> awaitable<void> {
    auto oldest = co_await connect();
    EXPECT_EQ((co_await roundtrip(oldest, make_request("/1"))).body(), "/1:");
    auto newer = co_await connect();
    EXPECT_EQ((co_await roundtrip(newer, make_request("/2"))).body(), "/2:");
    auto third = co_await connect();
    EXPECT_EQ((co_await roundtrip(third, make_request("/3"))).body(), "/3:")
        << "a new connection is served at the cap";
    EXPECT_TRUE(co_await closed_by_server(oldest, 5s)) << "the idle-longest one gave way";
    EXPECT_EQ((co_await roundtrip(newer, make_request("/again"))).body(), "/again:");
  });
}

TEST_F(HttpServerAdmission, EachClientAddressHasAShareOfTheCap) {
  http_server_limits limits;
  limits.max_connections = 4;
  limits.max_connections_per_client = 2;
  start(echo_handler(), limits);
  run([&]() -> awaitable<void> {
    const auto at = server_->local_endpoint();
    auto a1 = co_await connect_from(at, "127.0.0.2");
    auto b1 = co_await connect_from(at, "127.0.0.3");
    auto a2 = co_await connect_from(at, "127.0.0.2");
    auto a3 = co_await connect_from(at, "127.0.0.2");  // over A's share: A's own idle gives way
    EXPECT_TRUE(co_await closed_by_server(a1, 5s));
    EXPECT_EQ((co_await roundtrip(b1, make_request("/b1"))).body(), "/b1:")
        << "B keeps its connection although A is over its share";
    EXPECT_EQ((co_await roundtrip(a2, make_request("/a2"))).body(), "/a2:");
    EXPECT_EQ((co_await roundtrip(a3, make_request("/a3"))).body(), "/a3:");
  });
}

TEST_F(HttpServerAdmission, ANewConnectionWithoutACompleteHeadIsClosedAtTheHeaderTimeout) {
  http_server_limits limits;
  limits.header_timeout = 300ms;
  limits.read_timeout = 60s;
  limits.idle_timeout = 60s;
  start(echo_handler(), limits);
  run([&]() -> awaitable<void> {
    auto silent = co_await connect();
    auto partial = co_await connect();
    std::string head = "GET / HTTP/1.1\r\nHost: x\r\n";
    co_await net::async_write(partial, net::buffer(head), use_awaitable);
    const auto t = std::chrono::steady_clock::now();
    EXPECT_TRUE(co_await closed_by_server(silent, 10s));
    EXPECT_TRUE(co_await closed_by_server(partial, 10s));
    EXPECT_LT(std::chrono::steady_clock::now() - t, 5s) << "not the 60 s idle/read timeouts";
    auto prompt = co_await connect();
    EXPECT_EQ((co_await roundtrip(prompt, make_request("/p"))).body(), "/p:");
  });
}

TEST(ConnectionTable, EvictsTheOldestWaitingAndNeverABusyConnection) {
  using clock = connection_table::clock;
  connection_table t({3, 2});
  const auto a = net::ip::make_address("10.0.0.1");
  const auto b = net::ip::make_address("10.0.0.2");
  const auto t0 = clock::time_point{} + std::chrono::hours(1);
  const auto a1 = t.add(a, t0);
  const auto a2 = t.add(a, t0 + 1s);
  auto adm = t.admit(a);  // A's share is full: A's oldest waiting goes
  ASSERT_TRUE(adm.admitted);
  EXPECT_EQ(adm.evicted, std::vector<connection_table::id_type>{a1});
  const auto a3 = t.add(a, t0 + 2s);
  const auto b1 = t.add(b, t0 + 3s);
  EXPECT_EQ(t.size(), 3u);
  t.set_waiting(a2, false, t0 + 4s);  // a2 is handling a request
  adm = t.admit(b);                   // total full: the oldest waiting overall (a3) goes
  ASSERT_TRUE(adm.admitted);
  EXPECT_EQ(adm.evicted, std::vector<connection_table::id_type>{a3});
  t.add(b, t0 + 5s);
  t.set_waiting(b1, false, t0 + 6s);
  EXPECT_EQ(t.count(b), 2u);
  adm = t.admit(a);  // total full, only b2 waits
  ASSERT_TRUE(adm.admitted);
  EXPECT_EQ(adm.evicted.size(), 1u);
  t.add(a, t0 + 7s);
  for (auto id : {a2, b1}) {
    t.set_waiting(id, false, t0 + 8s);
  }
  // Now a2, b1 busy and the newest A connection waiting: B's share is free, total is full.
  adm = t.admit(b);
  EXPECT_TRUE(adm.admitted);
  EXPECT_FALSE(t.remove(a1)) << "evicted connections are already forgotten";
  EXPECT_TRUE(t.remove(a2));
}

TEST(ConnectionTable, RefusesWhenEveryConnectionIsBusy) {
  using clock = connection_table::clock;
  connection_table t({2, 2});
  const auto a = net::ip::make_address("10.0.0.1");
  const auto t0 = clock::time_point{} + std::chrono::hours(1);
  for (int i = 0; i < 2; ++i) {
    t.set_waiting(t.add(a, t0), false, t0);
  }
  const auto adm = t.admit(a);
  EXPECT_FALSE(adm.admitted);
  EXPECT_TRUE(adm.evicted.empty());
  EXPECT_EQ(t.size(), 2u);
}

}  // namespace
}  // namespace refreshd::test
