// The HTTP API (http_api.hpp): the router over a runtime_view, error and admin answers; route
// parsing and header parsing are in http_route.cpp.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <numeric>
#include <tuple>

#include <nlohmann/json.hpp>

#include <refreshd/config/safe_text.hpp>
#include <refreshd/config/version.hpp>
#include <refreshd/http/http_api.hpp>
#include <refreshd/http/read_auth.hpp>
#include <refreshd/http/status_render.hpp>
#include <refreshd/http/status_select.hpp>
#include <refreshd/runtime/runtime_log.hpp>

namespace refreshd::daemon {
namespace {

using json = nlohmann::json;

api_response json_body(int status, const json& body) {
  return json_answer(status, dump_json(body));
}

json job_id_or_null(const admin_refresh_result& r) {
  return r.job ? json(r.job->id.value) : json(nullptr);
}

}  // namespace

api_response json_answer(int status, std::string body) {
  api_response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

api_response json_error(int status, std::string_view message) {
  return json_body(status, json{{"error", std::string(message)}});
}

api_response admin_response(const admin_refresh_result& r) {
  using kind = admin_refresh_result::kind;
  switch (r.what) {
    case kind::triggered:
      return json_body(202, json{{"job_id", job_id_or_null(r)}});
    case kind::queued:
      return json_body(202, json{{"job_id", nullptr}, {"queued", true}, {"message", r.message}});
    case kind::already_running: {
      json body{{"job_id", job_id_or_null(r)},
                {"error", "a refresh job is already running"},
                {"message", r.message}};
      if (r.job) {
        body["state"] = state_name(*r.job);
      }
      return json_body(409, body);
    }
    case kind::suspended:
      return json_body(409, json{{"job_id", nullptr},
                                 {"error", r.message.starts_with("collection is paused")
                                               ? "collection is paused"
                                               : "collection is suspended"}});
    case kind::unavailable: {
      auto resp = json_error(503, r.message);
      resp.headers.emplace_back("Retry-After", "5");
      return resp;
    }
    case kind::failed:
      break;
  }
  json body{{"error", r.message}};
  if (r.error) {
    body["class"] = std::string(client::to_string(r.error->kind));
    body["message"] = r.error->message;
    if (r.error->code != 0) {
      body["code"] = r.error->code;
    }
    if (r.error->http_status != 0) {
      body["http_status"] = r.error->http_status;
    }
  }
  return json_body(502, body);
}

namespace http_detail {

inline api_response text(int status, std::string body) {
  api_response r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  r.body += '\n';
  return r;
}

inline api_response method_not_allowed(std::string_view allow) {
  auto r = json_error(405, "method not allowed");
  r.headers.emplace_back("Allow", std::string(allow));
  return r;
}

}  // namespace http_detail

http_api::http_api(std::shared_ptr<runtime_view> rt, http_api_options options)
    : rt_(std::move(rt)), options_(std::move(options)) {
  refresh_index();
}

namespace {

using name_triple = std::tuple<std::string_view, std::string_view, std::string_view>;

name_triple names_of(const runtime_view& rt, const collection_runtime& c) {
  return {rt.cluster_config(c.cluster).name, *c.cfg->database, c.cfg->name};
}

}  // namespace

void http_api::refresh_index() const {
  index_generation_ = rt_->config_generation();
  const auto cols = rt_->collections();
  index_.resize(cols.size());
  std::iota(index_.begin(), index_.end(), std::uint32_t{0});
  std::sort(index_.begin(), index_.end(), [&](std::uint32_t a, std::uint32_t b) {
    return names_of(*rt_, cols[a]) < names_of(*rt_, cols[b]);
  });
  index_.shrink_to_fit();
}

std::optional<std::size_t> http_api::find_collection(const route_admin& a) const {
  if (index_generation_ != rt_->config_generation()) {
    refresh_index();
  }
  const auto cols = rt_->collections();
  const name_triple wanted{a.cluster, a.database, a.collection};
  const auto it = std::lower_bound(
      index_.begin(), index_.end(), wanted,
      [&](std::uint32_t i, const name_triple& w) { return names_of(*rt_, cols[i]) < w; });
  if (it == index_.end() || names_of(*rt_, cols[*it]) != wanted) {
    return std::nullopt;
  }
  return *it;
}

awaitable<api_response> http_api::async_handle(api_request request) {
  routed r = route_request(request);
  if (auto* direct = std::get_if<api_response>(&r)) {
    co_return std::move(*direct);
  }
  const std::size_t index = std::get<admin_call>(r).index;
  // Hold the runtime: the frame may outlive the server at shutdown.
  auto rt = rt_;
  if (const auto action = std::get<admin_call>(r).action; action != admin_action::refresh) {
    co_return co_await async_pause_request(rt, index, action, request.body);
  }
  // Named now: a reload while the request waits may move or remove the collection.
  const auto& c = rt->collections()[index];
  log_fields f = collection_fields(rt->cluster_config(c.cluster), *c.cfg);
  const admin_refresh_result result = co_await rt->async_refresh_now(index);
  auto response = admin_response(result);
  f.add_number("status", response.status);
  if (result.job) {
    f.job_id = result.job->id.value;
  }
  f.add("outcome", result.message);
  log_event(config::log_level::info, "admin: refresh request answered", f);
  co_return response;
}

std::optional<api_response> http_api::handle(const api_request& request) const {
  routed r = route_request(request);
  if (auto* direct = std::get_if<api_response>(&r)) {
    return std::move(*direct);
  }
  return std::nullopt;
}

http_api::routed http_api::route_request(const api_request& request) const {
  const route r = parse_route(request.target);
  if (const auto* bad = std::get_if<route_malformed>(&r)) {
    return json_error(400, bad->why);
  }
  if (std::holds_alternative<route_unknown>(r)) {
    return json_error(404, "not found");
  }
  if (const auto* f = std::get_if<route_fixed>(&r)) {
    if (auto refused = check_read(request, f->path)) {
      return std::move(*refused);
    }
    if (request.method != "GET") {
      return http_detail::method_not_allowed("GET");
    }
    if (f->path == "/metrics" && options_.metrics) {
      return metrics_response(request);
    }
    return fixed(f->path, request.target);
  }
  if (request.method != "POST") {
    return http_detail::method_not_allowed("POST");
  }
  return check_admin(request, std::get<route_admin>(r));
}

http_api::routed http_api::check_admin(const api_request& request, const route_admin& a) const {
  if (!options_.admin_token) {
    return json_error(403, "admin API disabled (no admin.token_file configured)");
  }
  auto refuse = [](int status, std::string_view why) {
    log_fields f;
    f.add_number("status", status).add("error", std::string(why));
    log_event(config::log_level::warn, "admin: request refused", f);
    auto r = json_error(status, why);
    if (status == 401) {
      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"milvus-refreshd\"");
    }
    return r;
  };
  if (!request.authorization) {
    return refuse(401, "missing Authorization: Bearer <admin token>");
  }
  const auto token = bearer_token(*request.authorization);
  if (!token) {
    return refuse(401, "Authorization must be: Bearer <admin token>");
  }
  if (!constant_time_equal(*token, options_.admin_token->reveal())) {
    return refuse(403, "invalid admin token");
  }
  const auto index = find_collection(a);
  if (!index) {
    return json_error(404, "unknown collection");
  }
  return admin_call{*index, a.action};
}

std::optional<api_response> http_api::check_read(const api_request& request,
                                                 std::string_view path) const {
  if (!options_.read_auth || path == "/healthz" || path == "/readyz") {
    return std::nullopt;
  }
  auto& creds = *options_.read_auth;
  switch (creds.check(request.authorization)) {
    case read_verdict::allowed:
      return std::nullopt;
    case read_verdict::throttled: {
      auto r = json_error(429, "too many password checks; retry in a second");
      r.headers.emplace_back("Retry-After", "1");
      return r;
    }
    case read_verdict::missing:
    case read_verdict::wrong:
      break;
  }
  auto r = json_error(401, request.authorization ? "invalid credentials" : "credentials required");
  for (auto& challenge : creds.challenges()) {
    r.headers.emplace_back("WWW-Authenticate", std::move(challenge));
  }
  return r;
}

api_response http_api::metrics_response(const api_request& request) const {
  if (*scrapes_ >= options_.max_scrapes) {
    auto r = http_detail::text(503, "too many scrapes at once; retry in a second");
    r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  // Counted until the parts are gone: written to the end, or the connection closed early.
  struct in_flight {
    std::shared_ptr<std::size_t> count;
    explicit in_flight(std::shared_ptr<std::size_t> c) : count(std::move(c)) { ++*count; }
    ~in_flight() { --*count; }
    in_flight(const in_flight&) = delete;
    in_flight& operator=(const in_flight&) = delete;
  };
  auto counted = std::make_shared<in_flight>(scrapes_);
  api_response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.parts = [counted, parts = options_.metrics()] { return parts(); };
  r.headers.emplace_back("Vary", "Accept-Encoding");
  if (accepts_gzip(request.accept_encoding)) {
    r.parts = gzip_parts(std::move(r.parts));
    r.headers.emplace_back("Content-Encoding", "gzip");
  }
  return r;
}

std::string whole_body(const api_response& r) {
  if (!r.parts) {
    return r.body;
  }
  std::string out;
  for (std::string part = r.parts(); !part.empty(); part = r.parts()) {
    out += part;
  }
  return out;
}

metrics_source fixed_metrics(std::string text) {
  return [text = std::move(text)]() -> body_parts {
    return [text, done = false]() mutable {
      if (done) {
        return std::string();
      }
      done = true;
      return text;
    };
  };
}

api_response http_api::fixed(std::string_view path, std::string_view target) const {
  const auto& rt = *rt_;
  if (path == "/healthz") {
    if (rt.stopping()) {
      return http_detail::text(503, "shutting down");
    }
    if (rt.loop_healthy()) {
      return http_detail::text(200, "ok");
    }
    if (!rt.last_tick()) {
      return http_detail::text(503, "scheduler loop has not ticked yet");
    }
    return http_detail::text(
        503, "scheduler loop stalled: last tick at " + schedule::format_utc(*rt.last_tick()));
  }
  if (path == "/readyz") {
    if (rt.stopping()) {
      return http_detail::text(503, "shutting down");
    }
    return rt.ready() ? http_detail::text(200, "ready")
                      : http_detail::text(503, "starting: startup reconciliation in progress");
  }
  if (path == "/metrics") {
    return http_detail::text(503, "metrics are not available");  // without a source
  }
  return status_response(path, target);
}

api_response http_api::status_response(std::string_view path, std::string_view target) const {
  auto query = parse_status_query(target);
  if (auto* bad = std::get_if<route_malformed>(&query)) {
    return json_error(400, bad->why);
  }
  auto selected = select_status(*rt_, std::get<status_query>(query), path == "/");
  if (auto* bad = std::get_if<std::string>(&selected)) {
    return json_error(400, *bad);
  }
  const auto& view = std::get<status_view>(selected);
  api_response r;
  r.headers.emplace_back("Cache-Control", "no-store");
  if (path == "/status") {
    r.body = status_json(view);
  } else {
    r.content_type = "text/html; charset=utf-8";
    r.headers.emplace_back("Content-Security-Policy", std::string(status_page_csp));
    r.body = status_page(view);
  }
  return r;
}

}  // namespace refreshd::daemon
