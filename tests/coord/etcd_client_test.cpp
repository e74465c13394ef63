// etcd_client against a real 3-member etcd cluster on loopback (Debian's etcd-server 3.4,
// started here; skipped, saying so, only where the etcd binary is absent). Checks the facts
// docs/COORDINATION.md relies on: int64 ids above 2^53 exact, a failed transaction without
// `succeeded`, a lease that is gone (keepalive without TTL, a put with it refused with code 5),
// endpoints tried in turn past a killed and a stopped member, and authentication with a token
// that expires.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <refreshd/coord/etcd_client.hpp>
#include <refreshd/net/base64.hpp>
#include <refreshd/test/etcd_cluster.hpp>
#include <refreshd/test/http.hpp>

#include "../client/loopback_server.hpp"

namespace refreshd::coord {
namespace {

using namespace std::chrono_literals;
using test::etcd_cluster;
using test::run_task;

template <class T>
const T& ok(const etcd_result<T>& r) {
  if (const auto* e = std::get_if<etcd_error>(&r)) {
    throw std::runtime_error("etcd error: " + e->message);
  }
  return std::get<T>(r);
}

class EtcdClient : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (etcd_cluster::binary()) {
      cluster_ = std::make_unique<etcd_cluster>(3);
    }
  }
  static void TearDownTestSuite() { cluster_.reset(); }

  void SetUp() override {
    if (!cluster_) {
      GTEST_SKIP() << etcd_cluster::missing;
    }
  }

  std::unique_ptr<etcd_client> make(std::chrono::milliseconds timeout = 1s, std::string user = {},
                                    std::string password = {}) {
    etcd_options o;
    o.endpoints = cluster_->client_urls();
    o.request_timeout = timeout;
    o.username = std::move(user);
    o.password = std::move(password);
    return std::make_unique<etcd_client>(ioc_.get_executor(), o);
  }

  static std::unique_ptr<etcd_cluster> cluster_;
  net::io_context ioc_;
};

std::unique_ptr<etcd_cluster> EtcdClient::cluster_;

TEST_F(EtcdClient, PutRangeAndAClaimTransaction) {
  auto c = make();
  const auto lease = ok(run_task(ioc_, c->lease_grant(10s)));
  EXPECT_GT(lease.id, std::int64_t{1} << 53) << "etcd's lease ids are above 2^53: kept exact";
  EXPECT_EQ(lease.ttl, 10);

  ok(run_task(ioc_, c->put({"/t1/members/a", "a", lease.id})));
  ok(run_task(ioc_, c->put({"/t1/members/b", "b", 0})));
  ok(run_task(ioc_, c->put({"/t1/other", "x", 0})));
  const auto members = ok(run_task(ioc_, c->range(prefix_range("/t1/members/"))));
  ASSERT_EQ(members.kvs.size(), 2U);
  EXPECT_EQ(members.kvs[0].key, "/t1/members/a");
  EXPECT_EQ(members.kvs[0].lease, lease.id) << "the exact int64 came back";
  EXPECT_EQ(members.kvs[1].lease, 0);
  EXPECT_GT(members.revision, 0);

  // A claim: create only if absent, with the claimer's lease; the second claimer loses and
  // reads who owns it in the same transaction.
  const auto claim = [&](const std::string& who) {
    txn_request t;
    t.compares.push_back({compare::target::create, compare::result::equal, "/t1/owners/c", 0, {}});
    t.success.push_back(put_request{"/t1/owners/c", who, lease.id});
    t.failure.push_back(key_range("/t1/owners/c"));
    return ok(run_task(ioc_, c->txn(t)));
  };
  const auto first = claim("a");
  EXPECT_TRUE(first.succeeded);
  const auto second = claim("b");
  EXPECT_FALSE(second.succeeded) << "etcd leaves `succeeded` out when the compare failed";
  ASSERT_EQ(second.ranges.size(), 1U);
  ASSERT_EQ(second.ranges[0].kvs.size(), 1U);
  EXPECT_EQ(second.ranges[0].kvs[0].value, "a");

  // A fence: the claim is still ours and on our lease.
  txn_request fence;
  fence.compares.push_back(
      {compare::target::value, compare::result::equal, "/t1/owners/c", 0, "a"});
  fence.compares.push_back(
      {compare::target::lease, compare::result::equal, "/t1/owners/c", lease.id, {}});
  EXPECT_TRUE(ok(run_task(ioc_, c->txn(fence))).succeeded);
  fence.compares[1].number = lease.id + 1;
  EXPECT_FALSE(ok(run_task(ioc_, c->txn(fence))).succeeded);
  ok(run_task(ioc_, c->delete_range({"/t1/", prefix_end("/t1/")})));
  EXPECT_TRUE(ok(run_task(ioc_, c->range(prefix_range("/t1/")))).kvs.empty());
}

// Claims in batches: one transaction of nested ones (etcd 3.3+), each on its own condition; a
// held key fails alone and says who holds it. More than --max-txn-ops (128 by default) nested
// operations are refused as InvalidArgument, which is what makes the coordinator halve its batch.
TEST_F(EtcdClient, ANestedBatchClaimsEachKeyOnItsOwnCondition) {
  auto c = make();
  ok(run_task(ioc_, c->put({"/t4/owners/1", "other", 0})));
  const auto claims = [](int n) {
    txn_request batch;
    for (int i = 0; i < n; ++i) {
      const std::string key = "/t4/owners/" + std::to_string(i);
      auto one = std::make_shared<txn_request>();
      one->compares.push_back({compare::target::create, compare::result::equal, key, 0, {}});
      one->success.push_back(put_request{key, "me", 0});
      one->failure.push_back(key_range(key));
      batch.success.push_back(nested_txn{std::move(one)});
    }
    return batch;
  };
  const auto r = ok(run_task(ioc_, c->txn(claims(3))));
  EXPECT_TRUE(r.succeeded) << "no compare in the outer transaction";
  ASSERT_EQ(r.txns.size(), 3U);
  EXPECT_TRUE(r.txns[0].succeeded);
  EXPECT_FALSE(r.txns[1].succeeded);
  ASSERT_EQ(r.txns[1].ranges.size(), 1U);
  ASSERT_EQ(r.txns[1].ranges[0].kvs.size(), 1U);
  EXPECT_EQ(r.txns[1].ranges[0].kvs[0].value, "other");
  EXPECT_TRUE(r.txns[2].succeeded);
  const auto held = ok(run_task(ioc_, c->range(prefix_range("/t4/owners/"))));
  ASSERT_EQ(held.kvs.size(), 3U);
  EXPECT_EQ(held.kvs[0].value, "me");
  EXPECT_EQ(held.kvs[1].value, "other");
  EXPECT_EQ(held.kvs[2].value, "me");

  const auto too_many = run_task(ioc_, c->txn(claims(200)));
  const auto* e = std::get_if<etcd_error>(&too_many);
  ASSERT_NE(e, nullptr) << "etcd took 200 operations in one branch";
  EXPECT_FALSE(e->transport);
  EXPECT_EQ(e->wire.code, 3) << e->message;
  EXPECT_EQ(ok(run_task(ioc_, c->range(prefix_range("/t4/owners/")))).kvs.size(), 3U)
      << "the refused batch changed nothing";
  ok(run_task(ioc_, c->delete_range({"/t4/", prefix_end("/t4/")})));
}

// The watch over the gateway: one newline-delimited JSON message per change on a stream that
// stays open; history from the start revision first; a PUT event without `type`; a start
// revision compacted away cancels the watch with `compact_revision`; a quiet watch ends after
// its idle time, and cancel_watch() ends one at once.
TEST_F(EtcdClient, AWatchStreamsPutsAndDeletesAndIsCanceledPastACompaction) {
  auto c = make();
  const auto first = ok(run_task(ioc_, c->put({"/t5/members/a", "a", 0})));
  bool created = false;
  std::vector<watch_event> events;
  std::optional<etcd_error> ended;
  auto w = make();
  net::co_spawn(ioc_,
                w->watch(prefix_range("/t5/members/"), first, 10s,
                         [&](const watch_response& m) {
                           created = created || m.created;
                           events.insert(events.end(), m.events.begin(), m.events.end());
                           return events.size() < 3;
                         }),
                [&](const std::exception_ptr&, etcd_error e) { ended = std::move(e); });
  const auto run_until = [this](auto pred) {
    ioc_.restart();  // run_task stopped it
    const auto give_up = std::chrono::steady_clock::now() + 10s;
    while (!pred() && std::chrono::steady_clock::now() < give_up) {
      ioc_.run_one_for(10ms);
    }
    return pred();
  };
  ASSERT_TRUE(run_until([&] { return created || ended; }));
  ok(run_task(ioc_, c->put({"/t5/members/b", "b", 0})));
  ok(run_task(ioc_, c->put({"/t5/other", "x", 0})));
  ok(run_task(ioc_, c->delete_range({"/t5/members/a", ""})));
  ASSERT_TRUE(run_until([&] { return ended.has_value(); }));
  ASSERT_EQ(events.size(), 3U) << ended->message;
  EXPECT_EQ(events[0].kv.key, "/t5/members/a") << "history from the start revision";
  EXPECT_EQ(events[0].kv.mod_revision, first);
  EXPECT_FALSE(events[0].deleted);
  EXPECT_EQ(events[1].kv.value, "b");
  EXPECT_TRUE(events[2].deleted);
  EXPECT_EQ(events[2].kv.key, "/t5/members/a");

  // Compacted past the start: canceled, saying from where history is kept.
  const auto now = ok(run_task(ioc_, c->put({"/t5/x", "y", 0})));
  const auto url = cluster_->client_urls()[0];
  const auto port = static_cast<unsigned short>(std::stoi(url.substr(url.rfind(':') + 1)));
  const auto compacted = test::http_request("POST", "127.0.0.1", port, "/v3/kv/compaction",
                                            "{\"revision\":\"" + std::to_string(now) + "\"}");
  ASSERT_EQ(compacted.status, 200) << compacted.body;
  std::optional<watch_response> cancel;
  const auto gone =
      run_task(ioc_, w->watch(prefix_range("/t5/"), first, 10s, [&](const watch_response& m) {
        if (m.canceled) {
          cancel = m;
        }
        return !m.canceled;
      }));
  ASSERT_TRUE(cancel.has_value()) << gone.message;
  EXPECT_EQ(cancel->compact_revision, now);

  // Quiet: ends after its idle time, as a transport error that says so.
  const auto quiet = run_task(ioc_, w->watch(prefix_range("/t5/none/"), now + 1, 300ms,
                                             [](const watch_response&) { return true; }));
  EXPECT_TRUE(quiet.transport);
  EXPECT_NE(quiet.message.find("timed out"), std::string::npos) << quiet.message;

  // cancel_watch() ends a watch that would wait a minute.
  created = false;
  ended.reset();
  net::co_spawn(ioc_,
                w->watch(prefix_range("/t5/none/"), now + 1, 60s,
                         [&](const watch_response& m) {
                           created = created || m.created;
                           return true;
                         }),
                [&](const std::exception_ptr&, etcd_error e) { ended = std::move(e); });
  ASSERT_TRUE(run_until([&] { return created; }));
  w->cancel_watch();
  ASSERT_TRUE(run_until([&] { return ended.has_value(); }));
  EXPECT_NE(ended->message.find("closed"), std::string::npos) << ended->message;
  ok(run_task(ioc_, c->delete_range({"/t5/", prefix_end("/t5/")})));
}

TEST_F(EtcdClient, ARevokedLeaseIsGoneForKeepaliveAndPut) {
  auto c = make();
  const auto lease = ok(run_task(ioc_, c->lease_grant(5s)));
  const auto ttl = ok(run_task(ioc_, c->lease_keepalive(lease.id)));
  ASSERT_TRUE(ttl);
  EXPECT_EQ(*ttl, 5) << "one POST renews it to its full TTL";
  ok(run_task(ioc_, c->put({"/t2/k", "v", lease.id})));
  EXPECT_TRUE(ok(run_task(ioc_, c->lease_revoke(lease.id))));
  EXPECT_TRUE(ok(run_task(ioc_, c->range(key_range("/t2/k")))).kvs.empty())
      << "its keys went with it";
  EXPECT_FALSE(ok(run_task(ioc_, c->lease_keepalive(lease.id))))
      << "keepalive of a gone lease answers 200 without TTL";
  const auto put = run_task(ioc_, c->put({"/t2/k", "v", lease.id}));
  ASSERT_TRUE(std::holds_alternative<etcd_error>(put));
  const auto& e = std::get<etcd_error>(put);
  EXPECT_TRUE(e.lease_gone()) << e.message;
  EXPECT_EQ(e.wire.http_status, 404);
  EXPECT_FALSE(ok(run_task(ioc_, c->lease_revoke(lease.id)))) << "revoking twice: already gone";
}

// Followers only are killed and stopped here: a leader's loss is an election, which the
// coordination layer's own tests cover.
TEST_F(EtcdClient, EndpointsAreTriedInTurnPastAKilledAndAStoppedMember) {
  const int leader = cluster_->leader();
  ASSERT_GE(leader, 0);
  const int f1 = (leader + 1) % 3;
  const int f2 = (leader + 2) % 3;
  etcd_options o;
  o.endpoints = {cluster_->client_url(f1), cluster_->client_url(f2), cluster_->client_url(leader)};
  o.request_timeout = 500ms;
  etcd_client c(ioc_.get_executor(), o);
  ok(run_task(ioc_, c.put({"/t3/k", "1", 0})));
  ASSERT_EQ(c.current_endpoint(), cluster_->client_url(f1));

  cluster_->kill(f1);
  EXPECT_EQ(ok(run_task(ioc_, c.range(key_range("/t3/k")))).kvs.at(0).value, "1");
  EXPECT_EQ(c.current_endpoint(), cluster_->client_url(f2)) << "refused: the next endpoint";
  cluster_->restart(f1);  // two of three again before the next member goes

  // A stopped member accepts connections (the kernel does) and never answers: only the
  // request's own timeout ends the wait.
  cluster_->pause(f2);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(ok(run_task(ioc_, c.range(key_range("/t3/k")))).kvs.at(0).value, "1");
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(c.current_endpoint(), cluster_->client_url(leader));
  EXPECT_GE(took, 400ms) << "waited for the stopped member's timeout";
  cluster_->resume(f2);
}

// On a cluster of its own: auth, once on, stays on.
TEST_F(EtcdClient, AuthenticatesAndAgainWhenTheTokenExpired) {
  etcd_cluster single(1, {"--auth-token-ttl", "1"});
  // The root user and role, then auth on, through the gateway as an operator would.
  single.post(0, "auth/role/add", {{"name", "root"}});
  single.post(0, "auth/user/add", {{"name", "root"}, {"password", "rootpw"}});
  single.post(0, "auth/user/grant", {{"user", "root"}, {"role", "root"}});
  single.post(0, "auth/enable", nlohmann::json::object());
  const auto client_for = [&](std::string user, std::string password) {
    return std::make_unique<etcd_client>(
        ioc_.get_executor(),
        etcd_options{single.client_urls(), 1s, {}, std::move(user), std::move(password)});
  };

  auto anonymous = client_for("", "");
  ASSERT_TRUE(
      std::holds_alternative<etcd_error>(run_task(ioc_, anonymous->range(key_range("/t4/k")))))
      << "auth is on";
  auto wrong = client_for("root", "not-the-password");
  const auto bad = run_task(ioc_, wrong->range(key_range("/t4/k")));
  ASSERT_TRUE(std::holds_alternative<etcd_error>(bad));
  EXPECT_EQ(std::get<etcd_error>(bad).message.find("not-the-password"), std::string::npos)
      << "the message never repeats the password: " << std::get<etcd_error>(bad).message;

  auto c = client_for("root", "rootpw");
  ok(run_task(ioc_, c->put({"/t4/k", "v", 0})));
  // Tokens of this cluster expire after 1 s unused (--auth-token-ttl 1; etcd drops them on a
  // 1 s tick). Wait until one taken now is refused, using it only every 2.5 s (a use renews
  // it): the client's, older and unused as long, is stale too.
  const auto token =
      single.post(0, "auth/authenticate", {{"name", "root"}, {"password", "rootpw"}})["token"]
          .get<std::string>();
  const bool expired = test::poll_until(
      [&] {
        const auto r = test::http_request(
            "POST", "127.0.0.1", single.client_port(0), "/v3/kv/range",
            nlohmann::json{{"key", base64_encode("/t4/k")}}.dump(), {{"Authorization", token}});
        return r.status != 200;
      },
      15s, 2500ms);
  ASSERT_TRUE(expired) << "tokens did not expire";
  EXPECT_EQ(ok(run_task(ioc_, c->range(key_range("/t4/k")))).kvs.at(0).value, "v")
      << "authenticated again, then answered";
}

}  // namespace
}  // namespace refreshd::coord
