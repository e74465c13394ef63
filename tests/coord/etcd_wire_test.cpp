// The etcd v3 gateway's wire format (coord/etcd_wire.hpp): what the client sends, and how it
// reads what etcd 3.4 answers, including the fields proto3 leaves out. The answers are copied
// from a real etcd 3.4.23 (tests/coord/etcd_client_test.cpp talks to one).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <refreshd/coord/etcd_wire.hpp>
#include <refreshd/net/base64.hpp>

namespace refreshd::coord {
namespace {

using json = nlohmann::json;

TEST(EtcdBase64, RoundTripsAnyBytes) {
  for (const std::string& s :
       {std::string(), std::string("a"), std::string("ab"), std::string("abc"),
        std::string("/milvus-refreshd/owners/x"), std::string("\0\xff\x01", 3)}) {
    const auto e = base64_encode(s);
    EXPECT_EQ(e.size() % 4, 0U);
    EXPECT_EQ(base64_decode(e, base64_padding::required), s) << e;
  }
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_decode("Zm8=", base64_padding::required), "fo");
  EXPECT_EQ(base64_decode("Zg==", base64_padding::required), "f");
  EXPECT_FALSE(base64_decode("Zm9", base64_padding::required)) << "not a multiple of 4";
  EXPECT_FALSE(base64_decode("Zm9*", base64_padding::required)) << "not base64";
}

TEST(EtcdWire, PrefixEndIsThePrefixWithItsLastByteIncremented) {
  EXPECT_EQ(prefix_end("/p/members/"), "/p/members0");
  EXPECT_EQ(prefix_end(std::string("a\xff", 2)), "b");
  EXPECT_EQ(prefix_end(""), std::string(1, '\0')) << "every key";
}

TEST(EtcdWire, RequestsCarryBase64KeysAndInt64Strings) {
  const auto put = json::parse(put_body({"/k", "v", 7587887613485245958}));
  EXPECT_EQ(put["key"], base64_encode("/k"));
  EXPECT_EQ(put["value"], base64_encode("v"));
  EXPECT_EQ(put["lease"], "7587887613485245958") << "int64 as a string, exact above 2^53";
  EXPECT_FALSE(json::parse(put_body({"/k", "v", 0})).contains("lease"));

  const auto range = json::parse(range_body([] {
    auto r = prefix_range("/p/");
    r.limit = 10;
    r.keys_only = true;
    return r;
  }()));
  EXPECT_EQ(range["range_end"], base64_encode("/p0"));
  EXPECT_EQ(range["limit"], "10");
  EXPECT_EQ(range["keys_only"], true);
  EXPECT_FALSE(range.contains("serializable")) << "linearizable unless asked";

  EXPECT_EQ(json::parse(lease_grant_body(10))["TTL"], "10");
  EXPECT_EQ(json::parse(lease_id_body(-2))["ID"], "-2");
}

TEST(EtcdWire, TxnComparesOnRevisionsLeaseOrValue) {
  txn_request t;
  t.compares.push_back({compare::target::create, compare::result::equal, "/o/c", 0, {}});
  t.compares.push_back({compare::target::lease, compare::result::equal, "/o/c", 42, {}});
  t.compares.push_back({compare::target::value, compare::result::not_equal, "/o/c", 0, "me"});
  t.success.push_back(put_request{"/o/c", "me", 42});
  t.failure.push_back(key_range("/o/c"));
  t.failure.push_back(delete_request{"/x", ""});
  const auto j = json::parse(txn_body(t));
  ASSERT_EQ(j["compare"].size(), 3U);
  EXPECT_EQ(j["compare"][0]["target"], "CREATE");
  EXPECT_EQ(j["compare"][0]["result"], "EQUAL");
  EXPECT_EQ(j["compare"][0]["create_revision"], "0");
  EXPECT_EQ(j["compare"][1]["target"], "LEASE");
  EXPECT_EQ(j["compare"][1]["lease"], "42");
  EXPECT_EQ(j["compare"][2]["result"], "NOT_EQUAL");
  EXPECT_EQ(j["compare"][2]["value"], base64_encode("me"));
  EXPECT_EQ(j["success"][0]["request_put"]["lease"], "42");
  EXPECT_TRUE(j["failure"][0].contains("request_range"));
  EXPECT_TRUE(j["failure"][1].contains("request_delete_range"));
}

TEST(EtcdWire, ANestedTransactionIsAnOperationWithItsOwnBranchesAndAnswer) {
  auto one = std::make_shared<txn_request>();
  one->compares.push_back({compare::target::create, compare::result::equal, "/o/a", 0, {}});
  one->success.push_back(put_request{"/o/a", "me", 7});
  one->failure.push_back(key_range("/o/a"));
  txn_request batch;
  batch.success.push_back(nested_txn{one});
  batch.success.push_back(nested_txn{one});
  const auto j = json::parse(txn_body(batch));
  ASSERT_EQ(j["success"].size(), 2U);
  const auto& inner = j["success"][1]["request_txn"];
  EXPECT_EQ(inner["compare"][0]["target"], "CREATE");
  EXPECT_EQ(inner["success"][0]["request_put"]["lease"], "7");
  EXPECT_TRUE(inner["failure"][0].contains("request_range"));

  const auto r = read_txn(R"({"header":{"revision":"20"},"succeeded":true,"responses":[
    {"response_txn":{"succeeded":true,"responses":[{"response_put":{"header":{}}}]}},
    {"response_txn":{"responses":[{"response_range":{"header":{},
      "kvs":[{"key":"L28vYQ==","value":"b3RoZXI=","create_revision":"3"}],"count":"1"}}]}},
    {"response_put":{"header":{}}}]})");
  EXPECT_TRUE(r.succeeded);
  ASSERT_EQ(r.txns.size(), 3U) << "one per response";
  EXPECT_TRUE(r.txns[0].succeeded);
  EXPECT_FALSE(r.txns[1].succeeded) << "left out: the nested compare failed";
  EXPECT_EQ(r.txns[1].ranges.at(0).kvs.at(0).value, "other");
  EXPECT_TRUE(r.txns[2].ranges.empty()) << "not a transaction: a default answer";
  EXPECT_THROW(read_txn(R"({"responses":[{"response_txn":[]}]})"), malformed_answer);
}

TEST(EtcdWire, WatchMessagesCarryEventsCancellationsAndErrors) {
  const auto body = json::parse(watch_create_body(prefix_range("/p/members/"), 12));
  EXPECT_EQ(body["create_request"]["key"], base64_encode("/p/members/"));
  EXPECT_EQ(body["create_request"]["range_end"], base64_encode("/p/members0"));
  EXPECT_EQ(body["create_request"]["start_revision"], "12");
  EXPECT_EQ(body["create_request"]["progress_notify"], true);

  EXPECT_TRUE(read_watch(R"({"result":{"header":{"revision":"2"},"created":true}})").created);
  const auto w = read_watch(R"({"result":{"header":{"revision":"9"},"events":[
    {"kv":{"key":"L3AvbS9h","create_revision":"8","mod_revision":"8","version":"1",
           "value":"YQ==","lease":"7587887613485245958"}},
    {"type":"DELETE","kv":{"key":"L3AvbS9i","mod_revision":"9"}}]}})");
  EXPECT_EQ(w.revision, 9);
  ASSERT_EQ(w.events.size(), 2U);
  EXPECT_FALSE(w.events[0].deleted) << "PUT is the enum's default: left out";
  EXPECT_EQ(w.events[0].kv.key, "/p/m/a");
  EXPECT_EQ(w.events[0].kv.lease, 7587887613485245958);
  EXPECT_TRUE(w.events[1].deleted);
  EXPECT_EQ(w.events[1].kv.mod_revision, 9);

  const auto c = read_watch(
      R"({"result":{"header":{},"canceled":true,"compact_revision":"40","cancel_reason":"x"}})");
  EXPECT_TRUE(c.canceled);
  EXPECT_EQ(c.compact_revision, 40);
  EXPECT_EQ(c.cancel_reason, "x");
  const auto e = read_watch(R"({"error":{"grpc_code":14,"http_code":503,"message":"no leader"}})");
  EXPECT_TRUE(e.canceled);
  EXPECT_EQ(e.cancel_reason, "no leader");
  EXPECT_THROW(read_watch("[1]"), malformed_answer);
  EXPECT_THROW(read_watch(R"({"result":{"events":[1]}})"), malformed_answer);
}

TEST(EtcdWire, ReadsARangeWithInt64StringsAndLeftOutDefaults) {
  const auto r = read_range(R"({"header":{"cluster_id":"14841639068965178418",
    "member_id":"10276657743932975437","revision":"9","raft_term":"2"},
    "kvs":[{"key":"L2sx","create_revision":"8","mod_revision":"9","version":"2","value":"djI=",
            "lease":"7587887613485245958"},
           {"key":"L2sy","create_revision":"5","mod_revision":"5","version":"1"}],
    "count":"2"})");
  EXPECT_EQ(r.revision, 9);
  EXPECT_EQ(r.count, 2);
  EXPECT_FALSE(r.more);
  ASSERT_EQ(r.kvs.size(), 2U);
  EXPECT_EQ(r.kvs[0].key, "/k1");
  EXPECT_EQ(r.kvs[0].value, "v2");
  EXPECT_EQ(r.kvs[0].lease, 7587887613485245958);
  EXPECT_EQ(r.kvs[1].value, "") << "an empty value is left out";
  EXPECT_EQ(r.kvs[1].lease, 0);
  EXPECT_TRUE(read_range(R"({"header":{"revision":"3"}})").kvs.empty()) << "no key: no kvs";
}

TEST(EtcdWire, AnAbsentSucceededIsAFailedTransaction) {
  const auto failed = read_txn(R"({"header":{"revision":"12"},
    "responses":[{"response_range":{"header":{"revision":"12"},
      "kvs":[{"key":"L28vYw==","create_revision":"11","mod_revision":"11","version":"1",
              "value":"b3RoZXI="}],"count":"1"}}]})");
  EXPECT_FALSE(failed.succeeded);
  EXPECT_EQ(failed.revision, 12);
  ASSERT_EQ(failed.ranges.size(), 1U);
  EXPECT_EQ(failed.ranges[0].kvs.at(0).value, "other");
  const auto ok = read_txn(R"({"header":{"revision":"13"},"succeeded":true,
    "responses":[{"response_put":{"header":{"revision":"13"}}}]})");
  EXPECT_TRUE(ok.succeeded);
  EXPECT_EQ(ok.ranges.size(), 1U);
}

TEST(EtcdWire, AKeepaliveWithoutTtlMeansTheLeaseIsGone) {
  EXPECT_EQ(read_keepalive(R"({"result":{"header":{"revision":"4"},"ID":"7587887613485245958",
    "TTL":"10"}})"),
            10);
  EXPECT_FALSE(read_keepalive(R"({"result":{"header":{"revision":"4"},"ID":"75878876"}})"));
  const auto g = read_lease_grant(R"({"header":{"revision":"4"},"ID":"7587887613485245958",
    "TTL":"10"})");
  EXPECT_EQ(g.id, 7587887613485245958);
  EXPECT_EQ(g.ttl, 10);
}

TEST(EtcdWire, ErrorsAndMalformedAnswersAreNamed) {
  const auto e = read_error(404, R"({"error":"etcdserver: requested lease not found",
    "code":5,"message":"etcdserver: requested lease not found"})");
  EXPECT_EQ(e.code, 5);
  EXPECT_EQ(e.message, "etcdserver: requested lease not found");
  EXPECT_EQ(read_error(502, "<html>").message, "HTTP 502 with a body that is not JSON");
  EXPECT_THROW((void)read_range("not json"), malformed_answer);
  try {
    (void)read_range(R"({"kvs":[{"key":"***"}]})");
    FAIL() << "bad base64 accepted";
  } catch (const malformed_answer& ex) {
    EXPECT_NE(std::string(ex.what()).find("'key'"), std::string::npos) << ex.what();
  }
  EXPECT_THROW((void)read_range(R"({"header":{"revision":"x9"}})"), malformed_answer);
  EXPECT_THROW((void)read_lease_grant(R"({"TTL":"10"})"), malformed_answer);
  EXPECT_THROW((void)read_token(R"({"header":{}})"), malformed_answer);
}

}  // namespace
}  // namespace refreshd::coord
