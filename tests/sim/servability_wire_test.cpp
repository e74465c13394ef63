// The servability endpoints on the wire (contract §12): envelopes, errors, binding, the 404
// switches, auth, rate limits, faults and stats, without sockets.
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <refreshd/sim/control.hpp>
#include <refreshd/sim/simulator.hpp>

namespace refreshd::sim {
namespace {

using json = nlohmann::json;
constexpr std::int64_t t0 = 1'760'000'000'000;
constexpr std::int64_t end1 = t0 + 1100;  // a job triggered at t0 ends here

class ServabilityWire : public ::testing::Test {
 protected:
  void SetUp() override {
    sim.add_collection(parse_collection(R"({"name":"books","index":{"rows_per_s":1000},
                                            "load":{"load_ms":400}})"));
  }
  reply call(endpoint op, const json& body, std::int64_t now = t0, request_meta meta = {}) {
    return sim.handle(op, meta, body.dump(), now);
  }
  reply raw(endpoint op, std::string_view body) { return sim.handle(op, {}, body, t0); }
  static json parse(const reply& r) { return json::parse(r.body); }
  json describe(std::int64_t now, const std::string& index = "vector") {
    return parse(
        call(endpoint::index_describe, {{"collectionName", "books"}, {"indexName", index}}, now));
  }
  json load(std::int64_t now) {
    return parse(call(endpoint::load_state, {{"collectionName", "books"}}, now));
  }
  void expect_error(const reply& r, std::int64_t code, std::string_view substr, int http = 200) {
    EXPECT_EQ(r.http_status, http) << r.body;
    const auto j = parse(r);
    EXPECT_EQ(j.size(), 2u) << "error envelope is exactly {code,message}: " << r.body;
    EXPECT_EQ(j.value("code", 0), code) << r.body;
    EXPECT_NE(j.value("message", "").find(substr), std::string::npos) << r.body;
  }
  void trigger(std::int64_t now = t0) {
    ASSERT_EQ(parse(call(endpoint::refresh, {{"collectionName", "books"}}, now))["code"], 0);
  }
  void set(std::string_view patch) { sim.set_config(patch_config(sim.config(), patch)); }
  simulator sim;
};

TEST_F(ServabilityWire, IndexListIsAnArrayOfNames) {
  EXPECT_EQ(parse(call(endpoint::index_list, {{"collectionName", "books"}})),
            json::parse(R"({"code":0,"data":["vector"]})"));
  sim.add_collection(parse_collection(R"({"name":"two","indexes":["vector","title"]})"));
  sim.add_collection(parse_collection(R"({"name":"none","indexes":[]})"));
  EXPECT_EQ(parse(call(endpoint::index_list, {{"collectionName", "two"}}))["data"],
            json::parse(R"(["vector","title"])"));
  EXPECT_EQ(parse(call(endpoint::index_list, {{"collectionName", "none"}})),
            json::parse(R"({"code":0,"data":[]})"));
}

TEST_F(ServabilityWire, DescribeShowsTheExactIndexObjectThroughTheBuild) {
  EXPECT_EQ(describe(t0), json::parse(R"({"code":0,"data":[{"indexName":"vector",
      "fieldName":"vector","indexType":"AUTOINDEX","metricType":"COSINE","indexState":"Finished",
      "totalRows":0,"indexedRows":0,"pendingRows":0,"failReason":""}]})"));
  trigger();
  auto d = describe(end1 + 300)["data"][0];
  EXPECT_EQ(d["indexState"], "InProgress");
  EXPECT_EQ(d["totalRows"], 1000);
  EXPECT_EQ(d["indexedRows"], 300);
  EXPECT_EQ(d["pendingRows"], 700);
  d = describe(end1 + 1000)["data"][0];
  EXPECT_EQ(d["indexState"], "Finished");
  EXPECT_EQ(d["indexedRows"], 1000);
  EXPECT_EQ(d["pendingRows"], 0);
}

TEST_F(ServabilityWire, EveryIndexReportsItsOwnName) {
  sim.add_collection(parse_collection(R"({"name":"books","indexes":["vector","title"]})"));
  trigger();
  const auto d = describe(end1 + 500, "title")["data"];
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0]["indexName"], "title");
  EXPECT_EQ(d[0]["fieldName"], "title");
  EXPECT_EQ(d[0]["indexedRows"], describe(end1 + 500, "vector")["data"][0]["indexedRows"]);
}

TEST_F(ServabilityWire, FailedBuildCarriesFailReason) {
  sim.add_collection(
      parse_collection(R"({"name":"books","index":{"outcome":"failed","reason":"disk full"}})"));
  trigger();
  const auto d = describe(end1 + 1000)["data"][0];
  EXPECT_EQ(d["indexState"], "Failed");
  EXPECT_EQ(d["failReason"], "disk full");
  EXPECT_EQ(d["pendingRows"], 0);
  EXPECT_EQ(d["indexedRows"], 0);
  EXPECT_EQ(d["totalRows"], 1000);
}

TEST_F(ServabilityWire, LoadStateShowsProgressOnlyWhileLoadingOrLoaded) {
  EXPECT_EQ(load(t0), json::parse(R"({"code":0,"data":{"loadState":"LoadStateLoaded",
                                       "loadProgress":100}})"));
  trigger();
  EXPECT_EQ(load(end1 + 500)["data"], json::parse(R"({"loadState":"LoadStateLoading",
                                                      "loadProgress":0})"));
  EXPECT_EQ(load(end1 + 1100)["data"]["loadProgress"], 25);
  EXPECT_EQ(load(end1 + 1400)["data"]["loadState"], "LoadStateLoaded");
  sim.add_collection(parse_collection(R"({"name":"books","load":{"loaded":false}})"));
  EXPECT_EQ(load(end1 + 1400),
            json::parse(R"({"code":0,"data":{"loadState":"LoadStateNotLoad"}})"));
}

TEST_F(ServabilityWire, UnknownCollectionAndIndexUseTheModelsErrors) {
  expect_error(call(endpoint::index_list, {{"collectionName", "x"}}), 100,
               "collection not found[collection=x]");
  expect_error(call(endpoint::load_state, {{"collectionName", "x"}}), 100,
               "collection not found[collection=x]");
  expect_error(call(endpoint::index_describe, {{"collectionName", "x"}, {"indexName", "vector"}}),
               100, "collection not found[collection=x]");
  expect_error(call(endpoint::index_describe, {{"collectionName", "books"}, {"indexName", "t"}}),
               700, "index not found[indexName=t]");
  expect_error(call(endpoint::load_state, {{"dbName", "nodb"}, {"collectionName", "books"}}), 800,
               "database not found[database=nodb]");
}

TEST_F(ServabilityWire, BindingErrorsUseGinWording) {
  expect_error(raw(endpoint::index_list, ""), 1801, "the request body should be nil");
  expect_error(raw(endpoint::load_state, "{"), 1801, "can only accept json format request");
  expect_error(raw(endpoint::index_describe, "[]"), 1801, "httpserver.IndexReq");
  expect_error(call(endpoint::index_list, json::object()), 1802,
               "'CollectionNameReq.CollectionName' Error:Field validation");
  expect_error(call(endpoint::load_state, {{"collectionName", ""}}), 1802, "CollectionName");
  expect_error(call(endpoint::index_describe, {{"collectionName", "books"}}), 1802,
               "'IndexReq.IndexName'");
  expect_error(call(endpoint::index_describe, json::object()), 1802, "'IndexReq.CollectionName'");
  expect_error(call(endpoint::load_state, {{"collectionName", 5}}), 1801,
               "CollectionNameReq.collectionName of type string");
  expect_error(call(endpoint::index_describe, {{"collectionName", "books"}, {"indexName", true}}),
               1801, "IndexReq.indexName of type string");
  EXPECT_EQ(parse(call(endpoint::index_list, {{"collectionName", "books"}, {"x", 1}}))["code"], 0);
}

TEST_F(ServabilityWire, DbNameIsOptionalFromTheBodyOrTheHeader) {
  sim.add_collection(parse_collection(R"({"database":"media","name":"movies"})"));
  expect_error(call(endpoint::index_list, {{"collectionName", "movies"}}), 100, "not found");
  EXPECT_EQ(parse(call(endpoint::index_list,
                       {{"dbName", "media"}, {"collectionName", "movies"}}))["code"],
            0);
  request_meta meta;
  meta.db_name = "media";
  EXPECT_EQ(parse(call(endpoint::load_state, {{"collectionName", "movies"}}, t0, meta))["code"], 0);
  EXPECT_EQ(parse(call(endpoint::load_state, {{"dbName", "default"}, {"collectionName", "books"}},
                       t0, meta))["code"],
            0)
      << "the body wins over the header";
}

TEST_F(ServabilityWire, ServabilityRoutesAbsentIsAnOldServerWithTheRefreshApi) {
  set(R"({"servability_routes_absent":true})");
  for (auto op : {endpoint::index_list, endpoint::index_describe, endpoint::load_state}) {
    const auto r = call(op, {{"collectionName", "books"}, {"indexName", "vector"}});
    EXPECT_EQ(r.http_status, 404);
    EXPECT_EQ(r.body, "404 page not found");
    EXPECT_EQ(r.content_type, "text/plain");
  }
  EXPECT_EQ(parse(call(endpoint::refresh, {{"collectionName", "books"}}))["code"], 0);
  EXPECT_EQ(sim.request_log().back().http_status, 200);
}

TEST_F(ServabilityWire, RoutesAbsentHidesTheServabilityRoutesToo) {
  set(R"({"routes_absent":true})");
  for (auto op :
       {endpoint::index_list, endpoint::index_describe, endpoint::load_state, endpoint::refresh}) {
    EXPECT_EQ(call(op, {{"collectionName", "books"}, {"indexName", "vector"}}).http_status, 404);
  }
}

TEST_F(ServabilityWire, AuthTokenIsRequiredOnEveryServabilityEndpoint) {
  set(R"({"auth_token":"s3cret"})");
  const json body = {{"collectionName", "books"}, {"indexName", "vector"}};
  request_meta good;
  good.authorization = "Bearer s3cret";
  for (auto op : {endpoint::index_list, endpoint::index_describe, endpoint::load_state}) {
    expect_error(call(op, body), 1800, "user hasn't authenticated", 401);
    EXPECT_EQ(parse(call(op, body, t0, good))["code"], 0);
  }
  EXPECT_EQ(sim.traffic().unauthorized, 3u);
  EXPECT_FALSE(sim.request_log().front().authorized);
}

TEST_F(ServabilityWire, RateLimitScopeAllGivesEachEndpointItsOwnBucket) {
  set(R"({"rate_limit":{"rps":1}})");
  const json body = {{"collectionName", "books"}, {"indexName", "vector"}};
  for (auto op : {endpoint::index_list, endpoint::index_describe, endpoint::load_state}) {
    EXPECT_EQ(parse(call(op, body))["code"], 0);
    EXPECT_EQ(parse(call(op, body))["code"], 0) << "scope refresh limits only refresh";
  }
  set(R"({"rate_limit":{"scope":"all"}})");
  for (auto op : {endpoint::index_list, endpoint::index_describe, endpoint::load_state}) {
    EXPECT_EQ(parse(call(op, body))["code"], 0);
    expect_error(call(op, body), 1807, "request is rejected by limiter");
  }
  EXPECT_EQ(sim.traffic().rate_limited, 3u);
}

TEST_F(ServabilityWire, TimeoutHeaderAndFaultsApplyLikeOnTheJobEndpoints) {
  request_meta meta;
  meta.request_timeout = "soon";
  expect_error(call(endpoint::load_state, {{"collectionName", "books"}}, t0, meta), 1100,
               "Request-Timeout parse failed");
  const std::string body = R"({"collectionName":"books"})";
  EXPECT_EQ(sim.handle(endpoint::index_list, {}, body, t0, fault_kind::http_500).http_status, 500);
  EXPECT_TRUE(sim.handle(endpoint::index_list, {}, body, t0, fault_kind::reset).reset);
  expect_error(sim.handle(endpoint::load_state, {}, body, t0, fault_kind::none, true), 10001,
               "request timeout", 408);
  const auto r = sim.handle(endpoint::load_state, {}, body, t0, fault_kind::malformed);
  EXPECT_TRUE(json::parse(r.body, nullptr, false).is_discarded()) << r.body;
}

TEST_F(ServabilityWire, StatsAndRequestLogNameTheServabilityEndpoints) {
  call(endpoint::index_list, {{"collectionName", "books"}});
  call(endpoint::index_describe, {{"collectionName", "books"}, {"indexName", "vector"}});
  call(endpoint::index_describe, {{"collectionName", "books"}, {"indexName", "vector"}});
  call(endpoint::load_state, {{"collectionName", "books"}});
  const auto st = json::parse(sim.stats_json());
  EXPECT_EQ(st["requests"], json::parse(R"({"refresh":0,"describe":0,"list":0,"index_list":1,
                                               "index_describe":2,"load_state":1})"));
  EXPECT_EQ(st["triggers"], 0);
  const auto log = json::parse(sim.requests_json(10))["requests"];
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log[0]["endpoint"], "index_list");
  EXPECT_EQ(log[1]["endpoint"], "index_describe");
  EXPECT_EQ(log[3]["endpoint"], "load_state");
  EXPECT_EQ(log[3]["collection"], "books");
  EXPECT_EQ(log[3]["code"], 0);
}

}  // namespace
}  // namespace refreshd::sim
