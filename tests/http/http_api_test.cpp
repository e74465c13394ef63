// The daemon's HTTP router (http_api.hpp) over a mock-clock runtime: every path, method and
// status, the admin trigger's authentication, and the helpers it is built from.
#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include <refreshd/http/http_api.hpp>
#include <refreshd/runtime/runtime_mock.hpp>
#include <refreshd/test/gunzip.hpp>

#include "http_fixture.hpp"

namespace refreshd::daemon::test_http {
namespace {

using json = nlohmann::json;
using mock_api = http_api;

std::string header(const api_response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) {
      return v;
    }
  }
  return {};
}

class HttpApi : public runtime_fixture {
 protected:
  void make_api(std::optional<std::string> admin_token = "s3cret-admin",
                metrics_source metrics = {}) {
    http_api_options o;
    if (admin_token) {
      o.admin_token = config::secret_string(*admin_token);
    }
    o.metrics = std::move(metrics);
    api_ = std::make_unique<mock_api>(rt_, std::move(o));
  }
  api_response get(std::string target, std::string method = "GET") {
    auto r = api_->handle(api_request{std::move(method), std::move(target), std::nullopt});
    EXPECT_TRUE(r.has_value());
    return r.value_or(api_response{});
  }
  api_response admin(std::string target, std::optional<std::string> authorization,
                     std::string body = {}) {
    auto r = run_awaitable(api_->async_handle(
        api_request{"POST", std::move(target), std::move(authorization), {}, std::move(body)}));
    EXPECT_TRUE(r.has_value()) << "the admin request did not finish";
    return r.value_or(api_response{});
  }
  std::unique_ptr<mock_api> api_;
};

TEST_F(HttpApi, HealthzFollowsTheSchedulerLoop) {
  cluster(1);
  runtime_options o;
  o.stall_after = 5s;
  start(false, o);
  make_api();
  auto r = get("/healthz");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("not ticked"), std::string::npos) << r.body;
  rt_->start();
  run_for(1s);
  r = get("/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok\n");
  EXPECT_EQ(r.content_type, "text/plain; charset=utf-8");
  mock_clock::advance(6s);  // a hung loop: time passes, nothing runs the io_context
  r = get("/healthz");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("stalled"), std::string::npos) << r.body;
}

TEST_F(HttpApi, ReadyzIs503UntilStartupReconciliationIsDone) {
  cluster(3);
  start(false);
  make_api();
  EXPECT_EQ(get("/readyz").status, 503);
  rt_->start();
  run_for(1s);
  ASSERT_TRUE(rt_->ready());
  auto r = get("/readyz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ready\n");
  rt_->stop();
  EXPECT_EQ(get("/readyz").status, 503);
  EXPECT_EQ(get("/healthz").status, 503);
}

TEST_F(HttpApi, StatusHasTheSpecShapeWithJobIdsAsIntegers) {
  cluster(2);
  start();
  make_api();
  ASSERT_EQ(admin("/v1/collections/prod/default/ext_0/refresh", "Bearer s3cret-admin").status, 202);
  run_for(700ms);  // Pending -> InProgress
  auto r = get("/status");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  const auto j = json::parse(r.body);
  EXPECT_EQ(j["ready"], true);
  EXPECT_TRUE(j["version"].is_string());
  ASSERT_EQ(j["collections"].size(), 2u);
  const auto& c0 = j["collections"][0];
  std::vector<std::string> keys;
  for (const auto& [k, v] : c0.items()) {
    keys.push_back(k);
  }
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys,
            (std::vector<std::string>{"cluster", "collection", "consecutive_failures", "database",
                                      "job", "last_failure", "last_failure_reason", "last_success",
                                      "next_run", "schedule", "status"}));
  EXPECT_EQ(c0["cluster"], "prod");
  EXPECT_EQ(c0["schedule"], "@daily");
  EXPECT_EQ(c0["status"], "running");
  EXPECT_TRUE(c0["next_run"].is_null()) << "running: the next slot is not known yet";
  ASSERT_TRUE(c0["job"].is_object());
  EXPECT_TRUE(c0["job"]["id"].is_number_integer());
  EXPECT_EQ(c0["job"]["id"].get<std::int64_t>(), model_.jobs[0].id.value);
  EXPECT_EQ(c0["job"]["state"], "RefreshInProgress");
  EXPECT_TRUE(c0["job"]["end"].is_null());
  EXPECT_TRUE(c0["job"]["reason"].is_null());
  EXPECT_TRUE(c0["last_success"].is_null());
  const auto& c1 = j["collections"][1];
  EXPECT_TRUE(c1["job"].is_null());
  EXPECT_EQ(c1["status"], "idle");
  EXPECT_EQ(c1["next_run"], "2026-11-23T00:00:00.000Z");
  EXPECT_EQ(c1["consecutive_failures"], 0);
}

TEST_F(HttpApi, PageHasOneRowPerCollectionAndNoScript) {
  cluster(3);
  start();
  make_api();
  auto r = get("/");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  std::size_t rows = 0;
  for (auto p = r.body.find("<tr"); p != std::string::npos; p = r.body.find("<tr", p + 1)) {
    ++rows;
  }
  EXPECT_EQ(rows, 4u) << "a header row and one row per collection";
  EXPECT_EQ(r.body.find("<script"), std::string::npos);
  EXPECT_EQ(r.body.find("http://"), std::string::npos) << "no external assets";
  EXPECT_EQ(get("/?limit=2").status, 200);
  EXPECT_EQ(get("/?x=1").status, 400) << "a parameter the page does not know is named, not ignored";
}

TEST_F(HttpApi, MetricsComeFromTheProviderAsPrometheusText) {
  cluster(1);
  start();
  make_api(std::nullopt);
  EXPECT_EQ(get("/metrics").status, 503);
  make_api(std::nullopt, fixed_metrics("milvus_refresh_up 1\n"));
  auto r = get("/metrics");
  EXPECT_EQ(r.status, 200);
  ASSERT_TRUE(r.parts) << "written part by part";
  EXPECT_EQ(whole_body(r), "milvus_refresh_up 1\n");
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
}

TEST_F(HttpApi, MetricsAreGzippedWhenAskedAndAtMostTwoScrapesRunAtOnce) {
  cluster(1);
  start();
  std::string text;
  for (int i = 0; i < 2000; ++i) {
    text += "milvus_refresh_collection_info{collection=\"ext_" + std::to_string(i) + "\"} 1\n";
  }
  make_api(std::nullopt, fixed_metrics(text));
  api_request req{"GET", "/metrics", std::nullopt};
  req.accept_encoding = "gzip";  // what Prometheus sends
  auto first = api_->handle(req).value();
  auto second = api_->handle(api_request{"GET", "/metrics", std::nullopt}).value();
  const auto has = [](const api_response& r, std::string_view name, std::string_view value) {
    return std::find(r.headers.begin(), r.headers.end(),
                     std::pair<std::string, std::string>(name, value)) != r.headers.end();
  };
  EXPECT_TRUE(has(first, "Content-Encoding", "gzip"));
  EXPECT_FALSE(has(second, "Content-Encoding", "gzip")) << "not asked";
  EXPECT_TRUE(has(second, "Vary", "Accept-Encoding"));
  auto third = get("/metrics");
  EXPECT_EQ(third.status, 503) << "two scrapes are being written";
  EXPECT_TRUE(has(third, "Retry-After", "1"));
  const auto zipped = whole_body(first);
  EXPECT_LT(zipped.size(), text.size() / 5);
  EXPECT_EQ(test::gunzip(zipped), text);
  first = api_response{};  // its parts are gone: the scrape is over
  EXPECT_EQ(get("/metrics").status, 200);
  EXPECT_EQ(whole_body(second), text);
}

TEST_F(HttpApi, StatusPagesWithACursorAndFilters) {
  cluster(25);
  model_.collections["ext_7"].fail = true;
  model_.collections["ext_19"].fail = true;
  start();
  make_api();
  for (const auto* name : {"ext_7", "ext_19"}) {
    ASSERT_EQ(admin(std::string("/v1/collections/prod/default/") + name + "/refresh",
                    "Bearer s3cret-admin")
                  .status,
              202);
  }
  run_for(5s);  // both jobs failed: their collections are failing
  auto j = json::parse(get("/status?limit=10").body);
  ASSERT_EQ(j["collections"].size(), 10u);
  EXPECT_EQ(j["collections"][0]["collection"], "ext_0") << "configuration order";
  EXPECT_EQ(j["next"], "prod/default/ext_9");
  EXPECT_EQ(j["matched"], 25);
  EXPECT_EQ(j["total"], 25);
  std::vector<std::string> seen;
  std::string cursor;
  for (int page = 0; page < 5; ++page) {
    const auto p =
        json::parse(get("/status?limit=10" + (cursor.empty() ? "" : "&after=" + cursor)).body);
    for (const auto& c : p["collections"]) {
      seen.push_back(c["collection"]);
    }
    if (p["next"].is_null()) {
      break;
    }
    cursor = p["next"].get<std::string>();
  }
  EXPECT_EQ(seen.size(), 25u) << "every collection once over the pages";
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 25u);
  j = json::parse(get("/status?status=failing,stuck&cluster=prod&database=default").body);
  ASSERT_EQ(j["collections"].size(), 2u);
  EXPECT_EQ(j["collections"][0]["collection"], "ext_7");
  EXPECT_EQ(j["collections"][1]["collection"], "ext_19");
  EXPECT_TRUE(j["next"].is_null());
  EXPECT_EQ(j["matched"], 2);
  EXPECT_EQ(json::parse(get("/status?cluster=staging").body)["collections"].size(), 0u);
  // The page lists the failing collections first and links the next page with the filters.
  const auto page = get("/?limit=3").body;
  const auto first_row = page.find("<tr class=\"problem\">");
  ASSERT_NE(first_row, std::string::npos);
  EXPECT_LT(page.find(">ext_7<"), page.find(">ext_0<")) << "problems first";
  EXPECT_LT(page.find(">ext_19<"), page.find(">ext_0<"));
  EXPECT_EQ(page.find(">ext_1<"), std::string::npos) << "three rows";
  EXPECT_NE(page.find("href=\"/?limit=3&amp;after=prod%2Fdefault%2Fext_0\""), std::string::npos)
      << page.substr(page.find("</table>"));
  EXPECT_NE(page.find("25 collections"), std::string::npos);
}

TEST_F(HttpApi, StatusQueryErrorsNameTheParameter) {
  cluster(3);
  start();
  make_api();
  const auto error = [&](const std::string& target) {
    const auto r = get(target);
    EXPECT_EQ(r.status, 400) << target;
    return json::parse(r.body)["error"].get<std::string>();
  };
  EXPECT_NE(error("/status?limit=0").find("limit must be a whole number from 1 to 10000"),
            std::string::npos);
  EXPECT_NE(error("/status?limit=10001").find("limit"), std::string::npos);
  EXPECT_NE(error("/status?sort=name").find("unknown query parameter 'sort'"), std::string::npos);
  EXPECT_NE(error("/status?status=broken").find("unknown status 'broken' (use idle, running"),
            std::string::npos);
  EXPECT_NE(error("/status?after=prod/default/gone").find("start again without it"),
            std::string::npos);
  EXPECT_NE(error("/?limit=1&limit=2").find("given twice"), std::string::npos);
  EXPECT_NE(error("/status?cluster=%zz").find("%-escape"), std::string::npos);
  EXPECT_EQ(get("/status?cluster=prod&limit=1").status, 200);
}

TEST(AcceptEncoding, GzipUnlessRefusedWithQZero) {
  EXPECT_TRUE(accepts_gzip("gzip"));
  EXPECT_TRUE(accepts_gzip("deflate, GZIP;q=0.5"));
  EXPECT_TRUE(accepts_gzip("x-gzip"));
  EXPECT_TRUE(accepts_gzip("*"));
  EXPECT_FALSE(accepts_gzip(""));
  EXPECT_FALSE(accepts_gzip("identity"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0"));
  EXPECT_FALSE(accepts_gzip("gzip; q=0.000, br"));
  EXPECT_FALSE(accepts_gzip("gzipped"));
}

TEST_F(HttpApi, UnknownPathsWrongMethodsAndMalformedTargets) {
  cluster(1);
  start();
  make_api();
  EXPECT_EQ(get("/nope").status, 404);
  EXPECT_EQ(get("/v1/collections/prod/default/ext_0").status, 404);
  EXPECT_EQ(get("/v1/collections/prod/default/ext_0/refresh/x", "POST").status, 404);
  auto r = get("/status", "POST");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(header(r, "Allow"), "GET");
  EXPECT_EQ(json::parse(r.body)["error"], "method not allowed");
  r = get("/v1/collections/prod/default/ext_0/refresh", "GET");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(header(r, "Allow"), "POST");
  EXPECT_EQ(get("*", "OPTIONS").status, 400);
  EXPECT_EQ(get("http://example.com/status").status, 400);
  EXPECT_EQ(get("/v1/collections/prod/%zz/ext_0/refresh", "POST").status, 400);
  EXPECT_EQ(get("/v1/collections/prod//ext_0/refresh", "POST").status, 400);
  EXPECT_TRUE(json::parse(get("/nope").body).contains("error"));
}

TEST_F(HttpApi, AdminNeedsTheBearerToken) {
  cluster(1);
  start();
  make_api();
  const std::string path = "/v1/collections/prod/default/ext_0/refresh";
  auto r = admin(path, std::nullopt);
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(header(r, "WWW-Authenticate").find("Bearer"), std::string::npos);
  EXPECT_EQ(admin(path, "Basic czNjcmV0").status, 401);
  EXPECT_EQ(admin(path, "Bearer").status, 401);
  r = admin(path, "Bearer s3cret-admim");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body.find("s3cret"), std::string::npos) << "the token is never echoed";
  EXPECT_EQ(admin(path, "Bearer s3cret-admin-and-more").status, 403);
  EXPECT_EQ(model_.triggers, 0);
  EXPECT_EQ(admin("/v1/collections/prod/default/nope/refresh", "Bearer s3cret-admin").status, 404);
  EXPECT_EQ(admin("/v1/collections/other/default/ext_0/refresh", "bearer  s3cret-admin").status,
            404);
  r = admin(path, "bearer   s3cret-admin ");
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(json::parse(r.body)["job_id"].get<std::int64_t>(), model_.jobs.at(0).id.value);
  r = admin(path, "Bearer s3cret-admin");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(json::parse(r.body)["job_id"].get<std::int64_t>(), model_.jobs.at(0).id.value);
  EXPECT_EQ(model_.triggers, 1);
}

TEST_F(HttpApi, PauseAndResumeThroughTheAdminApi) {
  cluster(2);
  start();
  make_api();
  std::vector<std::pair<std::string, bool>> saved;
  bool fail = false;
  rt_->persist_pause = [&](std::string key,
                           std::optional<pause_record> r) -> awaitable<std::optional<std::string>> {
    if (fail) {
      co_return std::string("cannot save the pause in /x: disk full");
    }
    saved.emplace_back(key, r.has_value());
    co_return std::nullopt;
  };
  const std::string pause = "/v1/collections/prod/default/ext_0/pause";
  const std::string resume = "/v1/collections/prod/default/ext_0/resume";
  EXPECT_EQ(admin(pause, std::nullopt).status, 401);
  EXPECT_EQ(admin(pause, "Bearer wrong").status, 403);
  EXPECT_EQ(admin("/v1/collections/prod/default/nope/pause", "Bearer s3cret-admin").status, 404);
  EXPECT_EQ(get(pause).status, 405);
  for (const char* bad : {"not json", "[1]", R"({"reason": 3})", R"({"why": "x"})"}) {
    const auto r = admin(pause, "Bearer s3cret-admin", bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_TRUE(json::parse(r.body).contains("error")) << r.body;
  }
  EXPECT_EQ(admin(pause, "Bearer s3cret-admin", R"({"reason": ")" + std::string(1025, 'x') + "\"}")
                .status,
            400);
  EXPECT_TRUE(saved.empty()) << "nothing saved for a refused request";

  auto r = admin(pause, "Bearer s3cret-admin", R"({"reason": "lake migration"})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = json::parse(r.body);
  EXPECT_EQ(j["paused"], true);
  EXPECT_EQ(j["reason"], "lake migration");
  EXPECT_EQ(j["quarantined"], false);
  EXPECT_TRUE(j["at"].is_string());
  EXPECT_EQ(saved, (std::vector<std::pair<std::string, bool>>{{"prod/default/ext_0", true}}));
  j = json::parse(get("/status").body);
  EXPECT_EQ(j["collections"][0]["status"], "paused");
  EXPECT_EQ(j["collections"][0]["pause"]["reason"], "lake migration");
  EXPECT_FALSE(j["collections"][1].contains("pause"));
  r = admin("/v1/collections/prod/default/ext_0/refresh", "Bearer s3cret-admin");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(json::parse(r.body)["error"], "collection is paused");
  EXPECT_NE(get("/").body.find("paused: lake migration"), std::string::npos);

  fail = true;
  r = admin(resume, "Bearer s3cret-admin");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(json::parse(r.body)["error"], "cannot save the pause in /x: disk full");
  EXPECT_EQ(json::parse(get("/status").body)["collections"][0]["status"], "paused");
  fail = false;
  r = admin(resume, "Bearer s3cret-admin");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body), json::parse(R"({"paused": false})"));
  EXPECT_NE(json::parse(get("/status").body)["collections"][0]["status"], "paused");
  EXPECT_EQ(admin(resume, "Bearer s3cret-admin").status, 200) << "resuming twice is harmless";
  EXPECT_EQ(saved.size(), 3U) << "a resume is always saved: another replica may have paused it";
  EXPECT_FALSE(saved.back().second);
  EXPECT_EQ(admin(pause, "Bearer s3cret-admin", "").status, 200) << "no body: no reason";
}

/// A Kubernetes Lease standby: drives nothing (docs/COORDINATION.md).
class standby_ownership final : public ownership {
 public:
  [[nodiscard]] bool owns(std::string_view) const override { return false; }
  awaitable<bool> fence(std::string) override { co_return false; }
  [[nodiscard]] coordination_status status() const override {
    coordination_status s;
    s.backend = "kubernetes_lease";
    return s;
  }
};

TEST_F(HttpApi, AKubernetesLeaseStandbyRefusesPausesItCouldNotKeep) {
  cluster(1);
  static standby_ownership standby;  // outlives the runtime (set_ownership's contract)
  start(false);
  rt_->set_ownership(&standby);
  rt_->start();
  advance_and_poll(ioc_, 5s, 10ms, [this] { return rt_->ready(); });
  make_api();
  int saves = 0;
  rt_->persist_pause = [&](std::string,
                           std::optional<pause_record>) -> awaitable<std::optional<std::string>> {
    ++saves;
    co_return std::nullopt;
  };
  for (const char* action : {"pause", "resume"}) {
    const auto r =
        admin(std::string("/v1/collections/prod/default/ext_0/") + action, "Bearer s3cret-admin");
    EXPECT_EQ(r.status, 503) << action << ": " << r.body;
    EXPECT_EQ(json::parse(r.body)["error"],
              "another replica drives this collection (coordination): ask it");
    EXPECT_EQ(header(r, "Retry-After"), "5");
  }
  EXPECT_EQ(saves, 0);
}

TEST_F(HttpApi, AdminDisabledWithoutATokenFile) {
  cluster(1);
  start();
  make_api(std::nullopt);
  auto r = admin("/v1/collections/prod/default/ext_0/refresh", "Bearer anything");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(json::parse(r.body)["error"], "admin API disabled (no admin.token_file configured)");
  EXPECT_EQ(model_.triggers, 0);
}

TEST_F(HttpApi, AdminOnASuspendedCollectionIs409) {
  cluster(1).collections[0].suspend = true;
  start();
  make_api();
  auto r = admin("/v1/collections/prod/default/ext_0/refresh", "Bearer s3cret-admin");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(json::parse(r.body)["error"], "collection is suspended");
}

TEST_F(HttpApi, AdminBeforeReadyIs503WithRetryAfter) {
  cluster(1);
  start(false);
  make_api();
  auto r = admin("/v1/collections/prod/default/ext_0/refresh", "Bearer s3cret-admin");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(header(r, "Retry-After"), "5");
}

TEST_F(HttpApi, AdminApiErrorIs502WithTheClassAndTheServerMessage) {
  cluster(1);
  start();
  make_api();
  client::api_error e;
  e.kind = client::error_class::not_found;
  e.code = 100;
  e.message = "collection not found[collection=ext_0]";
  model_.broken = e;
  auto r = admin("/v1/collections/prod/default/ext_0/refresh", "Bearer s3cret-admin");
  EXPECT_EQ(r.status, 502);
  const auto j = json::parse(r.body);
  EXPECT_EQ(j["class"], "not_found");
  EXPECT_EQ(j["message"], "collection not found[collection=ext_0]");
  EXPECT_EQ(j["code"], 100);
}

}  // namespace
}  // namespace refreshd::daemon::test_http
