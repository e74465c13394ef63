// Hostile and broken answers: malformed envelopes, truncation at every byte, deep nesting,
// oversized numbers and bodies (docs/SECURITY.md). The parsers must return bad_response, never
// crash.

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include <refreshd/client/types.hpp>
#include <refreshd/client/wire.hpp>

namespace refreshd::client {
namespace {

constexpr std::string_view refresh_ok = R"({"code":0,"data":{"jobId":449503829274509311}})";
constexpr std::string_view describe_ok =
    R"({"code":0,"data":{"jobId":449503829274509311,"collectionName":"ext_books",)"
    R"("state":"RefreshFailed","progress":60,"externalSource":"s3://b/",)"
    R"("externalSpec":"{\"format\":\"parquet\"}","startTime":1795000000000,)"
    R"("endTime":1795000001000,"reason":"timeout, last failure: \u00e9 [x]"}})";
constexpr std::string_view list_ok =
    R"({"code":0,"data":{"records":[{"jobId":"1","state":"Running","progress":5},)"
    R"({"jobId":2,"state":"RefreshCompleted","progress":100}]}})";

struct outcome {
  bool ok = false;
  api_error error;
};

outcome run(operation op, int status, std::string_view body) {
  switch (op) {
    case operation::refresh: {
      auto r = wire::parse_refresh_response(status, body);
      return r ? outcome{true, {}} : outcome{false, r.error()};
    }
    case operation::describe: {
      auto r = wire::parse_describe_response(status, body);
      return r ? outcome{true, {}} : outcome{false, r.error()};
    }
    case operation::index_list: {
      auto r = wire::parse_index_list_response(status, body);
      return r ? outcome{true, {}} : outcome{false, r.error()};
    }
    case operation::index_describe: {
      auto r = wire::parse_index_describe_response(status, body);
      return r ? outcome{true, {}} : outcome{false, r.error()};
    }
    case operation::load_state: {
      auto r = wire::parse_load_state_response(status, body);
      return r ? outcome{true, {}} : outcome{false, r.error()};
    }
    case operation::list:
      break;
  }
  auto r = wire::parse_list_response(status, body);
  return r ? outcome{true, {}} : outcome{false, r.error()};
}

constexpr operation all_ops[] = {operation::refresh,        operation::describe,
                                 operation::list,           operation::index_list,
                                 operation::index_describe, operation::load_state};

TEST(WireRobustnessTest, MalformedSuccessEnvelopesAreBadResponses) {
  const std::vector<std::pair<std::string_view, std::string_view>> rows = {
      {"", "empty"},
      {"   ", "not valid JSON"},
      {"not json", "not valid JSON"},
      {"<html><body>OK</body></html>", "not valid JSON"},
      {"[]", "not a JSON object"},
      {"null", "not a JSON object"},
      {"0", "not a JSON object"},
      {R"("code")", "not a JSON object"},
      {"{}", "no \"code\""},
      {R"({"data":{"jobId":1}})", "no \"code\""},
      {R"({"code":"0","data":{"jobId":1}})", "not an integer"},
      {R"({"code":0.0,"data":{"jobId":1}})", "not an integer"},
      {R"({"code":null,"data":{"jobId":1}})", "not an integer"},
      {R"({"code":true,"data":{"jobId":1}})", "not an integer"},
      {R"({"code":18446744073709551615,"data":{"jobId":1}})", "out of range"},
      {R"({"code":0})", "without \"data\""},
      {R"({"code":0,"data":null})", "without \"data\""},
      {R"({"code":0,"data":{"jobId":1}} trailing)", "not valid JSON"},
      {R"({"code":0,"data":{"jobId":1}}{"code":0})", "not valid JSON"},
      {R"({"code":0,"data":{"jobId":1},})", "not valid JSON"},
      {"{\"code\":0,\"data\":{\"jobId\":1,\"collectionName\":\"\xff\"}}", "not valid JSON"},
      {R"({"code":0,/*c*/"data":{"jobId":1}})", "not valid JSON"},
  };
  for (auto op : all_ops) {
    for (const auto& [body, part] : rows) {
      auto o = run(op, 200, body);
      ASSERT_FALSE(o.ok) << to_string(op) << " " << body;
      EXPECT_EQ(o.error.kind, error_class::bad_response) << body;
      EXPECT_EQ(o.error.http_status, 200);
      EXPECT_NE(o.error.message.find(part), std::string::npos) << o.error.message;
      EXPECT_EQ(o.error.maybe_sent, op == operation::refresh);
    }
  }
}

TEST(WireRobustnessTest, EveryTruncationIsBadResponseUnlessStillComplete) {
  const std::vector<std::pair<operation, std::string>> bodies = {
      {operation::refresh, std::string(refresh_ok) + "\n"},
      {operation::describe, std::string(describe_ok)},
      {operation::list, std::string(list_ok) + " "},
  };
  int checked = 0;
  for (const auto& [op, body] : bodies) {
    ASSERT_TRUE(run(op, 200, body).ok) << body;
    const auto complete = body.find_last_of('}') + 1;
    for (std::size_t n = 0; n < body.size(); ++n) {
      const std::string_view prefix(body.data(), n);
      auto o = run(op, 200, prefix);
      if (n >= complete) {
        EXPECT_TRUE(o.ok) << "only trailing whitespace cut: " << prefix;
      } else {
        ASSERT_FALSE(o.ok) << prefix;
        EXPECT_EQ(o.error.kind, error_class::bad_response) << prefix;
      }
      // The other parsers must survive every prefix too.
      for (auto other : all_ops) {
        (void)run(other, 200, prefix);
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 400);
}

TEST(WireRobustnessTest, TruncatedErrorEnvelopeKeepsClassFromStatus) {
  const std::string body = R"({"code":10001,"message":"request timeout"})";
  for (std::size_t n = 0; n < body.size(); ++n) {
    auto o = run(operation::refresh, 408, std::string_view(body.data(), n));
    ASSERT_FALSE(o.ok);
    EXPECT_EQ(o.error.kind, error_class::transient);
    EXPECT_TRUE(o.error.maybe_sent);
  }
}

TEST(WireRobustnessTest, RejectsDeepNestingBeforeParsing) {
  for (std::size_t depth : {65U, 1000U, 200000U}) {
    const std::string deep = std::string(depth, '[') + std::string(depth, ']');
    const std::string inside =
        R"({"code":0,"data":{"jobId":7,"state":"Pending","x":)" + deep + "}}";
    for (auto op : all_ops) {
      for (const auto& body : {deep, inside, std::string(depth, '{')}) {
        auto o = run(op, 200, body);
        ASSERT_FALSE(o.ok);
        EXPECT_EQ(o.error.kind, error_class::bad_response);
      }
    }
    auto o = run(operation::describe, 200, inside);
    EXPECT_NE(o.error.message.find("nests deeper than 64"), std::string::npos) << o.error.message;
    // On an error status the body is only read for an envelope: still no crash, class by status.
    auto e = run(operation::list, 503, deep);
    EXPECT_EQ(e.error.kind, error_class::transient);
  }
}

TEST(WireRobustnessTest, AcceptsNestingUpToTheCapAndIgnoresBracketsInStrings) {
  // Envelope + job object (describe's data) = 2 levels; 62 more reach the cap of 64 exactly.
  const std::string nested = std::string(62, '[') + std::string(62, ']');
  const std::string body = R"({"code":0,"data":{"jobId":7,"state":"Pending","x":)" + nested +
                           R"(,"reason":"[[[[{{{{\"\\)" + std::string(500, '[') + R"("}})";
  auto r = wire::parse_describe_response(200, body);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_TRUE(r->reason->ends_with(std::string(500, '[')));

  const std::string one_more = R"({"code":0,"data":{"jobId":7,"state":"Pending","x":)" +
                               std::string(63, '[') + std::string(63, ']') + "}}";
  EXPECT_FALSE(wire::parse_describe_response(200, one_more).has_value());
}

TEST(WireRobustnessTest, OversizedNumbersNeverWrapAround) {
  for (std::string_view id :
       {"9223372036854775808", "99999999999999999999999999999999", "1e400", "-1e400"}) {
    const std::string body = R"({"code":0,"data":{"jobId":)" + std::string(id) + "}}";
    auto r = wire::parse_refresh_response(200, body);
    ASSERT_FALSE(r.has_value()) << id;
    EXPECT_EQ(r.error().kind, error_class::bad_response) << id;
  }
  auto big_code = run(operation::describe, 200, R"({"code":99999999999,"message":"x"})");
  EXPECT_EQ(big_code.error.kind, error_class::invalid);
  EXPECT_EQ(big_code.error.code, 99999999999);
}

TEST(WireRobustnessTest, LargeValidListIsParsedCompletely) {
  std::string body = R"({"code":0,"data":{"records":[)";
  constexpr int count = 5000;
  for (int i = 1; i <= count; ++i) {
    body += R"({"jobId":)" + std::to_string(449503829274509311 - i) +
            R"(,"collectionName":"c","state":"RefreshCompleted","progress":100,)"
            R"("externalSource":"s3://b/","externalSpec":"{}","startTime":1,"endTime":2})";
    body += i == count ? "" : ",";
  }
  body += "]}}";
  wire::list_keep all;
  all.max_records = count;
  auto r = wire::parse_list_response(200, body, all);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->size(), static_cast<std::size_t>(count));
  EXPECT_EQ(r->back().id.value, 449503829274509311 - count);
  // By default at most default_list_records are kept (equal terminal jobs: answer order).
  auto kept = wire::parse_list_answer(200, body, {});
  ASSERT_TRUE(kept.has_value()) << kept.error().message;
  ASSERT_EQ(kept->jobs.size(), default_list_records);
  EXPECT_EQ(kept->dropped, count - default_list_records);
  EXPECT_EQ(kept->jobs.back().id.value,
            449503829274509311 - static_cast<std::int64_t>(default_list_records));
}

TEST(WireRobustnessTest, ByteMutationsNeverCrash) {
  // Cheap deterministic fuzzing: every position overwritten with structural characters.
  const std::string base(describe_ok);
  int failures = 0;
  for (std::size_t i = 0; i < base.size(); ++i) {
    for (char c : {'"', '{', ']', '\\', '\0', '9', '-', '\x80'}) {
      std::string body = base;
      body[i] = c;
      for (auto op : all_ops) {
        auto o = run(op, 200, body);
        failures += o.ok ? 0 : 1;
        if (!o.ok) {
          EXPECT_FALSE(o.error.message.empty());
        }
      }
    }
  }
  EXPECT_GT(failures, 0);
}

}  // namespace
}  // namespace refreshd::client
