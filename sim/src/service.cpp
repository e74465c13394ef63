#include <algorithm>
#include <charconv>
#include <chrono>
#include <memory>
#include <optional>
#include <random>
#include <string_view>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <spdlog/spdlog.h>

#include <refreshd/sim/control.hpp>
#include <refreshd/sim/service.hpp>

namespace refreshd::sim {

namespace {

constexpr std::string_view job_prefix = "/v2/vectordb/jobs/external_collection/";
constexpr std::int64_t default_request_timeout_ms = 30'000;

// The simulated REST routes (POST only).
std::optional<endpoint> api_endpoint(std::string_view path) {
  if (path == "/v2/vectordb/indexes/list") {
    return endpoint::index_list;
  }
  if (path == "/v2/vectordb/indexes/describe") {
    return endpoint::index_describe;
  }
  if (path == "/v2/vectordb/collections/get_load_state") {
    return endpoint::load_state;
  }
  if (!path.starts_with(job_prefix)) {
    return std::nullopt;
  }
  const auto op = path.substr(job_prefix.size());
  if (op == "refresh") {
    return endpoint::refresh;
  }
  if (op == "describe") {
    return endpoint::describe;
  }
  if (op == "list") {
    return endpoint::list;
  }
  return std::nullopt;
}

http_response to_http(const reply& r, const http_request& req) {
  http_response res{static_cast<http::status>(r.http_status), req.version()};
  res.set(http::field::content_type, r.content_type);
  for (const auto& [name, value] : r.headers) {
    res.set(name, value);
  }
  res.body() = r.body;
  return res;
}

request_meta meta_of(const http_request& req) {
  request_meta meta;
  meta.authorization = std::string(req[http::field::authorization]);
  meta.db_name = std::string(req["DB-Name"]);
  if (auto it = req.find("Request-Timeout"); it != req.end()) {
    meta.request_timeout = std::string(it->value());
  }
  return meta;
}

// The server-side deadline: Request-Timeout seconds when it parses as a positive integer.
std::int64_t timeout_ms(const request_meta& meta) {
  if (!meta.request_timeout) {
    return default_request_timeout_ms;
  }
  const auto& s = *meta.request_timeout;
  std::int64_t seconds = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), seconds);
  if (ec != std::errc{} || p != s.data() + s.size() || seconds <= 0 || seconds > 86'400) {
    return default_request_timeout_ms;
  }
  return seconds * 1000;
}

awaitable<http_response> handle_job(simulator& sim, std::mt19937_64& rng, http_request& req,
                                    endpoint op) {
  const auto meta = meta_of(req);
  const auto fault = sim.pick_fault(rng);
  const auto latency = sim.config().latency_ms;
  bool timed_out = false;
  if (latency > 0) {
    const auto deadline = timeout_ms(meta);
    timed_out = latency >= deadline;
    net::steady_timer timer(co_await net::this_coro::executor,
                            std::chrono::milliseconds(std::min(latency, deadline)));
    co_await timer.async_wait(use_awaitable);
  }
  auto r = sim.handle(op, meta, req.body(), wall_clock_ms(), fault, timed_out);
  spdlog::debug("{} ({} bytes) -> HTTP {}{}", to_string(op), req.body().size(), r.http_status,
                r.reset ? " (reset)" : "");
  if (r.reset) {
    throw http_connection_reset{};
  }
  co_return to_http(r, req);
}

awaitable<http_response> handle(simulator& sim, std::mt19937_64& rng, http_request& req) {
  const std::string_view target = req.target();
  const auto path = target.substr(0, target.find('?'));
  if (path.starts_with("/_sim/")) {
    co_return to_http(handle_control(sim, req.method_string(), target, req.body()), req);
  }
  if (auto op = api_endpoint(path); op && req.method() == http::verb::post) {
    auto res = co_await handle_job(sim, rng, req, *op);
    co_return res;
  }
  reply r;
  r.http_status = 404;
  r.content_type = "text/plain";
  r.body = "404 page not found";
  co_return to_http(r, req);
}

}  // namespace

http_handler make_http_handler(simulator& sim, std::uint64_t seed) {
  auto rng = std::make_shared<std::mt19937_64>(seed);
  return [&sim, rng](http_request& req) { return handle(sim, *rng, req); };
}

}  // namespace refreshd::sim
