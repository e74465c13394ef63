#pragma once
// The daemon's HTTP API (docs/HTTP.md, docs/HTTP.md): a router from a plain request to a plain
// response, independent of Beast (http_listener.cpp adapts it to net::http_server). Every
// endpoint but the admin trigger is a pure function of the runtime's state (handle()); the
// admin trigger awaits the runtime (async_handle()).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <refreshd/config/secret.hpp>
#include <refreshd/http/gzip_parts.hpp>
#include <refreshd/http/http_route.hpp>
#include <refreshd/net/asio.hpp>
#include <refreshd/runtime/runtime_view.hpp>

namespace refreshd::daemon {

class read_credentials;

struct api_request {
  std::string method;                        ///< "GET", "POST", ...
  std::string target;                        ///< origin-form: "/status?x=1"
  std::optional<std::string> authorization;  ///< the Authorization header, if sent
  std::string accept_encoding{};             ///< the Accept-Encoding header, if sent
  std::string body{};                        ///< as received (the listener bounds it)
};

struct api_response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  ///< extra headers (Allow, ...)
  /// Set: the body is written part by part (`body` is ignored), with the event loop free
  /// between two parts (http_listener.cpp).
  body_parts parts;
};

/// Every part of `r` joined (its `body` when it has no parts).
std::string whole_body(const api_response& r);

/// The /metrics exposition: called once per scrape, it returns the parts of that scrape.
using metrics_source = std::function<body_parts()>;
/// A metrics_source of one fixed text (tests).
metrics_source fixed_metrics(std::string text);

/// {"error":"..."} with `status`.
api_response json_error(int status, std::string_view message);
/// A JSON answer whose body is already serialized (dump_json).
api_response json_answer(int status, std::string body);

/// The HTTP answer to an admin result: 202 {"job_id":N} (triggered), 202 {"job_id":null,
/// "queued":true,...}, 409 {"job_id":N|null,...} (already running / suspended), 503 with
/// Retry-After (unavailable), 502 {"error","class","message"} (failed).
api_response admin_response(const admin_refresh_result& r);

/// POST …/pause (body: nothing, or {"reason":"..."}) and …/resume of collections()[index]
/// (docs/HTTP.md "Pause and resume"): 200 {"paused":true,"reason","at","quarantined"} or
/// {"paused":false}; 400 for a bad body; 500 {"error"} when the change could not be saved.
awaitable<api_response> async_pause_request(std::shared_ptr<runtime_view> rt, std::size_t index,
                                            admin_action action, std::string body);

struct http_api_options {
  /// The admin token; nullopt: the admin API is disabled (403 "admin API disabled").
  std::optional<config::secret_string> admin_token;
  /// The /metrics exposition (Prometheus text 0.0.4); empty: /metrics answers 503. At most
  /// max_scrapes scrapes are written at once; another one answers 503 with Retry-After.
  metrics_source metrics;
  std::size_t max_scrapes = 2;
  /// `read_auth`: credentials required for GET /metrics, /status and / (401 with
  /// WWW-Authenticate without them, 429 when bcrypt checks are throttled); nullptr: open.
  std::shared_ptr<read_credentials> read_auth;
};

/// The Content-Security-Policy of the status page: no scripts, no external anything, only
/// its inline <style>.
inline constexpr std::string_view status_page_csp =
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

/// The router over a runtime, through its clock-independent view (runtime_view.hpp).
class http_api {
 public:
  http_api(std::shared_ptr<runtime_view> rt, http_api_options options);

  /// Every request: the admin trigger awaits the runtime, the rest is handle().
  awaitable<api_response> async_handle(api_request request);
  /// Every request except a valid, authorized admin trigger, which yields nullopt (only
  /// async_handle answers it).
  std::optional<api_response> handle(const api_request& request) const;
  /// After a reload: the re-read admin token (nullopt disables the admin endpoint).
  void set_admin_token(std::optional<config::secret_string> token) {
    options_.admin_token = std::move(token);
  }
  /// After a reload: the re-read read_auth credentials (nullptr: the read endpoints are open).
  void set_read_auth(std::shared_ptr<read_credentials> credentials) {
    options_.read_auth = std::move(credentials);
  }

 private:
  /// An authorized admin trigger of collections()[index].
  struct admin_call {
    std::size_t index = 0;
    admin_action action = admin_action::refresh;
  };
  using routed = std::variant<api_response, admin_call>;
  routed route_request(const api_request& request) const;
  api_response fixed(std::string_view path, std::string_view target) const;
  /// GET /status and / with the filters and paging of the query (docs/HTTP.md).
  api_response status_response(std::string_view path, std::string_view target) const;
  std::optional<api_response> check_read(const api_request& request, std::string_view path) const;
  routed check_admin(const api_request& request, const route_admin& a) const;
  /// Positions in collections() sorted by cluster, database and name (4 bytes a collection,
  /// bench/RESULTS.md §11), rebuilt when a reload changed them.
  void refresh_index() const;
  /// The position of that collection in collections(), if it is configured.
  std::optional<std::size_t> find_collection(const route_admin& a) const;

  api_response metrics_response(const api_request& request) const;

  std::shared_ptr<runtime_view> rt_;
  http_api_options options_;
  /// Scrapes being written (shared with their parts, which count themselves out when done).
  std::shared_ptr<std::size_t> scrapes_ = std::make_shared<std::size_t>(0);
  mutable std::vector<std::uint32_t> index_;
  mutable std::uint64_t index_generation_ = 0;
};

}  // namespace refreshd::daemon
