// The simulator's wire behaviour (contract §1-§3, §9) without sockets: bodies in, replies out.
#include <random>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <refreshd/sim/simulator.hpp>

namespace refreshd::sim {
namespace {

using json = nlohmann::json;
constexpr std::int64_t t0 = 1'760'000'000'000;

class Wire : public ::testing::Test {
 protected:
  void SetUp() override {
    collection_spec books;
    books.name = "books";
    books.source = "s3://bucket/books/";
    books.spec = R"({"format":"parquet"})";
    sim.add_collection(books);
  }
  reply call(endpoint op, const json& body, std::int64_t now = t0, request_meta meta = {}) {
    return sim.handle(op, meta, body.dump(), now);
  }
  reply raw(endpoint op, std::string_view body) { return sim.handle(op, {}, body, t0); }
  static json parse(const reply& r) { return json::parse(r.body); }
  void expect_error(const reply& r, std::int64_t code, std::string_view substr, int http = 200) {
    EXPECT_EQ(r.http_status, http) << r.body;
    const auto j = parse(r);
    EXPECT_EQ(j.size(), 2u) << "error envelope is exactly {code,message}: " << r.body;
    EXPECT_EQ(j.value("code", 0), code) << r.body;
    EXPECT_NE(j.value("message", "").find(substr), std::string::npos) << r.body;
  }
  std::int64_t trigger(std::int64_t now = t0) {
    auto j = parse(call(endpoint::refresh, {{"collectionName", "books"}}, now));
    return j["data"]["jobId"].get<std::int64_t>();
  }
  simulator sim;
};

TEST_F(Wire, RefreshAnswersExactlyCodeAndDataWithBareIntegerId) {
  const auto r = call(endpoint::refresh, {{"collectionName", "books"}});
  EXPECT_EQ(r.http_status, 200);
  const auto j = parse(r);
  EXPECT_EQ(j.size(), 2u);
  EXPECT_EQ(j["code"], 0);
  ASSERT_TRUE(j["data"]["jobId"].is_number_integer());
  const auto id = j["data"]["jobId"].get<std::int64_t>();
  EXPECT_GT(id, std::int64_t{1} << 53);
  EXPECT_NE(r.body.find("\"jobId\":" + std::to_string(id)), std::string::npos) << r.body;
}

TEST_F(Wire, DescribeAndListRenderTheJobInfoKeySet) {
  const auto id = trigger();
  const auto d = parse(call(endpoint::describe, {{"jobId", id}}, t0 + 10));
  const auto& info = d["data"];
  for (const char* key : {"jobId", "collectionName", "state", "progress", "externalSource",
                          "externalSpec", "startTime", "endTime"}) {
    EXPECT_TRUE(info.contains(key)) << key;
  }
  EXPECT_EQ(info.size(), 8u) << "no reason key while empty";
  EXPECT_EQ(info["state"], "RefreshPending");
  EXPECT_EQ(info["endTime"], 0);
  EXPECT_EQ(info["startTime"], t0);
  const auto l = parse(call(endpoint::list, json::object(), t0 + 10));
  ASSERT_EQ(l["data"]["records"].size(), 1u);
  EXPECT_EQ(l["data"]["records"][0], info);
}

TEST_F(Wire, EmptyListIsAnEmptyArray) {
  EXPECT_EQ(parse(call(endpoint::list, {{"collectionName", "books"}})),
            json::parse(R"({"code":0,"data":{"records":[]}})"));
}

TEST_F(Wire, BindingErrorsUseGinWording) {
  expect_error(raw(endpoint::describe, ""), 1801, "the request body should be nil");
  expect_error(raw(endpoint::describe, "{"), 1801, "can only accept json format request");
  expect_error(raw(endpoint::refresh, "[]"), 1801, "cannot unmarshal array");
  expect_error(call(endpoint::refresh, json::object()), 1802, "missing required parameters");
  expect_error(call(endpoint::refresh, {{"collectionName", ""}}), 1802, "CollectionName");
  expect_error(call(endpoint::refresh, {{"collectionName", 5}}), 1801, "of type string");
  expect_error(call(endpoint::describe, json::object()), 1802, "missing required parameters");
  expect_error(call(endpoint::describe, {{"jobId", 0}}), 1802, "JobID");
  expect_error(call(endpoint::describe, {{"jobId", "abc"}}), 1801, "json");
  expect_error(call(endpoint::describe, {{"jobId", "449503829274509311"}}), 1801, "int64");
  expect_error(call(endpoint::describe, {{"jobId", 1.5}}), 1801, "number 1.5");
  expect_error(raw(endpoint::describe, R"({"jobId":18446744073709551615})"), 1801, "int64");
  expect_error(call(endpoint::list, {{"dbName", true}}), 1801, "of type string");
}

TEST_F(Wire, UnknownJobIsNotFound1100) {
  expect_error(raw(endpoint::describe, R"({"jobId":9223372036854775807})"), 1100,
               "refresh job 9223372036854775807 not found: invalid parameter");
}

TEST_F(Wire, UnknownTopLevelKeysAreIgnored) {
  EXPECT_EQ(parse(call(endpoint::refresh, {{"collectionName", "books"}, {"x", 1}}))["code"], 0);
}

TEST_F(Wire, OnlyOneOverrideMentionsBoth) {
  expect_error(
      call(endpoint::refresh, {{"collectionName", "books"}, {"externalSource", "s3://b/"}}), 1100,
      "both");
}

TEST_F(Wire, UnknownCollectionIsCode100) {
  expect_error(call(endpoint::refresh, {{"collectionName", "x"}}), 100,
               "collection not found[collection=x]");
}

TEST_F(Wire, DbNameHeaderSelectsTheDatabaseWhenTheBodyHasNone) {
  collection_spec movies;
  movies.database = "media";
  movies.name = "movies";
  movies.source = "s3://b/m/";
  movies.spec = R"({"format":"parquet"})";
  sim.add_collection(movies);
  request_meta meta;
  meta.db_name = "media";
  EXPECT_EQ(parse(call(endpoint::refresh, {{"collectionName", "movies"}}, t0, meta))["code"], 0);
  expect_error(call(endpoint::refresh, {{"collectionName", "movies"}}), 100, "not found");
  const auto l = parse(call(endpoint::list, json::object(), t0, meta));
  EXPECT_EQ(l["data"]["records"].size(), 1u);
}

TEST_F(Wire, StringJobIdsAreRenderedAsStringsAndAcceptedBack) {
  auto cfg = sim.config();
  cfg.string_job_ids = true;
  sim.set_config(cfg);
  const auto r = parse(call(endpoint::refresh, {{"collectionName", "books"}}));
  ASSERT_TRUE(r["data"]["jobId"].is_string());
  const auto id = r["data"]["jobId"].get<std::string>();
  const auto d = parse(call(endpoint::describe, {{"jobId", id}}));
  EXPECT_EQ(d["data"]["jobId"], id);
  EXPECT_EQ(parse(call(endpoint::describe, {{"jobId", std::stoll(id)}}))["code"], 0);
  EXPECT_TRUE(
      parse(call(endpoint::list, json::object()))["data"]["records"][0]["jobId"].is_string());
}

TEST_F(Wire, AuthTokenRequiresBearerOnEveryJobEndpoint) {
  auto cfg = sim.config();
  cfg.auth_token = "s3cret";
  sim.set_config(cfg);
  request_meta wrong;
  wrong.authorization = "Bearer nope";
  for (auto op : {endpoint::refresh, endpoint::describe, endpoint::list}) {
    expect_error(call(op, {{"collectionName", "books"}, {"jobId", 1}}), 1800,
                 "user hasn't authenticated", 401);
    expect_error(call(op, {{"collectionName", "books"}, {"jobId", 1}}, t0, wrong), 1800,
                 "authenticated", 401);
  }
  request_meta good;
  good.authorization = "Bearer s3cret";
  EXPECT_EQ(call(endpoint::refresh, {{"collectionName", "books"}}, t0, good).http_status, 200);
  EXPECT_EQ(sim.traffic().unauthorized, 6u);
}

TEST_F(Wire, RoutesAbsentAnswerGinPlainText404) {
  auto cfg = sim.config();
  cfg.routes_absent = true;
  sim.set_config(cfg);
  const auto r = call(endpoint::refresh, {{"collectionName", "books"}});
  EXPECT_EQ(r.http_status, 404);
  EXPECT_EQ(r.body, "404 page not found");
  EXPECT_EQ(r.content_type, "text/plain");
  EXPECT_EQ(sim.state().stats().jobs_created, 0u);
}

TEST_F(Wire, RateLimit1807RefillsAtTheConfiguredRate) {
  auto cfg = sim.config();
  cfg.rate_limit.rps = 2;
  sim.set_config(cfg);
  const json body = {{"collectionName", "nope"}};
  EXPECT_EQ(parse(call(endpoint::refresh, body, t0))["code"], 100);
  EXPECT_EQ(parse(call(endpoint::refresh, body, t0))["code"], 100);
  expect_error(call(endpoint::refresh, body, t0), 1807, "request is rejected by limiter");
  EXPECT_EQ(parse(call(endpoint::list, json::object(), t0))["code"], 0) << "only refresh";
  EXPECT_EQ(parse(call(endpoint::refresh, body, t0 + 500))["code"], 100);
  expect_error(call(endpoint::refresh, body, t0 + 500), 1807, "limiter");
  EXPECT_EQ(sim.traffic().rate_limited, 2u);
}

TEST_F(Wire, RateLimit429UsesTheGatewayBodyAndRetryAfter) {
  auto cfg = sim.config();
  cfg.rate_limit.rps = 1;
  cfg.rate_limit.mode = rate_limit_mode::http_429;
  cfg.rate_limit.scope = rate_limit_scope::all;
  sim.set_config(cfg);
  EXPECT_EQ(call(endpoint::list, json::object()).http_status, 200);
  const auto r = call(endpoint::list, json::object());
  EXPECT_EQ(r.http_status, 429);
  EXPECT_NE(parse(r).value("code", 0), 0);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Retry-After");
  EXPECT_EQ(call(endpoint::describe, {{"jobId", 1}}).http_status, 200) << "own bucket";
}

TEST_F(Wire, NonIntegerRequestTimeoutIs1100) {
  request_meta meta;
  meta.request_timeout = "soon";
  expect_error(call(endpoint::list, json::object(), t0, meta), 1100,
               "Request-Timeout parse failed");
  meta.request_timeout = "5";
  EXPECT_EQ(parse(call(endpoint::list, json::object(), t0, meta))["code"], 0);
}

TEST_F(Wire, Http500FaultDoesNotProcessTheRequest) {
  const auto r =
      sim.handle(endpoint::refresh, {}, R"({"collectionName":"books"})", t0, fault_kind::http_500);
  EXPECT_EQ(r.http_status, 500);
  EXPECT_EQ(parse(r), json::parse(R"({"code":500})"));
  EXPECT_EQ(sim.state().stats().jobs_created, 0u);
}

TEST_F(Wire, ResetFaultProcessesThenAsksForAReset) {
  const auto r =
      sim.handle(endpoint::refresh, {}, R"({"collectionName":"books"})", t0, fault_kind::reset);
  EXPECT_TRUE(r.reset);
  EXPECT_EQ(sim.state().stats().jobs_created, 1u);
  EXPECT_EQ(sim.traffic().resets, 1u);
}

TEST_F(Wire, MalformedFaultSendsATruncatedBody) {
  const auto r =
      sim.handle(endpoint::refresh, {}, R"({"collectionName":"books"})", t0, fault_kind::malformed);
  EXPECT_EQ(r.http_status, 200);
  EXPECT_TRUE(json::parse(r.body, nullptr, false).is_discarded()) << r.body;
  EXPECT_EQ(sim.state().stats().jobs_created, 1u);
}

TEST_F(Wire, OversizedFaultPadsAValidAnswerPastTheClientsBodyCap) {
  const auto r =
      sim.handle(endpoint::refresh, {}, R"({"collectionName":"books"})", t0, fault_kind::oversized);
  EXPECT_EQ(r.http_status, 200);
  EXPECT_GT(r.body.size(), 9u * 1024 * 1024);
  EXPECT_FALSE(json::parse(r.body, nullptr, false).is_discarded()) << "still valid JSON";
  EXPECT_EQ(sim.state().stats().jobs_created, 1u);
  EXPECT_EQ(sim.traffic().oversized, 1u);
}

TEST_F(Wire, TimedOutRequestIs408After) {
  const auto r = sim.handle(endpoint::refresh, {}, R"({"collectionName":"books"})", t0,
                            fault_kind::none, true);
  expect_error(r, 10001, "request timeout", 408);
  EXPECT_EQ(sim.state().stats().jobs_created, 1u) << "the outcome is unknown to the client";
}

TEST_F(Wire, OverlapIsCountedWhateverTheAnswer) {
  trigger();
  auto cfg = sim.config();
  cfg.rate_limit.rps = 1;
  cfg.auth_token = "t";
  sim.set_config(cfg);
  call(endpoint::refresh, {{"collectionName", "books"}}, t0 + 1);  // 401
  const auto st = json::parse(sim.stats_json());
  EXPECT_EQ(st["triggers"], 2);
  EXPECT_EQ(st["overlapping_triggers"], 1);
  EXPECT_EQ(st["per_collection"]["default/books"]["overlapping_triggers"], 1);
}

TEST_F(Wire, StatsCountRequestsPerEndpoint) {
  trigger();
  call(endpoint::list, json::object());
  call(endpoint::describe, {{"jobId", 1}});
  const auto st = json::parse(sim.stats_json());
  EXPECT_EQ(st["requests"], json::parse(R"({"refresh":1,"describe":1,"list":1,"index_list":0,
                                               "index_describe":0,"load_state":0})"));
  EXPECT_EQ(st["jobs_created"], 1);
}

TEST_F(Wire, RequestLogIsBounded) {
  auto cfg = sim.config();
  cfg.request_log_size = 3;
  sim.set_config(cfg);
  for (int i = 0; i < 10; ++i) {
    call(endpoint::list, json::object(), t0 + i);
  }
  ASSERT_EQ(sim.request_log().size(), 3u);
  EXPECT_EQ(sim.request_log().front().time_ms, t0 + 7);
  const auto j = json::parse(sim.requests_json(2));
  ASSERT_EQ(j["requests"].size(), 2u);
  EXPECT_EQ(j["requests"][1]["time_ms"], t0 + 9);
}

TEST_F(Wire, FaultDrawFollowsTheRatios) {
  std::mt19937_64 rng(7);
  EXPECT_EQ(sim.pick_fault(rng), fault_kind::none);
  auto cfg = sim.config();
  cfg.faults.reset_ratio = 1;
  sim.set_config(cfg);
  EXPECT_EQ(sim.pick_fault(rng), fault_kind::reset);
  cfg.faults.reset_ratio = 0;
  cfg.faults.http_500_ratio = 0.5;
  sim.set_config(cfg);
  int fives = 0;
  for (int i = 0; i < 1000; ++i) {
    fives += sim.pick_fault(rng) == fault_kind::http_500 ? 1 : 0;
  }
  EXPECT_GT(fives, 400);
  EXPECT_LT(fives, 600);
}

TEST_F(Wire, ResetForgetsEverythingButTheBaseConfig) {
  sim_config base;
  base.auth_token = "from-cli";
  simulator s(base);
  auto cfg = s.config();
  cfg.auth_token.clear();
  cfg.routes_absent = true;
  s.set_config(cfg);
  s.reset();
  EXPECT_EQ(s.config().auth_token, "from-cli");
  EXPECT_FALSE(s.config().routes_absent);
  EXPECT_EQ(s.state().collection_count(), 0u);
}

}  // namespace
}  // namespace refreshd::sim
