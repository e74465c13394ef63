// The servability answers of ready_when (api §12): bodies sent, answers read leniently (absent
// counts unknown, spellings varying), errors classified like the job endpoints, 404 as
// unsupported with its own hint, hostile answers refused.
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <refreshd/client/wire.hpp>

namespace refreshd::client {
namespace {

using json = nlohmann::json;

TEST(WireServability, BodiesNameTheCollectionAndTheDatabaseOnlyWhenSet) {
  EXPECT_EQ(json::parse(wire::build_index_list_body({"", "ext_books"})),
            json::parse(R"({"collectionName":"ext_books"})"));
  EXPECT_EQ(json::parse(wire::build_index_describe_body({"db1", "ext_books"}, "vec")),
            json::parse(R"({"dbName":"db1","collectionName":"ext_books","indexName":"vec"})"));
  EXPECT_EQ(json::parse(wire::build_load_state_body({"db1", "c"})),
            json::parse(R"({"dbName":"db1","collectionName":"c"})"));
  EXPECT_EQ(wire::path_for(operation::load_state), "/v2/vectordb/collections/get_load_state");
}

TEST(WireServability, IndexDescribeKeepsCountsAbsentAsUnknownAndTheReasonVerbatim) {
  const auto r = wire::parse_index_describe_response(200, R"({"code":0,"data":[
    {"indexName":"vec","fieldName":"vec","indexType":"AUTOINDEX","metricType":"COSINE",
     "indexState":"IndexStateInProgress","totalRows":"1000","indexedRows":400,"pendingRows":600},
    {"indexName":"text","indexState":"Failed","failReason":"dim mismatch: tok-SECRET"}]})",
                                                     "tok-SECRET");
  ASSERT_TRUE(r) << describe_error(r.error());
  ASSERT_EQ(r->size(), 2U);
  EXPECT_EQ((*r)[0].state, index_state::in_progress);
  EXPECT_EQ((*r)[0].total_rows, 1000) << "a decimal string";
  EXPECT_EQ((*r)[0].pending_rows, 600);
  EXPECT_FALSE((*r)[1].pending_rows.has_value()) << "absent: unknown, not 0";
  EXPECT_EQ((*r)[1].state, index_state::failed);
  EXPECT_EQ((*r)[1].fail_reason, "dim mismatch: ***") << "our token never travels on";
}

TEST(WireServability, IndexListAndLoadStateAnswers) {
  const auto names = wire::parse_index_list_response(200, R"({"code":0,"data":["vec","text"]})");
  ASSERT_TRUE(names);
  EXPECT_EQ(*names, (std::vector<std::string>{"vec", "text"}));
  EXPECT_TRUE(wire::parse_index_list_response(200, R"({"code":0,"data":[]})")->empty());
  const auto l = wire::parse_load_state_response(
      200, R"({"code":0,"data":{"loadState":"LoadStateLoading","loadProgress":140}})");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->state, load_state::loading);
  EXPECT_EQ(l->progress, 100) << "clamped";
  const auto done =
      wire::parse_load_state_response(200, R"({"code":0,"data":{"loadState":"LoadStateLoaded"}})");
  ASSERT_TRUE(done);
  EXPECT_FALSE(done->progress.has_value());
}

TEST(WireServability, ErrorsAreClassifiedAndA404SaysReadyWhenDegrades) {
  const auto absent = wire::parse_index_list_response(404, "404 page not found");
  ASSERT_FALSE(absent);
  EXPECT_EQ(absent.error().kind, error_class::unsupported);
  EXPECT_NE(absent.error().message.find("/v2/vectordb/indexes/list"), std::string::npos);
  EXPECT_NE(absent.error().message.find("ready_when degrades to completed"), std::string::npos);
  const auto missing = wire::parse_load_state_response(
      200, R"({"code":100,"message":"collection not found[collection=x]"})");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, error_class::not_found);
  EXPECT_EQ(
      wire::parse_index_describe_response(200, R"({"code":1807,"message":"rate"})").error().kind,
      error_class::rate_limited);
}

TEST(WireServability, HostileOrMalformedAnswersAreBadResponses) {
  for (const std::string& body :
       {std::string(R"({"code":0,"data":{"x":1}})"), std::string(R"({"code":0,"data":[1]})"),
        std::string(R"({"code":0})"), std::string("not json"),
        std::string(100, '[') + std::string(100, ']'),
        R"({"code":0,"data":[)" + std::string(300 * 1024, ' ') + "]}"}) {
    const auto r = wire::parse_index_list_response(200, body);
    ASSERT_FALSE(r) << body.substr(0, 40);
    EXPECT_EQ(r.error().kind, error_class::bad_response) << body.substr(0, 40);
  }
  std::string many = R"({"code":0,"data":[)";
  for (int i = 0; i < 65; ++i) {
    many += (i ? ",\"i" : "\"i") + std::to_string(i) + "\"";
  }
  EXPECT_EQ(wire::parse_index_list_response(200, many + "]}").error().kind,
            error_class::bad_response)
      << "more than max_indexes";
  EXPECT_EQ(wire::parse_index_describe_response(
                200, R"({"code":0,"data":[{"indexName":"v","indexState":"Finished",
                "pendingRows":-3}]})")
                .error()
                .kind,
            error_class::bad_response);
  EXPECT_EQ(
      wire::parse_load_state_response(200, R"({"code":0,"data":{"loadState":3}})").error().kind,
      error_class::bad_response);
}

}  // namespace
}  // namespace refreshd::client
