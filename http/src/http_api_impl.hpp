#pragma once
// basic_http_api: the router over a runtime. Included by http_api.cpp (real_clock) and by
// tests (mock clock).

#include <chrono>

#include <refreshd/config/version.hpp>
#include <refreshd/http/http_api.hpp>
#include <refreshd/http/http_render.hpp>
#include <refreshd/http/read_auth.hpp>
#include <refreshd/runtime/runtime_log.hpp>

namespace refreshd::daemon {

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

template <class Clock>
basic_http_api<Clock>::basic_http_api(std::shared_ptr<runtime_type> rt, http_api_options options)
    : rt_(std::move(rt)), options_(std::move(options)) {
  refresh_index();
}

template <class Clock>
void basic_http_api<Clock>::refresh_index() const {
  index_.clear();
  index_generation_ = rt_->config_generation();
  const auto cols = rt_->collections();
  for (std::size_t i = 0; i < cols.size(); ++i) {
    const auto& c = cols[i];
    index_.emplace(
        collection_key(rt_->clusters()[c.cluster]->cfg->name, c.cfg->database, c.cfg->name), i);
  }
}

template <class Clock>
awaitable<api_response> basic_http_api<Clock>::async_handle(api_request request) {
  std::size_t index = 0;
  auto direct = handle(request, &index);
  if (direct) {
    co_return std::move(*direct);
  }
  // Hold the runtime: the frame may outlive the server at shutdown.
  auto rt = rt_;
  // Named now: a reload while the request waits may move or remove the collection.
  const auto& c = rt->collections()[index];
  log_fields f = collection_fields(*rt->clusters()[c.cluster]->cfg, *c.cfg);
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

template <class Clock>
std::optional<api_response> basic_http_api<Clock>::handle(const api_request& request,
                                                          std::size_t* admin_index) const {
  const route r = parse_route(request.target);
  if (const auto* bad = std::get_if<route_malformed>(&r)) {
    return json_error(400, bad->why);
  }
  if (std::holds_alternative<route_unknown>(r)) {
    return json_error(404, "not found");
  }
  if (const auto* f = std::get_if<route_fixed>(&r)) {
    if (auto refused = check_read(request, f->path)) {
      return refused;
    }
    if (request.method != "GET") {
      return http_detail::method_not_allowed("GET");
    }
    return fixed(f->path);
  }
  if (request.method != "POST") {
    return http_detail::method_not_allowed("POST");
  }
  std::size_t index = 0;
  if (auto refused = check_admin(request, std::get<route_admin>(r), &index)) {
    return refused;
  }
  if (admin_index == nullptr) {
    return json_error(500, "admin trigger needs async_handle");
  }
  *admin_index = index;
  return std::nullopt;
}

template <class Clock>
std::optional<api_response> basic_http_api<Clock>::check_admin(const api_request& request,
                                                               const route_admin& a,
                                                               std::size_t* index) const {
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
  if (index_generation_ != rt_->config_generation()) {
    refresh_index();
  }
  const auto it = index_.find(collection_key(a.cluster, a.database, a.collection));
  if (it == index_.end()) {
    return json_error(404, "unknown collection");
  }
  *index = it->second;
  return std::nullopt;
}

template <class Clock>
std::optional<api_response> basic_http_api<Clock>::check_read(const api_request& request,
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

template <class Clock>
api_response basic_http_api<Clock>::fixed(std::string_view path) const {
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
    if (!options_.metrics) {
      return http_detail::text(503, "metrics are not available");
    }
    api_response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = options_.metrics();
    return r;
  }
  status_view view;
  view.version = version();
  view.ready = rt.ready();
  view.now = std::chrono::floor<std::chrono::milliseconds>(Clock::system_now());
  view.rows.reserve(rt.collections().size());
  for (const auto& c : rt.collections()) {
    view.rows.push_back(status_row{rt.clusters()[c.cluster]->cfg, c.cfg, &c.state, c.running});
  }
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
