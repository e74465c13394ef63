// The pure pieces of the HTTP API: /status JSON and the page from hand-made states (big ids,
// nulls, hostile strings), HTML escaping, the constant-time compare, bearer parsing, routing and
// the admin answers.
#include <limits>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <refreshd/http/http_api.hpp>
#include <refreshd/http/status_render.hpp>

namespace refreshd::daemon {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

const wall_time t10{std::chrono::milliseconds(1'795'341'600'000)};  // 2026-11-22T10:00:00Z

class StatusRender : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.name = "prod";
    collection_.name = "ext_books";
    collection_.database = "default";
    collection_.settings.edit().schedule = "*/15 * * * *";
  }
  status_view view() {
    status_view v;
    v.version = "1.2.3";
    v.ready = true;
    v.now = t10;
    v.rows.push_back(status_row{&cluster_, &collection_, &state_, false});
    v.matched = 1;
    v.total = 1;
    return v;
  }
  config::cluster cluster_;
  config::collection collection_;
  collection_state state_;
};

TEST_F(StatusRender, StatusJsonIsNullWhereNothingIsKnown) {
  state_.next_run = t10 + 15min;
  const auto j = json::parse(status_json(view()));
  EXPECT_EQ(j,
            json::parse(
                R"({"version":"1.2.3","ready":true,"next":null,"matched":1,"total":1,"collections":[
    {"cluster":"prod","database":"default","collection":"ext_books","schedule":"*/15 * * * *",
     "status":"idle","next_run":"2026-11-22T10:15:00.000Z","job":null,"last_success":null,
     "last_failure":null,"last_failure_reason":null,"consecutive_failures":0}]})"));
}

TEST_F(StatusRender, ReadyWhenShowsThePhaseWithItsProgressAndADegradedCluster) {
  collection_.settings.edit().ready_when = config::ready_condition::loaded;
  job_snapshot job;
  job.id = client::job_id{449503829274509311, false};
  job.state = client::job_state::completed;
  job.progress = 100;
  state_.job = job;
  state_.current = status::running;
  state_.ready = ready_stage::indexing;
  state_.ready_progress = 73;
  auto c = json::parse(status_json(view()))["collections"][0];
  EXPECT_EQ(c["ready_when"], "loaded");
  EXPECT_EQ(c["phase"], "indexing 73 %");
  EXPECT_FALSE(c.contains("ready_when_note"));
  EXPECT_NE(status_page(view()).find("73% indexing"), std::string::npos);
  state_.ready = ready_stage::none;
  state_.job->state = client::job_state::in_progress;
  c = json::parse(status_json(view()))["collections"][0];
  EXPECT_EQ(c["phase"], "refreshing");
  state_.current = status::idle;
  state_.ready = ready_stage::degraded;
  c = json::parse(status_json(view()))["collections"][0];
  EXPECT_EQ(c["phase"], nullptr);
  EXPECT_NE(c["ready_when_note"].get<std::string>().find("HTTP 404"), std::string::npos);
  EXPECT_NE(status_page(view()).find("ready_when: completed"), std::string::npos);
  collection_.settings.edit().ready_when = config::ready_condition::completed;
  EXPECT_FALSE(json::parse(status_json(view()))["collections"][0].contains("phase"))
      << "the shape of /status is unchanged without ready_when";
}

TEST_F(StatusRender, StatusJsonKeepsTheLargestJobIdExactAndFormatsTimes) {
  job_snapshot job;
  job.id.value = std::numeric_limits<std::int64_t>::max();
  job.state = client::job_state::failed;
  job.state_text = "RefreshFailed";
  job.progress = 42;
  job.start = t10 - 10min;
  job.end = t10 - 1min;
  job.reason = "no files found in s3://x/";
  state_.job = job;
  state_.current = status::failing;
  state_.last_success = t10 - 2h;
  state_.last_failure = t10 - 1min + 5ms;
  state_.last_failure_reason = "no files found in s3://x/";
  state_.consecutive_failures = 3;
  state_.next_run = t10 - 1s;  // already passed: not shown
  const auto text = status_json(view());
  EXPECT_NE(text.find("\"id\":9223372036854775807"), std::string::npos) << text;
  const auto c = json::parse(text)["collections"][0];
  EXPECT_EQ(c["job"]["id"].get<std::int64_t>(), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(c["job"], json::parse(R"({"id":9223372036854775807,"state":"RefreshFailed",
    "progress":42,"start":"2026-11-22T09:50:00.000Z","end":"2026-11-22T09:59:00.000Z",
    "reason":"no files found in s3://x/"})"));
  EXPECT_EQ(c["status"], "failing");
  EXPECT_EQ(c["last_success"], "2026-11-22T08:00:00.000Z");
  EXPECT_EQ(c["last_failure"], "2026-11-22T09:59:00.005Z");
  EXPECT_EQ(c["consecutive_failures"], 3);
  EXPECT_TRUE(c["next_run"].is_null());
}

TEST_F(StatusRender, StatusJsonSurvivesInvalidUtf8FromTheServer) {
  state_.last_failure_reason = std::string("bad \xff byte");
  const auto j = json::parse(status_json(view()));
  EXPECT_TRUE(j["collections"][0]["last_failure_reason"].is_string());
}

TEST_F(StatusRender, PageEscapesAFailureReasonAndHighlightsTheRow) {
  state_.current = status::failing;
  state_.last_failure = t10;
  state_.last_failure_reason = "<script>alert('x')</script> & \"more\"";
  state_.consecutive_failures = 2;
  const auto page = status_page(view());
  EXPECT_EQ(page.find("<script"), std::string::npos) << page;
  EXPECT_NE(page.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;more&quot;"),
            std::string::npos)
      << page;
  EXPECT_NE(page.find("<tr class=\"problem\">"), std::string::npos);
  EXPECT_NE(page.find("<meta http-equiv=\"refresh\""), std::string::npos);
}

TEST_F(StatusRender, PageEscapesNamesFromTheConfigAndShowsProgress) {
  cluster_.name = "a<b>";
  collection_.settings.edit().schedule = "every 1h\"><img>";
  job_snapshot job;
  job.id.value = 449503829274509311;
  job.state = client::job_state::in_progress;
  job.progress = 42;
  state_.job = job;
  state_.current = status::running;
  const auto page = status_page(view());
  EXPECT_EQ(page.find("<b>"), std::string::npos);
  EXPECT_EQ(page.find("<img>"), std::string::npos);
  EXPECT_NE(page.find("a&lt;b&gt;"), std::string::npos);
  EXPECT_NE(page.find("<progress max=\"100\" value=\"42\">"), std::string::npos);
  EXPECT_NE(page.find("449503829274509311"), std::string::npos);
}

TEST(HttpHelpers, ConstantTimeEqualComparesWholeSecrets) {
  EXPECT_TRUE(constant_time_equal("s3cret", "s3cret"));
  EXPECT_FALSE(constant_time_equal("s3cret", "s3creT"));
  EXPECT_FALSE(constant_time_equal("s3cret", "s3cret2"));
  EXPECT_FALSE(constant_time_equal("s3cret", ""));
  EXPECT_FALSE(constant_time_equal(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST(HttpHelpers, BearerTokenParsing) {
  EXPECT_EQ(bearer_token("Bearer abc"), "abc");
  EXPECT_EQ(bearer_token("bEaReR \t abc  "), "abc");
  EXPECT_EQ(bearer_token("Bearer"), std::nullopt);
  EXPECT_EQ(bearer_token("Bearer   "), std::nullopt);
  EXPECT_EQ(bearer_token("Bearerabc"), std::nullopt);
  EXPECT_EQ(bearer_token("Basic abc"), std::nullopt);
}

TEST(HttpHelpers, RoutesAndPercentDecoding) {
  EXPECT_TRUE(std::holds_alternative<route_fixed>(parse_route("/status?pretty=1")));
  EXPECT_TRUE(std::holds_alternative<route_unknown>(parse_route("/status/")));
  EXPECT_TRUE(std::holds_alternative<route_malformed>(parse_route("status")));
  const auto r = parse_route("/v1/collections/prod/my%5Fdb/ext_books/refresh");
  ASSERT_TRUE(std::holds_alternative<route_admin>(r));
  EXPECT_EQ(std::get<route_admin>(r).database, "my_db");
  EXPECT_TRUE(std::holds_alternative<route_malformed>(
      parse_route("/v1/collections/prod/a%2Fb/ext_books/refresh")));
  EXPECT_EQ(decode_segment("a%41"), "aA");
  EXPECT_EQ(decode_segment("a%4"), std::nullopt);
  EXPECT_EQ(decode_segment(""), std::nullopt);
}

TEST(HttpHelpers, AdminAnswers) {
  using kind = admin_refresh_result::kind;
  admin_refresh_result r;
  r.job = job_snapshot{};
  r.job->id.value = std::numeric_limits<std::int64_t>::max();
  r.job->state = client::job_state::pending;
  r.what = kind::triggered;
  auto a = admin_response(r);
  EXPECT_EQ(a.status, 202);
  EXPECT_EQ(a.body, "{\"job_id\":9223372036854775807}");
  r.what = kind::already_running;
  a = admin_response(r);
  EXPECT_EQ(a.status, 409);
  EXPECT_EQ(json::parse(a.body)["state"], "RefreshPending");
  r.what = kind::queued;
  EXPECT_EQ(admin_response(r).status, 202);
  EXPECT_TRUE(json::parse(admin_response(r).body)["job_id"].is_null());
  r.what = kind::suspended;
  EXPECT_EQ(admin_response(r).status, 409);
  r.what = kind::unavailable;
  EXPECT_EQ(admin_response(r).status, 503);
  r.what = kind::failed;
  r.error = client::api_error{};
  r.error->kind = client::error_class::unauthenticated;
  r.error->http_status = 401;
  r.message = "unauthenticated: HTTP 401";
  a = admin_response(r);
  EXPECT_EQ(a.status, 502);
  EXPECT_EQ(json::parse(a.body)["class"], "unauthenticated");
  EXPECT_EQ(json::parse(a.body)["http_status"], 401);
}

}  // namespace
}  // namespace refreshd::daemon
