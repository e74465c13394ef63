#include <algorithm>
#include <cstdint>
#include <limits>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <refreshd/client/http_client.hpp>

#include "http_client_impl.hpp"

namespace refreshd::client {
namespace {

using detail::error_code;

http_response to_response(http::response<http::string_body>&& msg) {
  http_response out;
  out.status = static_cast<int>(msg.result_int());
  out.body = std::move(msg.body());
  for (const auto& field : msg) {
    out.headers.push_back({std::string(field.name_string()), std::string(field.value())});
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// queue

http_client::impl::waiter::waiter(impl& o, detail::clock::time_point deadline)
    : owner(o), timer(o.ex_, deadline) {
  owner.waiters_.push_back(this);
}

http_client::impl::waiter::~waiter() {
  std::erase(owner.waiters_, this);
}

awaitable<std::optional<transport_error>> http_client::impl::acquire(const request_state& st) {
  if (!busy_ && !closed_) {
    busy_ = true;
    co_return std::nullopt;
  }
  waiter w(*this, st.deadline);
  if (!closed_) {
    co_await w.timer.async_wait(use_nothrow);
  }
  if (w.granted) {
    co_return std::nullopt;
  }
  if (closed_) {
    co_return fail(phase::queue, net::error::operation_aborted, budget{}, st);
  }
  co_return deadline_error(phase::queue, st);
}

void http_client::impl::release() noexcept {
  if (closed_ || waiters_.empty()) {
    busy_ = false;
    return;
  }
  waiter* next = waiters_.front();
  waiters_.pop_front();
  next->granted = true;  // busy_ stays true: the turn passes straight to `next`
  next->timer.cancel();
}

void http_client::impl::close() noexcept {
  closed_ = true;
  for (waiter* w : waiters_) {
    w->timer.cancel();
  }
  if (auto wait = resolving_.lock()) {
    wait->timer.cancel();
  }
  if (conn_) {
    conn_->close();
  }
}

// ---------------------------------------------------------------------------------------------
// request

awaitable<http_result> http_client::impl::run(std::shared_ptr<impl> self, http_method method,
                                              std::string path, std::string body,
                                              std::vector<http_header> headers, bool replayable) {
  request_state st{detail::clock::now() + self->options_.request_timeout, false, replayable};
  detail::request req;
  if (auto err = self->build(req, method, path, std::move(body), headers)) {
    co_return *err;
  }
  if (auto err = co_await self->acquire(st)) {
    co_return *err;
  }
  turn t{*self};
  co_return co_await self->exchange(req, st);
}

std::optional<transport_error> http_client::impl::build(
    detail::request& req, http_method method, const std::string& path, std::string body,
    const std::vector<http_header>& headers) const {
  auto reject = [](std::string message) {
    return transport_error{transport_stage::url, std::move(message), false, false, false};
  };
  if (path.empty() || path.front() != '/' || detail::has_line_break(path) ||
      path.find(' ') != std::string::npos) {
    return reject("request path must start with '/' and contain no spaces or line breaks");
  }
  for (const auto& h : headers) {
    if (h.name.empty() || detail::has_line_break(h.name) || detail::has_line_break(h.value)) {
      // The value is a secret more often than not (Authorization): name the header only.
      return reject(detail::has_line_break(h.name) || h.name.empty()
                        ? "a request header name is empty or contains a line break; not sent"
                        : fmt::format("request header {} contains a line break; not sent", h.name));
    }
  }
  req.method(method == http_method::get   ? http::verb::get
             : method == http_method::put ? http::verb::put
                                          : http::verb::post);
  req.target(endpoint_.prefix + path);
  req.version(11);
  req.set(http::field::host, endpoint_.host_header);
  req.set(http::field::user_agent, options_.user_agent);
  req.set(http::field::content_type, "application/json");
  req.set(http::field::accept, "application/json");
  for (const auto& h : headers) {
    req.set(h.name, h.value);
  }
  req.body() = std::move(body);
  req.prepare_payload();
  return std::nullopt;
}

awaitable<http_result> http_client::impl::exchange(const detail::request& req, request_state& st) {
  bool retried = false;
  for (;;) {
    if (conn_ && !conn_->reusable()) {
      spdlog::debug("kept-alive connection to {} was closed by the server; reconnecting",
                    endpoint_.authority);
      drop_connection();
    }
    const bool reused = conn_ != nullptr;
    if (!conn_) {
      if (auto err = co_await open(st)) {
        co_return *err;
      }
    }
    attempt_outcome out = co_await attempt(req, st);
    if (out.response) {
      co_return std::move(*out.response);
    }
    drop_connection();
    if (out.stale && reused && !retried && !closed_ && (st.replayable || !st.maybe_sent)) {
      spdlog::debug("{}; retrying once on a new connection", out.error.message);
      retried = true;
      continue;
    }
    co_return std::move(out.error);
  }
}

awaitable<http_client::impl::attempt_outcome> http_client::impl::attempt(const detail::request& req,
                                                                         request_state& st) {
  attempt_outcome out;
  auto b = detail::budget_for(options_.io_timeout, st);
  if (!b) {
    out.error = deadline_error(phase::write, st);
    co_return out;
  }
  auto [wec, written] = co_await conn_->async_write(req, b->limit);
  st.maybe_sent = st.maybe_sent || written > 0 || !wec;
  if (wec) {
    out.stale = detail::is_peer_closed(wec);
    out.error = fail(phase::write, wec, *b, st);
    co_return out;
  }
  b = detail::budget_for(options_.io_timeout, st);
  if (!b) {
    out.error = deadline_error(phase::read, st);
    co_return out;
  }
  detail::response_parser parser;
  parser.header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(options_.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
  parser.body_limit(options_.max_body_bytes);
  const error_code rec = co_await conn_->async_read(parser, b->limit);
  st.header_done = parser.is_header_done();
  if (rec) {
    out.stale = detail::is_peer_closed(rec) && !parser.got_some();
    out.error = fail(phase::read, rec, *b, st);
    co_return out;
  }
  auto msg = parser.release();
  if (!msg.keep_alive()) {
    drop_connection();  // "Connection: close", HTTP/1.0 or a body delimited by EOF
  }
  out.response = to_response(std::move(msg));
  co_return out;
}

void http_client::impl::drop_connection() noexcept {
  if (conn_) {
    conn_->close();
    conn_.reset();
  }
}

// ---------------------------------------------------------------------------------------------
// public face

http_client::http_client(executor ex, std::string_view endpoint, http_client_options options)
    : impl_(std::make_shared<impl>(std::move(ex), endpoint, std::move(options))) {}

http_client::~http_client() {
  if (impl_) {
    impl_->close();
  }
}

awaitable<http_result> http_client::async_post(std::string_view path, std::string body,
                                               std::vector<http_header> headers, bool replayable) {
  // Not a coroutine itself: the frame owns a reference to the state, not to *this.
  return impl::run(impl_, http_method::post, std::string(path), std::move(body), std::move(headers),
                   replayable);
}

awaitable<http_result> http_client::async_request(http_method method, std::string_view path,
                                                  std::string body,
                                                  std::vector<http_header> headers,
                                                  bool replayable) {
  return impl::run(impl_, method, std::string(path), std::move(body), std::move(headers),
                   replayable);
}

const http_client_options& http_client::options() const noexcept {
  return impl_->options_;
}
const std::string& http_client::authority() const noexcept {
  return impl_->endpoint_.authority;
}
bool http_client::is_tls() const noexcept {
  return impl_->endpoint_.tls;
}

}  // namespace refreshd::client
