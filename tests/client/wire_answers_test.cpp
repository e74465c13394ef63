// Memory driven by the cluster's answers (issue 11, docs/SECURITY.md): a huge list
// answer keeps only the records that matter, and job reasons and state text are capped and
// scrubbed of the external spec before they are kept.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include <refreshd/client/types.hpp>
#include <refreshd/client/wire.hpp>

namespace refreshd::client {
namespace {

constexpr std::size_t huge_records = 262'000;
constexpr std::size_t kept_at_most = 1000;        // default_list_records
constexpr std::size_t reason_cap = 4096;          // max_reason_bytes
constexpr std::size_t state_cap = 64;             // max_state_bytes
constexpr std::int64_t first_id = 3'000'000'000;  // 10 digits: 262,000 records fit 8 MiB

/// A list answer of `count` compact terminal records (ids first_id - i, newest first), with
/// record `active_at` in progress and record `bad_at` malformed (none when >= count).
std::string huge_list(std::size_t count, std::size_t active_at, std::size_t bad_at = SIZE_MAX) {
  std::string body = R"({"code":0,"data":{"records":[)";
  body.reserve(count * 40 + 64);
  for (std::size_t i = 0; i < count; ++i) {
    body += i == 0 ? "" : ",";
    if (i == bad_at) {
      body += R"({"state":2})";
      continue;
    }
    body += R"({"jobId":)" + std::to_string(first_id - static_cast<std::int64_t>(i)) +
            (i == active_at ? R"(,"state":1})" : R"(,"state":2})");
  }
  body += "]}}";
  return body;
}

/// True when `s` ends inside a multi-byte UTF-8 character (a cut in the wrong place).
bool ends_mid_character(std::string_view s) {
  std::size_t i = s.size();
  std::size_t continuation = 0;
  while (i > 0 && (static_cast<unsigned char>(s[i - 1]) & 0xC0U) == 0x80U) {
    --i;
    ++continuation;
  }
  if (i == 0) {
    return continuation > 0;
  }
  const auto lead = static_cast<unsigned char>(s[i - 1]);
  const std::size_t need = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0;
  return need != continuation;
}

TEST(WireAnswersTest, HugeListKeepsTheActiveJobAndTheNewestRecordsOnly) {
  const std::size_t active_at = 200'000;  // far below the records a naive cap would keep
  const std::string body = huge_list(huge_records, active_at);
  ASSERT_LT(body.size(), std::size_t{8} * 1024 * 1024) << "fits the client's body cap";
  auto r = wire::parse_list_response(200, body);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_LE(r->size(), kept_at_most) << "kept " << r->size() << " of " << huge_records;
  ASSERT_FALSE(r->empty());
  EXPECT_EQ(r->front().id.value, first_id) << "the newest record comes first";
  const auto active =
      std::find_if(r->begin(), r->end(), [](const job_info& j) { return is_active(j.state); });
  ASSERT_NE(active, r->end()) << "the only active job was dropped";
  EXPECT_EQ(active->id.value, first_id - static_cast<std::int64_t>(active_at));
  EXPECT_TRUE(std::is_sorted(r->begin(), r->end(), [](const job_info& a, const job_info& b) {
    return a.id.value > b.id.value;
  })) << "kept records stay in answer order";
}

TEST(WireAnswersTest, HugeListStillChecksEveryRecord) {
  const std::string body = huge_list(huge_records, 0, huge_records - 1);
  auto r = wire::parse_list_response(200, body);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, error_class::bad_response);
  EXPECT_NE(r.error().message.find("records[261999]"), std::string::npos) << r.error().message;
}

TEST(WireAnswersTest, DescribeReasonIsCappedOnACharacterBoundary) {
  std::string reason;
  for (int i = 0; i < 50'000; ++i) {
    reason += "\xC3\xA9";  // é, two bytes
  }
  const std::string body =
      R"({"code":0,"data":{"jobId":7,"state":"RefreshFailed","reason":")" + reason + R"("}})";
  auto r = wire::parse_describe_response(200, body);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_TRUE(r->reason.has_value());
  EXPECT_LE(r->reason->size(), reason_cap);
  EXPECT_GT(r->reason->size(), reason_cap - 8) << "cut near the cap, not far below it";
  EXPECT_EQ(r->reason->substr(r->reason->size() - 3), "\xE2\x80\xA6") << "ends in …";
  EXPECT_FALSE(ends_mid_character(r->reason->substr(0, r->reason->size() - 3)));
}

// The job's own spec (secret keys inside) echoed in its reason, straddling the 4 KiB cap: a
// cap before the scrub would keep the spec's first half.
constexpr std::string_view spec_json = R"({\"extfs\":{\"access_key_value\":\"AKIA-SECRET-9\"}})";

std::string job_with_reason(std::string_view reason) {
  return R"({"jobId":7,"state":"RefreshFailed","externalSpec":")" + std::string(spec_json) +
         R"(","reason":")" + std::string(reason) + R"("})";
}

TEST(WireAnswersTest, DescribeReasonIsScrubbedOfTheSpecEvenAcrossTheCap) {
  const std::string short_reason = "bad spec " + std::string(spec_json) + " rejected";
  const std::string straddling =
      std::string(reason_cap - 30, 'x') + std::string(spec_json) + std::string(10'000, 'y');
  for (const auto& reason : {short_reason, straddling}) {
    auto r =
        wire::parse_describe_response(200, R"({"code":0,"data":)" + job_with_reason(reason) + "}");
    ASSERT_TRUE(r.has_value()) << r.error().message;
    ASSERT_TRUE(r->reason.has_value());
    EXPECT_EQ(r->reason->find("AKIA"), std::string::npos) << r->reason->substr(0, 80);
    EXPECT_EQ(r->reason->find("access_key"), std::string::npos);
    EXPECT_LE(r->reason->size(), reason_cap);
  }
  auto r = wire::parse_describe_response(
      200, R"({"code":0,"data":)" + job_with_reason(short_reason) + "}");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->reason, std::optional<std::string>("bad spec *** rejected"));
}

TEST(WireAnswersTest, ListReasonsAreCappedAndScrubbed) {
  const std::string straddling =
      std::string(reason_cap - 30, 'x') + std::string(spec_json) + std::string(10'000, 'y');
  const std::string body = R"({"code":0,"data":{"records":[)" + job_with_reason(straddling) + "," +
                           job_with_reason(std::string(100'000, 'z')) + "]}}";
  auto r = wire::parse_list_response(200, body);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->size(), 2U);
  for (const auto& j : *r) {
    ASSERT_TRUE(j.reason.has_value());
    EXPECT_LE(j.reason->size(), reason_cap);
    EXPECT_EQ(j.reason->find("AKIA"), std::string::npos);
  }
}

TEST(WireAnswersTest, UnknownStateTextIsBounded) {
  const std::string state = "Refresh" + std::string(100'000, 'Z');
  const std::string body = R"({"code":0,"data":{"jobId":7,"state":")" + state + R"("}})";
  auto r = wire::parse_describe_response(200, body);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->state, job_state::unknown);
  EXPECT_LE(r->state_text.size(), state_cap);
  EXPECT_EQ(r->state_text.rfind("RefreshZZ", 0), 0U);
}

TEST(WireAnswersTest, ListKeepsTheCollectionsActiveAndNewestJobsFirstInAnswerOrder) {
  const std::string body =
      R"({"code":0,"data":{"records":[)"
      R"({"jobId":1,"collectionName":"other","state":"RefreshInProgress","startTime":9},)"
      R"({"jobId":2,"collectionName":"c","state":"RefreshCompleted","startTime":1},)"
      R"({"jobId":3,"collectionName":"c","state":"RefreshFailed","startTime":5},)"
      R"({"jobId":4,"collectionName":"c","state":"RefreshPending","startTime":2},)"
      R"({"jobId":5,"collectionName":"c","state":"RefreshCompleted","startTime":3},)"
      R"({"jobId":6,"state":"RefreshCompleted","startTime":4}]}})";
  wire::list_keep keep;
  keep.collection = "c";
  keep.max_records = 3;
  auto r = wire::parse_list_answer(200, body, keep);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->jobs.size(), 3U);
  EXPECT_EQ(r->jobs[0].id.value, 3);  // newest terminal of "c"
  EXPECT_EQ(r->jobs[1].id.value, 4);  // the active job of "c"
  EXPECT_EQ(r->jobs[2].id.value, 6);  // unnamed: counted as the collection's
  EXPECT_EQ(r->dropped, 3U);

  keep.collection = {};  // no collection asked: every record is a candidate
  r = wire::parse_list_answer(200, body, keep);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->jobs.size(), 3U);
  EXPECT_EQ(r->jobs[0].id.value, 1);
  EXPECT_EQ(r->jobs[1].id.value, 3);
  EXPECT_EQ(r->jobs[2].id.value, 4);
}

TEST(WireAnswersTest, ADatabaseListKeepsTheNewestAndTheNewestActiveJobOfEachNamedCollection) {
  // The daemon's startup list of a whole database (docs/DAEMON.md "Startup reconciliation").
  const std::string body =
      R"({"code":0,"data":{"records":[)"
      R"({"jobId":1,"collectionName":"b","state":"RefreshCompleted","startTime":90},)"
      R"({"jobId":2,"collectionName":"other","state":"RefreshInProgress","startTime":80},)"
      R"({"jobId":3,"collectionName":"a","state":"RefreshPending","startTime":70},)"
      R"({"jobId":4,"collectionName":"b","state":"RefreshInProgress","startTime":60},)"
      R"({"jobId":5,"collectionName":"a","state":"RefreshFailed","startTime":50},)"
      R"({"jobId":6,"collectionName":"b","state":"RefreshPending","startTime":40},)"
      R"({"jobId":7,"state":"RefreshInProgress","startTime":99},)"
      R"({"jobId":8,"collectionName":"c","state":"RefreshCompleted","startTime":10},)"
      R"({"jobId":9,"collectionName":"c","state":"RefreshCompleted","startTime":20}]}})";
  const std::vector<std::string> names = {"a", "b", "c", "d"};
  wire::list_keep keep;
  keep.max_records = 1;  // not what limits a database list
  keep.only = &names;
  auto r = wire::parse_list_answer(200, body, keep);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  std::vector<std::int64_t> ids;
  for (const auto& j : r->jobs) {
    ids.push_back(j.id.value);
  }
  // a: 3 is both its newest and its active job (kept once); b: 1 newest, 4 newest active;
  // c: 9 (newer start, later in the answer); "other", the unnamed job and older ones dropped.
  EXPECT_EQ(ids, (std::vector<std::int64_t>{1, 3, 4, 9}));
  EXPECT_EQ(r->dropped, 5U);

  // The same answer read out of order gives the same choice: startTime decides, not position.
  const std::string reversed =
      R"({"code":0,"data":{"records":[)"
      R"({"jobId":9,"collectionName":"c","state":"RefreshCompleted","startTime":20},)"
      R"({"jobId":6,"collectionName":"b","state":"RefreshPending","startTime":40},)"
      R"({"jobId":4,"collectionName":"b","state":"RefreshInProgress","startTime":60},)"
      R"({"jobId":1,"collectionName":"b","state":"RefreshCompleted","startTime":90}]}})";
  r = wire::parse_list_answer(200, reversed, keep);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->jobs.size(), 3U);
  EXPECT_EQ(r->jobs[0].id.value, 9);
  EXPECT_EQ(r->jobs[1].id.value, 4);
  EXPECT_EQ(r->jobs[2].id.value, 1);
}

TEST(WireAnswersTest, LastDuplicateRecordsKeyWins) {
  auto r = wire::parse_list_response(
      200, R"({"code":0,"data":{"records":[{"state":1}],"records":[{"jobId":8,"state":1}]}})");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->size(), 1U);
  EXPECT_EQ((*r)[0].id.value, 8);
}

TEST(WireAnswersTest, UnknownKeysAndUnexpectedContainersAreNotBuiltButStillTyped) {
  // Junk under unknown keys is skipped; a container where a scalar belongs keeps its type.
  auto ok = wire::parse_describe_response(
      200, R"({"code":0,"junk":{"a":[1,2,{"b":3}]},"data":{"jobId":7,"state":"RefreshPending",)"
           R"("extra":[{},{}],"externalSpec":{"format":"parquet","n":[1,2]}}})");
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_EQ(ok->external_spec, std::optional<std::string>(R"({"format":"parquet","n":[1,2]})"));
  auto bad = wire::parse_describe_response(
      200, R"({"code":0,"data":{"jobId":7,"state":"RefreshPending","reason":[1,2,3]}})");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("reason is not a string"), std::string::npos)
      << bad.error().message;
}

TEST(WireAnswersTest, InlineSpecDocumentIsBounded) {
  std::string spec = "[";
  for (int i = 0; i < 200'000; ++i) {
    spec += i == 0 ? "{}" : ",{}";
  }
  spec += "]";
  auto r = wire::parse_describe_response(
      200, R"({"code":0,"data":{"jobId":7,"state":"RefreshPending","externalSpec":)" + spec + "}}");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_TRUE(r->external_spec.has_value());
  EXPECT_LT(r->external_spec->size(), std::size_t{64} * 1024);
}

}  // namespace
}  // namespace refreshd::client
