// The control API and scenario files: partial config patches, collection definitions.
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <refreshd/sim/control.hpp>
#include <refreshd/sim/rate_limiter.hpp>

namespace refreshd::sim {
namespace {

using json = nlohmann::json;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected std::invalid_argument";
  return {};
}

TEST(Control, PartialConfigPatchKeepsOtherSwitches) {
  sim_config cfg;
  cfg.auth_token = "keep";
  cfg = patch_config(cfg, R"({"rate_limit":{"mode":"429"},"faults":{"reset_ratio":0.25}})");
  EXPECT_EQ(cfg.auth_token, "keep");
  EXPECT_EQ(cfg.rate_limit.mode, rate_limit_mode::http_429);
  EXPECT_EQ(cfg.rate_limit.rps, 0);
  EXPECT_EQ(cfg.faults.reset_ratio, 0.25);
  EXPECT_EQ(cfg.faults.http_500_ratio, 0);
  cfg = patch_config(cfg, R"({"rate_limit":{"rps":2.5,"mode":1807,"scope":"all"}})");
  EXPECT_EQ(cfg.rate_limit.rps, 2.5);
  EXPECT_EQ(cfg.rate_limit.mode, rate_limit_mode::code_1807);
  EXPECT_EQ(cfg.rate_limit.scope, rate_limit_scope::all);
}

TEST(Control, EveryDocumentedSwitchIsAccepted) {
  const auto cfg =
      patch_config({}, R"({"auth_token":"t","duplicate_policy":"legacy_drop","routes_absent":true,
              "rate_limit":{"rps":3,"mode":"429","body_429":{"code":429,"message":"slow down"}},
              "latency_ms":250,"faults":{"http_500_ratio":0.1,"reset_ratio":0.2,
              "malformed_ratio":0.3,"oversized_ratio":0.05},"retention_ms":1000,"string_job_ids":true,
              "max_jobs_per_collection":7,"request_log_size":9})");
  EXPECT_EQ(cfg.duplicates, duplicate_policy::legacy_drop);
  EXPECT_TRUE(cfg.routes_absent);
  EXPECT_EQ(json::parse(cfg.rate_limit.body_429)["message"], "slow down");
  EXPECT_EQ(cfg.latency_ms, 250);
  EXPECT_EQ(cfg.faults.malformed_ratio, 0.3);
  EXPECT_EQ(cfg.faults.oversized_ratio, 0.05);
  EXPECT_EQ(cfg.retention_ms, 1000);
  EXPECT_TRUE(cfg.string_job_ids);
  EXPECT_EQ(cfg.max_jobs_per_collection, 7u);
  EXPECT_EQ(cfg.request_log_size, 9u);
}

TEST(Control, DuplicatePolicyNamesFromTheContractAreAliases) {
  EXPECT_EQ(patch_config({}, R"({"duplicate_policy":"reject_1100_in_progress"})").duplicates,
            duplicate_policy::reject_in_progress);
  EXPECT_EQ(patch_config({}, R"({"duplicate_policy":"return_same_id"})").duplicates,
            duplicate_policy::same_id);
  EXPECT_EQ(patch_config({}, R"({"duplicate_policy":"legacy_return_new_id_then_drop"})").duplicates,
            duplicate_policy::legacy_drop);
}

TEST(Control, BadConfigNamesTheKey) {
  EXPECT_NE(error_of([] { patch_config({}, R"({"latency":5})"); }).find("config.latency"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              patch_config({}, R"({"faults":{"reset_ratio":2}})");
            }).find("config.faults.reset_ratio"),
            std::string::npos);
  EXPECT_NE(error_of([] { patch_config({}, R"({"rate_limit":{"mode":"503"}})"); }).find("mode"),
            std::string::npos);
  EXPECT_NE(error_of([] { patch_config({}, R"({"duplicate_policy":"maybe"})"); }).find("maybe"),
            std::string::npos);
  EXPECT_NE(error_of([] { patch_config({}, R"({"routes_absent":"yes"})"); }).find("true or false"),
            std::string::npos);
  EXPECT_NE(error_of([] { patch_config({}, "{"); }).find("not valid JSON"), std::string::npos);
  EXPECT_NE(error_of([] { patch_config({}, "[]"); }).find("JSON object"), std::string::npos);
}

TEST(Control, CollectionDefaultsMatchSpec) {
  const auto c = parse_collection(R"({"name":"ext_books"})");
  EXPECT_EQ(c.database, "default");
  EXPECT_TRUE(c.external);
  EXPECT_EQ(c.source, "s3://bucket/ext_books/");
  EXPECT_EQ(c.spec, R"({"format":"parquet"})");
  EXPECT_EQ(c.job.pending_ms, 100);
  EXPECT_EQ(c.job.running_ms, 1000);
  EXPECT_FALSE(c.job.fail);
}

TEST(Control, CollectionFieldsAreRead) {
  const auto c = parse_collection(
      R"({"database":"media","name":"m","external":true,"source":"","spec":"",
          "job":{"pending_ms":5,"running_ms":6,"outcome":"failed","reason":"r",
          "pending_reason":"p"}})");
  EXPECT_EQ(c.database, "media");
  EXPECT_TRUE(c.source.empty());
  EXPECT_TRUE(c.spec.empty());
  EXPECT_EQ(c.job.pending_ms, 5);
  EXPECT_EQ(c.job.running_ms, 6);
  EXPECT_TRUE(c.job.fail);
  EXPECT_EQ(c.job.reason, "r");
  EXPECT_EQ(c.job.pending_reason, "p");
  EXPECT_EQ(parse_collection(R"({"name":"x","spec":{"format":"vortex"}})").spec,
            R"({"format":"vortex"})");
}

TEST(Control, BadCollectionIsRejected) {
  EXPECT_NE(error_of([] { parse_collection("{}"); }).find("collection.name"), std::string::npos);
  EXPECT_NE(error_of([] {
              parse_collection(R"({"name":"x","job":{"outcome":"meh"}})");
            }).find("collection.job.outcome"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              parse_collection(R"({"name":"x","job":{"running_ms":-1}})");
            }).find("running_ms"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_collection(R"({"name":"x","colour":"red"})"); }).find("colour"),
            std::string::npos);
}

TEST(Control, ServabilityFieldsDefaultAndAreRead) {
  auto c = parse_collection(R"({"name":"x"})");
  EXPECT_EQ(c.indexes, std::vector<std::string>{"vector"});
  EXPECT_EQ(c.rows, 1000);
  EXPECT_EQ(c.index.rows_per_s, 1000);
  EXPECT_FALSE(c.index.fail);
  EXPECT_TRUE(c.index.reason.empty());
  EXPECT_TRUE(c.load.loaded);
  EXPECT_EQ(c.load.load_ms, 0);
  c = parse_collection(R"({"name":"x","indexes":["a","b"],"rows":5,
      "index":{"rows_per_s":0,"outcome":"failed","reason":"r"},"load":{"loaded":false,"load_ms":9}})");
  EXPECT_EQ(c.indexes, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(c.rows, 5);
  EXPECT_EQ(c.index.rows_per_s, 0);
  EXPECT_TRUE(c.index.fail);
  EXPECT_EQ(c.index.reason, "r");
  EXPECT_FALSE(c.load.loaded);
  EXPECT_EQ(c.load.load_ms, 9);
  EXPECT_TRUE(parse_collection(R"({"name":"x","indexes":[]})").indexes.empty());
  EXPECT_FALSE(parse_collection(R"({"name":"x","index":{"outcome":"finished"}})").index.fail);
}

TEST(Control, BadServabilityFieldsNameTheKey) {
  const auto bad = [](const char* text) { return error_of([text] { parse_collection(text); }); };
  EXPECT_NE(bad(R"({"name":"x","rows":-1})").find("collection.rows: must be between 0"),
            std::string::npos);
  EXPECT_NE(bad(R"({"name":"x","rows":"many"})").find("collection.rows: expected an integer"),
            std::string::npos);
  EXPECT_NE(bad(R"({"name":"x","index":{"rows_per_s":-5}})").find("collection.index.rows_per_s"),
            std::string::npos);
  EXPECT_NE(bad(R"({"name":"x","index":{"rows_per_s":1.5}})").find("expected an integer"),
            std::string::npos);
  EXPECT_NE(bad(R"({"name":"x","index":{"outcome":"done"}})").find("collection.index.outcome"),
            std::string::npos);
  EXPECT_NE(bad(R"({"name":"x","index":{"reason":3}})").find("collection.index.reason"),
            std::string::npos);
  EXPECT_NE(bad(R"({"name":"x","index":{"speed":3}})").find("collection.index.speed"),
            std::string::npos);
  EXPECT_NE(bad(R"({"name":"x","index":[]})").find("collection.index: expected a JSON object"),
            std::string::npos);
  EXPECT_NE(bad(R"({"name":"x","load":{"loaded":"yes"}})").find("collection.load.loaded"),
            std::string::npos);
  EXPECT_NE(bad(R"({"name":"x","load":{"load_ms":-1}})").find("collection.load.load_ms"),
            std::string::npos);
  EXPECT_NE(bad(R"({"name":"x","indexes":"vector"})").find("collection.indexes: expected an array"),
            std::string::npos);
  EXPECT_NE(bad(R"({"name":"x","indexes":["a",1]})").find("collection.indexes[1]"),
            std::string::npos);
  EXPECT_NE(bad(R"({"name":"x","indexes":[""]})").find("collection.indexes[0]: must not be empty"),
            std::string::npos);
  EXPECT_NE(bad(R"({"name":"x","indexes":["a","a"]})").find("duplicate index name \"a\""),
            std::string::npos);
  EXPECT_NE(bad(R"({"name":"x","indexes":["0","1","2","3","4","5","6","7","8","9","10","11","12",
                    "13","14","15","16"]})")
                .find("at most 16"),
            std::string::npos);
}

TEST(Control, ServabilityRoutesAbsentSwitch) {
  EXPECT_FALSE(sim_config{}.servability_routes_absent);
  const auto cfg = patch_config({}, R"({"servability_routes_absent":true})");
  EXPECT_TRUE(cfg.servability_routes_absent);
  EXPECT_FALSE(cfg.routes_absent);
  EXPECT_EQ(json::parse(config_json(cfg))["servability_routes_absent"], true);
  EXPECT_NE(error_of([] {
              patch_config({}, R"({"servability_routes_absent":1})");
            }).find("config.servability_routes_absent: expected true or false"),
            std::string::npos);
  simulator sim;
  const auto r = handle_control(sim, "POST", "/_sim/collections", R"({"name":"x","rows":-1})");
  EXPECT_EQ(r.http_status, 400);
  EXPECT_NE(json::parse(r.body)["error"].get<std::string>().find("collection.rows"),
            std::string::npos);
  EXPECT_EQ(sim.state().collection_count(), 0u);
}

TEST(Control, ScenarioAppliesConfigAndCollections) {
  simulator sim;
  apply_scenario(sim, R"({"config":{"duplicate_policy":"same_id"},
                          "collections":[{"name":"a"},{"name":"b","external":false}]})");
  EXPECT_EQ(sim.config().duplicates, duplicate_policy::same_id);
  EXPECT_EQ(sim.state().collection_count(), 2u);
  EXPECT_NE(error_of([&] {
              apply_scenario(sim, R"({"collections":[{"name":"ok"},{}]})");
            }).find("scenario.collections[1]"),
            std::string::npos);
  EXPECT_NE(error_of([&] { apply_scenario(sim, R"({"colections":[]})"); }).find("colections"),
            std::string::npos);
}

TEST(Control, HttpControlEndpoints) {
  simulator sim;
  auto r = handle_control(sim, "POST", "/_sim/collections", R"([{"name":"a"},{"name":"b"}])");
  EXPECT_EQ(r.http_status, 200) << r.body;
  EXPECT_EQ(sim.state().collection_count(), 2u);
  r = handle_control(sim, "POST", "/_sim/config", R"({"latency_ms":5,"auth_token":"secret"})");
  EXPECT_EQ(r.http_status, 200);
  const auto cfg = json::parse(r.body);
  EXPECT_EQ(cfg["latency_ms"], 5);
  EXPECT_EQ(cfg["auth_token"], "***") << "the token is never echoed";
  EXPECT_EQ(cfg["duplicate_policy"], "reject_in_progress");
  r = handle_control(sim, "GET", "/_sim/stats", "");
  EXPECT_EQ(json::parse(r.body)["collections"], 2);
  r = handle_control(sim, "GET", "/_sim/requests?limit=5", "");
  EXPECT_TRUE(json::parse(r.body)["requests"].is_array());
  r = handle_control(sim, "POST", "/_sim/config", R"({"nope":1})");
  EXPECT_EQ(r.http_status, 400);
  EXPECT_NE(json::parse(r.body)["error"].get<std::string>().find("nope"), std::string::npos);
  EXPECT_EQ(sim.config().latency_ms, 5) << "a rejected patch changes nothing";
  EXPECT_EQ(handle_control(sim, "GET", "/_sim/nothing", "").http_status, 404);
  r = handle_control(sim, "POST", "/_sim/reset", "");
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(sim.state().collection_count(), 0u);
  EXPECT_EQ(sim.config().latency_ms, 0);
}

TEST(RateLimiter, AllowsABurstOfRpsThenRefillsOverTime) {
  rate_limiter l;
  l.configure(3);
  EXPECT_TRUE(l.try_acquire(0));
  EXPECT_TRUE(l.try_acquire(0));
  EXPECT_TRUE(l.try_acquire(0));
  EXPECT_FALSE(l.try_acquire(0));
  EXPECT_FALSE(l.try_acquire(300));
  EXPECT_TRUE(l.try_acquire(334));
  EXPECT_FALSE(l.try_acquire(334));
  EXPECT_TRUE(l.try_acquire(10'000));
}

TEST(RateLimiter, ZeroMeansUnlimitedAndFractionalRatesWork) {
  rate_limiter l;
  for (int i = 0; i < 100; ++i) {
    EXPECT_TRUE(l.try_acquire(0));
  }
  l.configure(0.5);
  EXPECT_TRUE(l.try_acquire(0));
  EXPECT_FALSE(l.try_acquire(1999));
  EXPECT_TRUE(l.try_acquire(2100));
}

TEST(RateLimiter, ClockGoingBackwardsRefillsNothing) {
  rate_limiter l;
  l.configure(1);
  EXPECT_TRUE(l.try_acquire(5000));
  EXPECT_FALSE(l.try_acquire(1000));
  EXPECT_FALSE(l.try_acquire(5500));
  EXPECT_TRUE(l.try_acquire(6000));
}

}  // namespace
}  // namespace refreshd::sim
