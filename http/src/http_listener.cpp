#include <stdexcept>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>

#include <refreshd/config/token.hpp>
#include <refreshd/http/http_api.hpp>
#include <refreshd/http/http_listener.hpp>
#include <refreshd/http/listen_tls.hpp>
#include <refreshd/http/read_auth.hpp>
#include <refreshd/log/logging.hpp>
#include <refreshd/net/http_server.hpp>

namespace refreshd::daemon {
namespace {

tcp::endpoint resolve(executor ex, const config::listen_address& at) {
  boost::system::error_code ec;
  const auto address = net::ip::make_address(at.host, ec);
  if (!ec) {
    return {address, at.port};
  }
  tcp::resolver resolver(ex);
  const auto results = resolver.resolve(at.host, std::to_string(at.port), ec);
  if (ec || results.empty()) {
    throw std::runtime_error("cannot listen on " + config::to_string(at) +
                             ": cannot resolve the host: " + ec.message());
  }
  return results.begin()->endpoint();
}

awaitable<http_reply> serve(std::shared_ptr<http_api> api, http_request& req) {
  api_request r;
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  if (const auto it = req.find(http::field::authorization); it != req.end()) {
    r.authorization = std::string(it->value());
  }
  if (const auto it = req.find(http::field::accept_encoding); it != req.end()) {
    r.accept_encoding = std::string(it->value());
  }
  r.body = std::move(req.body());
  api_response res = co_await api->async_handle(std::move(r));
  http_response out{static_cast<http::status>(res.status), req.version()};
  out.set(http::field::content_type, res.content_type);
  out.set("X-Content-Type-Options", "nosniff");
  for (const auto& [name, value] : res.headers) {
    out.insert(name, value);  // insert: WWW-Authenticate may come twice
  }
  if (!res.parts) {
    out.body() = std::move(res.body);
    co_return out;
  }
  // Each part is made after a trip through the executor's queue: whatever became ready while
  // the previous part was written (a due trigger, a /healthz) runs first.
  co_return http_reply(std::move(out), [parts = std::move(res.parts)]() -> awaitable<std::string> {
    co_await net::post(co_await net::this_coro::executor, use_awaitable);
    co_return parts();
  });
}

}  // namespace

http_listener::http_listener(executor ex, const config::listen_address& at,
                             std::shared_ptr<http_api> api, http_listener_limits limits,
                             std::shared_ptr<ssl::context> tls) {
  http_server_options options;
  options.limits = to_server_limits(limits);
  options.on_error = [](std::string_view line) {
    log_fields f;
    f.add("error", std::string(line));
    log_event(config::log_level::warn, "http server error", f);
  };
  const auto endpoint = resolve(ex, at);
  api_ = api;
  http_stream_handler handler = [api = std::move(api)](http_request& req) {
    return serve(api, req);
  };
  try {
    server_ = std::make_unique<http_server>(ex, endpoint, std::move(handler), std::move(options),
                                            std::move(tls));
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error("cannot listen on " + config::to_string(at) + ": " +
                             e.code().message());
  }
}

http_listener::~http_listener() = default;

void http_listener::start() {
  server_->start();
}

void http_listener::stop() {
  server_->stop();
}

void http_listener::set_admin_token(std::optional<config::secret_string> token) {
  api_->set_admin_token(std::move(token));
}

void http_listener::set_read_auth(std::shared_ptr<read_credentials> credentials) {
  api_->set_read_auth(std::move(credentials));
}

void http_listener::set_tls_context(std::shared_ptr<ssl::context> tls) {
  server_->set_tls_context(std::move(tls));
}

bool http_listener::is_tls() const noexcept {
  return server_->is_tls();
}

bool http_listener::is_loopback() const {
  return server_->local_endpoint().address().is_loopback();
}

std::optional<config::secret_string> read_admin_token(const config::config& cfg) {
  if (cfg.admin.token.kind == config::token_kind::none) {
    return std::nullopt;
  }
  return config::secret_string(config::read_token(cfg.admin.token, config::process_env()));
}

std::string http_listener::url() const {
  const auto ep = server_->local_endpoint();
  const auto host =
      ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string();
  return (server_->is_tls() ? "https://" : "http://") + host + ":" + std::to_string(ep.port());
}

std::unique_ptr<http_listener> start_http_listener(executor ex,
                                                   const std::shared_ptr<runtime_view>& rt,
                                                   metrics_source metrics) {
  http_api_options options;
  const auto& cfg = rt->configuration();
  options.admin_token = read_admin_token(cfg);
  options.metrics = std::move(metrics);
  options.read_auth = load_read_credentials(cfg);
  const bool admin = options.admin_token.has_value();
  const bool read_auth = options.read_auth != nullptr;
  auto tls = cfg.listen_tls.enabled() ? make_listen_tls_context(cfg.listen_tls) : nullptr;
  auto api = std::make_shared<http_api>(rt, std::move(options));
  auto listener =
      std::make_unique<http_listener>(ex, cfg.listen, std::move(api), http_listener_limits{}, tls);
  listener->start();
  log_fields f;
  f.add("admin", admin ? "enabled" : "disabled");
  f.add("read_auth", read_auth ? "enabled" : "disabled");
  f.add("tls", tls == nullptr                          ? "disabled"
               : cfg.listen_tls.client_ca_file.empty() ? "enabled"
                                                       : "mutual");
  log_event(config::log_level::info, "listening on " + listener->url(), f);
  if (tls == nullptr && !listener->is_loopback()) {
    log_fields w;
    w.add("listen", config::to_string(cfg.listen));
    w.add("admin", admin ? "enabled" : "disabled");
    w.add("read_auth", read_auth ? "enabled" : "disabled");
    log_event(config::log_level::warn,
              "listening on a non-loopback address without TLS: /metrics, /status, /" +
                  std::string(admin ? " and the admin endpoint" : "") +
                  " (and any credentials sent to them) travel in clear text; set listen_tls",
              w);
  }
  return listener;
}

}  // namespace refreshd::daemon
