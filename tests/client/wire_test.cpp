// Request bodies and response decoding of the refresh-job API (contract §2, §8): byte-exact
// bodies, int64 job ids, lenient job info, and robustness against malformed answers.

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include <refreshd/client/types.hpp>
#include <refreshd/client/wire.hpp>

namespace refreshd::client {
namespace {

constexpr std::int64_t big_id = 449503829274509311;
constexpr std::int64_t max_id = 9223372036854775807;

// A describe answer as Milvus renders it (contract §2.4).
constexpr std::string_view describe_running =
    R"({"code":0,"data":{"jobId":449503829274509311,"collectionName":"ext_books",)"
    R"("state":"RefreshInProgress","progress":42,"externalSource":"s3://bucket/books/",)"
    R"("externalSpec":"{\"format\":\"parquet\"}","startTime":1795000000000,"endTime":0}})";

constexpr std::string_view list_two =
    R"({"code":0,"data":{"records":[)"
    R"({"jobId":449503829274509311,"collectionName":"c","state":"RefreshInProgress",)"
    R"("progress":10,"externalSource":"s3://b/","externalSpec":"{}","startTime":1795000002000,)"
    R"("endTime":0},)"
    R"({"jobId":449503829274509300,"collectionName":"c","state":"RefreshFailed","progress":60,)"
    R"("externalSource":"s3://b/","externalSpec":"{}","startTime":1795000000000,)"
    R"("endTime":1795000001000,"reason":"no files found in external source: s3://b/"}]}})";

std::string describe_with(std::string_view data) {
  return R"({"code":0,"data":)" + std::string(data) + "}";
}

std::string job_with(std::string_view extra) {
  return describe_with(R"({"jobId":7,"state":"RefreshPending")" + std::string(extra) + "}");
}

// --- request bodies ---------------------------------------------------------------------

struct body_row {
  std::string built;
  std::string_view expected;
};

TEST(WireRequestTest, BuildsByteExactBodies) {
  refresh_request full{"db1", "ext_books", "s3://bucket/books/",
                       R"({"format":"parquet","columns":["a"]})"};
  refresh_request source_only{"", "c", "s3://b/", std::nullopt};
  const std::vector<body_row> rows = {
      {wire::build_refresh_body({"", "ext_books", {}, {}}), R"({"collectionName":"ext_books"})"},
      {wire::build_refresh_body({"db1", "ext_books", {}, {}}),
       R"({"collectionName":"ext_books","dbName":"db1"})"},
      {wire::build_refresh_body(full),
       R"({"collectionName":"ext_books","dbName":"db1","externalSource":"s3://bucket/books/",)"
       R"("externalSpec":"{\"format\":\"parquet\",\"columns\":[\"a\"]}"})"},
      {wire::build_refresh_body(source_only),
       R"({"collectionName":"c","externalSource":"s3://b/"})"},
      {wire::build_refresh_body({"", "b\u00fccher \"x\"\n", {}, {}}),
       "{\"collectionName\":\"b\u00fccher \\\"x\\\"\\n\"}"},
      {wire::build_describe_body({big_id, false}), R"({"jobId":449503829274509311})"},
      {wire::build_describe_body({max_id, false}), R"({"jobId":9223372036854775807})"},
      {wire::build_describe_body({big_id, true}), R"({"jobId":"449503829274509311"})"},
      {wire::build_describe_body({max_id, true}), R"({"jobId":"9223372036854775807"})"},
      {wire::build_list_body({}), "{}"},
      {wire::build_list_body({"db1", ""}), R"({"dbName":"db1"})"},
      {wire::build_list_body({"", "c"}), R"({"collectionName":"c"})"},
      {wire::build_list_body({"db1", "c"}), R"({"dbName":"db1","collectionName":"c"})"},
  };
  for (const auto& row : rows) {
    EXPECT_EQ(row.built, row.expected);
  }
}

TEST(WireRequestTest, ReplacesInvalidUtf8InsteadOfThrowing) {
  std::string body;
  EXPECT_NO_THROW(body = wire::build_refresh_body({"", "bad\xff", {}, {}}));
  EXPECT_EQ(body, "{\"collectionName\":\"bad\xef\xbf\xbd\"}");
}

TEST(WireRequestTest, PathsFollowTheContract) {
  EXPECT_EQ(wire::path_for(operation::refresh), "/v2/vectordb/jobs/external_collection/refresh");
  EXPECT_EQ(wire::path_for(operation::describe), "/v2/vectordb/jobs/external_collection/describe");
  EXPECT_EQ(wire::path_for(operation::list), "/v2/vectordb/jobs/external_collection/list");
}

// --- job ids ------------------------------------------------------------------------------

struct id_row {
  std::string_view json_id;
  std::int64_t value;
  bool quoted;
  std::string_view echoed;  // describe body built from the parsed id
};

TEST(WireJobIdTest, ReadsInt64IdsExactlyAndEchoesTheirForm) {
  const std::vector<id_row> rows = {
      {"449503829274509311", big_id, false, R"({"jobId":449503829274509311})"},
      {"9223372036854775807", max_id, false, R"({"jobId":9223372036854775807})"},
      {"1", 1, false, R"({"jobId":1})"},
      {R"("449503829274509311")", big_id, true, R"({"jobId":"449503829274509311"})"},
      {R"("9223372036854775807")", max_id, true, R"({"jobId":"9223372036854775807"})"},
  };
  for (const auto& row : rows) {
    const std::string body = R"({"code":0,"data":{"jobId":)" + std::string(row.json_id) + "}}";
    auto r = wire::parse_refresh_response(200, body);
    ASSERT_TRUE(r.has_value()) << body << ": " << r.error().message;
    EXPECT_EQ(r->value, row.value);
    EXPECT_EQ(r->quoted, row.quoted);
    EXPECT_EQ(wire::build_describe_body(*r), row.echoed);

    auto d = wire::parse_describe_response(
        200, describe_with(R"({"jobId":)" + std::string(row.json_id) + R"(,"state":"Pending"})"));
    ASSERT_TRUE(d.has_value()) << d.error().message;
    EXPECT_EQ(d->id.value, row.value);
    EXPECT_EQ(d->id.quoted, row.quoted);
  }
}

TEST(WireJobIdTest, RejectsIdsThatAreNotPositiveInt64) {
  const std::vector<std::string_view> bad_ids = {
      "9223372036854775808",  // 2^63
      "18446744073709551615",
      "18446744073709551616",
      "4.495e17",
      "449503829274509311.0",
      "0",
      "-1",
      "-9223372036854775808",
      R"("0")",
      R"("-5")",
      R"("abc")",
      R"("job-123")",
      R"("")",
      R"(" 12")",
      R"("12 ")",
      R"("+12")",
      R"("9223372036854775808")",
      R"("00000000000000000000001")",
      "true",
      "{}",
      "[]",
      "null",
  };
  for (auto id : bad_ids) {
    const std::string body = R"({"code":0,"data":{"jobId":)" + std::string(id) + "}}";
    auto r = wire::parse_refresh_response(200, body);
    ASSERT_FALSE(r.has_value()) << body;
    EXPECT_EQ(r.error().kind, error_class::bad_response) << body;
    EXPECT_NE(r.error().message.find("jobId"), std::string::npos) << r.error().message;
    EXPECT_TRUE(r.error().maybe_sent) << "a refresh answered unreadably may have started a job";

    auto d = wire::parse_describe_response(
        200, describe_with(R"({"jobId":)" + std::string(id) + R"(,"state":"Pending"})"));
    ASSERT_FALSE(d.has_value()) << id;
    EXPECT_EQ(d.error().kind, error_class::bad_response);
    EXPECT_FALSE(d.error().maybe_sent);
  }
}

TEST(WireJobIdTest, RefreshNeedsAnObjectWithJobId) {
  for (std::string_view body :
       {R"({"code":0,"data":{}})", R"({"code":0,"data":[]})",
        R"({"code":0,"data":449503829274509311})", R"({"code":0,"data":{"id":1}})"}) {
    auto r = wire::parse_refresh_response(200, body);
    ASSERT_FALSE(r.has_value()) << body;
    EXPECT_EQ(r.error().kind, error_class::bad_response) << body;
  }
}

// --- job info -------------------------------------------------------------------------------

TEST(WireJobInfoTest, ParsesEveryField) {
  auto r = wire::parse_describe_response(200, describe_running);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->id.value, big_id);
  EXPECT_FALSE(r->id.quoted);
  EXPECT_EQ(r->collection_name, "ext_books");
  EXPECT_EQ(r->state, job_state::in_progress);
  EXPECT_EQ(r->state_text, "RefreshInProgress");
  EXPECT_EQ(r->progress, 42);
  EXPECT_EQ(r->external_source, "s3://bucket/books/");
  EXPECT_EQ(r->external_spec, std::optional<std::string>(R"({"format":"parquet"})"));
  EXPECT_EQ(r->start_time_ms, 1795000000000);
  EXPECT_EQ(r->end_time_ms, 0) << "endTime 0 while running is not a timestamp";
  EXPECT_FALSE(r->reason.has_value());
}

TEST(WireJobInfoTest, ReasonOnPendingJobKeepsItNonTerminal) {
  auto r = wire::parse_describe_response(
      200, job_with(R"(,"reason":"explore failed: SlowDown, will retry","endTime":0)"));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->state, job_state::pending);
  EXPECT_TRUE(is_active(r->state));
  EXPECT_FALSE(is_terminal(r->state));
  EXPECT_EQ(r->reason, std::optional<std::string>("explore failed: SlowDown, will retry"));
}

struct lenient_row {
  std::string_view extra;  // keys added to {"jobId":7,"state":"RefreshPending"...}
  int progress;
  std::int64_t start;
  std::int64_t end;
  bool has_reason;
  bool has_spec;
};

TEST(WireJobInfoTest, ToleratesMissingOddAndUnknownFields) {
  const std::vector<lenient_row> rows = {
      {"", 0, 0, 0, false, false},
      {R"(,"progress":150)", 100, 0, 0, false, false},
      {R"(,"progress":-3)", 0, 0, 0, false, false},
      {R"(,"progress":"42")", 42, 0, 0, false, false},
      {R"(,"progress":42.9)", 42, 0, 0, false, false},
      {R"(,"progress":null,"reason":null,"externalSpec":null)", 0, 0, 0, false, false},
      {R"(,"startTime":"1795000000000","endTime":"1795000001000")", 0, 1795000000000, 1795000001000,
       false, false},
      {R"(,"startTime":1.795e12,"endTime":-1)", 0, 1795000000000, 0, false, false},
      {R"(,"reason":"")", 0, 0, 0, false, false},
      {R"(,"reason":"boom")", 0, 0, 0, true, false},
      {R"(,"externalSpec":"***")", 0, 0, 0, false, true},
      {R"(,"externalSpec":{"format":"parquet"})", 0, 0, 0, false, true},
      {R"(,"futureKey":{"nested":[1,2,{"x":null}]},"trace":"abc","jobType":3)", 0, 0, 0, false,
       false},
  };
  for (const auto& row : rows) {
    auto r = wire::parse_describe_response(200, job_with(row.extra));
    ASSERT_TRUE(r.has_value()) << row.extra << ": " << r.error().message;
    EXPECT_EQ(r->progress, row.progress) << row.extra;
    EXPECT_EQ(r->start_time_ms, row.start) << row.extra;
    EXPECT_EQ(r->end_time_ms, row.end) << row.extra;
    EXPECT_EQ(r->reason.has_value(), row.has_reason) << row.extra;
    EXPECT_EQ(r->external_spec.has_value(), row.has_spec) << row.extra;
    EXPECT_EQ(r->collection_name, "");
  }
  auto inlined = wire::parse_describe_response(200, job_with(R"(,"externalSpec":{"a":1})"));
  ASSERT_TRUE(inlined.has_value());
  EXPECT_EQ(inlined->external_spec, std::optional<std::string>(R"({"a":1})"));
}

TEST(WireJobInfoTest, ReadsStateSpellingsAndEnumNumbers) {
  const std::vector<std::pair<std::string_view, job_state>> rows = {
      {R"("RefreshCompleted")", job_state::completed},
      {R"("RUNNING")", job_state::in_progress},
      {R"("SUCCEEDED")", job_state::completed},
      {R"("Failed")", job_state::failed},
      {R"("Paused")", job_state::unknown},
      {"0", job_state::pending},
      {"1", job_state::in_progress},
      {"2", job_state::completed},
      {"3", job_state::failed},
      {"9", job_state::unknown},
  };
  for (const auto& [state, expected] : rows) {
    auto r = wire::parse_describe_response(
        200, describe_with(R"({"jobId":7,"state":)" + std::string(state) + "}"));
    ASSERT_TRUE(r.has_value()) << state << ": " << r.error().message;
    EXPECT_EQ(r->state, expected) << state;
  }
  auto unknown =
      wire::parse_describe_response(200, describe_with(R"({"jobId":7,"state":"Paused"})"));
  EXPECT_EQ(unknown->state_text, "Paused") << "kept for the log line";
}

TEST(WireJobInfoTest, RejectsJobInfoWithoutItsEssentials) {
  const std::vector<std::pair<std::string_view, std::string_view>> rows = {
      {"{}", "empty job info"},
      {R"({"state":"RefreshPending"})", "jobId"},
      {R"({"jobId":7})", "state"},
      {R"({"jobId":7,"state":null})", "state"},
      {R"({"jobId":7,"state":true})", "state"},
      {R"({"jobId":7,"state":"Pending","collectionName":5})", "collectionName"},
      {R"({"jobId":7,"state":"Pending","externalSource":[]})", "externalSource"},
      {R"({"jobId":7,"state":"Pending","reason":{}})", "reason"},
      {R"({"jobId":7,"state":"Pending","progress":"lots"})", "progress"},
      {R"({"jobId":7,"state":"Pending","progress":1e300})", "progress"},
      {R"({"jobId":7,"state":"Pending","startTime":18446744073709551615})", "startTime"},
      {R"({"jobId":7,"state":"Pending","endTime":false})", "endTime"},
      {"[]", "not a JSON object"},
      {R"("RefreshPending")", "not a JSON object"},
      {"42", "not a JSON object"},
  };
  for (const auto& [data, part] : rows) {
    auto r = wire::parse_describe_response(200, describe_with(data));
    ASSERT_FALSE(r.has_value()) << data;
    EXPECT_EQ(r.error().kind, error_class::bad_response) << data;
    EXPECT_NE(r.error().message.find(part), std::string::npos) << r.error().message;
  }
}

// --- list ------------------------------------------------------------------------------------

TEST(WireListTest, ParsesRecordsInServerOrder) {
  auto r = wire::parse_list_response(200, list_two);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->size(), 2U);
  EXPECT_EQ((*r)[0].id.value, big_id);
  EXPECT_EQ((*r)[0].state, job_state::in_progress);
  EXPECT_EQ((*r)[1].id.value, 449503829274509300);
  EXPECT_EQ((*r)[1].state, job_state::failed);
  EXPECT_EQ((*r)[1].progress, 60);
  EXPECT_EQ((*r)[1].reason,
            std::optional<std::string>("no files found in external source: s3://b/"));
}

TEST(WireListTest, EmptyNullOrMissingRecordsMeanNoJobs) {
  for (std::string_view body :
       {R"({"code":0,"data":{"records":[]}})", R"({"code":0,"data":{"records":null}})",
        R"({"code":0,"data":{}})"}) {
    auto r = wire::parse_list_response(200, body);
    ASSERT_TRUE(r.has_value()) << body;
    EXPECT_TRUE(r->empty()) << body;
  }
}

TEST(WireListTest, RejectsBadRecordsNamingTheIndex) {
  const std::vector<std::pair<std::string_view, std::string_view>> rows = {
      {R"({"code":0,"data":{"records":{}}})", "records"},
      {R"({"code":0,"data":{"records":"none"}})", "records"},
      {R"({"code":0,"data":[]})", "data"},
      {R"({"code":0,"data":{"records":[{"jobId":1,"state":"Pending"},{"jobId":-2,"state":"x"}]}})",
       "records[1]"},
      {R"({"code":0,"data":{"records":[{"jobId":1,"state":"Pending"},7]}})", "records[1]"},
      {R"({"code":0,"data":{"records":[{}]}})", "records[0]"},
  };
  for (const auto& [body, part] : rows) {
    auto r = wire::parse_list_response(200, body);
    ASSERT_FALSE(r.has_value()) << body;
    EXPECT_EQ(r.error().kind, error_class::bad_response);
    EXPECT_NE(r.error().message.find(part), std::string::npos) << r.error().message;
  }
}

}  // namespace
}  // namespace refreshd::client
