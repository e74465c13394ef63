#include <algorithm>

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <fmt/format.h>

#include <refreshd/schedule/duration.hpp>

#include "http_client_impl.hpp"

namespace refreshd::client {
namespace detail {

std::optional<budget> budget_for(std::chrono::milliseconds phase_timeout, const request_state& st) {
  const auto remaining = std::chrono::ceil<std::chrono::milliseconds>(st.deadline - clock::now());
  if (remaining <= std::chrono::milliseconds::zero()) {
    return std::nullopt;
  }
  if (remaining < phase_timeout) {
    return budget{remaining, true};
  }
  return budget{phase_timeout, false};
}

}  // namespace detail

namespace {

struct phase_text {
  transport_stage stage;
  const char* action;  // "<action> <authority> failed: ..."
  const char* during;  // "... while <during>"
};

phase_text text_of(detail::phase p) {
  using detail::phase;
  switch (p) {
    case phase::queue:
      return {transport_stage::connect, "wait for the connection to",
              "queued behind other requests"};
    case phase::resolve:
      return {transport_stage::resolve, "resolve", "resolving the host name"};
    case phase::connect:
      return {transport_stage::connect, "connect to", "connecting"};
    case phase::handshake:
      return {transport_stage::tls_handshake, "TLS handshake with", "in the TLS handshake"};
    case phase::write:
      return {transport_stage::write, "send the request to", "sending the request"};
    case phase::read:
      return {transport_stage::read, "read the response from", "reading the response"};
  }
  return {transport_stage::connect, "reach", "connecting"};
}

std::string describe(const detail::error_code& ec) {
  if (ec == http::error::end_of_stream) {
    return "the server closed the connection without answering";
  }
  if (ec == http::error::partial_message) {
    return "the server closed the connection in the middle of the response";
  }
  return ec.message();
}

const char* trust_hint(const std::string& verify_failure) {
  const bool untrusted = verify_failure.find("issuer") != std::string::npos ||
                         verify_failure.find("self-signed") != std::string::npos ||
                         verify_failure.find("self signed") != std::string::npos;
  return untrusted ? " (is the server's CA in the system store or tls.ca_file?)" : "";
}

}  // namespace

http_client::impl::impl(executor ex, std::string_view endpoint, http_client_options options)
    : ex_(std::move(ex)),
      options_(std::move(options)),
      endpoint_(detail::parse_endpoint(endpoint)) {
  if (endpoint_.tls) {
    tls_ctx_.emplace(detail::make_tls_context(options_.tls, endpoint_.authority));
  }
}

awaitable<std::optional<transport_error>> http_client::impl::resolve(
    request_state& st, tcp::resolver::results_type& out) {
  const auto b = detail::budget_for(options_.connect_timeout, st);
  if (!b) {
    co_return deadline_error(phase::resolve, st);
  }
  auto wait = std::make_shared<detail::lookup_wait>(ex_);
  wait->timer.expires_after(b->limit);
  resolving_ = wait;
  detail::start_lookup(ex_, endpoint_.host, endpoint_.port, wait);
  if (!wait->result) {
    co_await wait->timer.async_wait(use_nothrow);
  }
  resolving_.reset();
  if (!wait->result) {
    // Timed out or closed: the lookup goes on without this caller (resolver.hpp).
    co_return fail(phase::resolve,
                   closed_ ? detail::error_code(net::error::operation_aborted)
                           : detail::error_code(beast::error::timeout),
                   *b, st);
  }
  if (wait->result->refused) {
    co_return transport_error{
        transport_stage::resolve,
        fmt::format("resolve {} failed: {} host name lookups are already running (is a name "
                    "server not answering?); not starting another",
                    endpoint_.authority, detail::max_running_lookups),
        st.maybe_sent, false, false};
  }
  if (wait->result->ec) {
    co_return fail(phase::resolve, wait->result->ec, *b, st);
  }
  out = std::move(wait->result->results);
  co_return std::nullopt;
}

awaitable<std::optional<transport_error>> http_client::impl::open(request_state& st) {
  tcp::resolver::results_type endpoints;
  if (auto err = co_await resolve(st, endpoints)) {
    co_return err;
  }
  if (closed_) {
    co_return fail(phase::connect, net::error::operation_aborted, budget{}, st);
  }
  conn_ = std::make_unique<detail::connection>(
      ex_, tls_ctx_ ? &*tls_ctx_ : nullptr,
      std::max(options_.max_buffer_bytes, options_.max_header_bytes));
  auto b = detail::budget_for(options_.connect_timeout, st);
  if (!b) {
    co_return deadline_error(phase::connect, st);
  }
  if (auto ec = co_await conn_->async_connect(endpoints, b->limit)) {
    auto err = fail(phase::connect, ec, *b, st);
    drop_connection();
    co_return err;
  }
  if (!tls_ctx_) {
    co_return std::nullopt;
  }
  const bool verify = !options_.tls.insecure_skip_verify;
  if (!conn_->prepare_tls(endpoint_.host, endpoint_.host_is_ip, verify)) {
    drop_connection();
    co_return transport_error{
        transport_stage::tls_handshake,
        fmt::format("TLS setup for {} failed: OpenSSL rejected the host name", endpoint_.authority),
        st.maybe_sent, false, false};
  }
  b = detail::budget_for(options_.connect_timeout, st);
  if (!b) {
    drop_connection();
    co_return deadline_error(phase::handshake, st);
  }
  if (auto ec = co_await conn_->async_handshake(b->limit)) {
    auto err = fail(phase::handshake, ec, *b, st);
    drop_connection();
    co_return err;
  }
  conn_->tcp().expires_never();
  co_return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// errors

transport_error http_client::impl::fail(phase p, const detail::error_code& ec, const budget& b,
                                        const request_state& st) const {
  const phase_text text = text_of(p);
  if (detail::is_timeout(ec) && b.deadline_bound) {
    return deadline_error(p, st);
  }
  transport_error err{text.stage, {}, st.maybe_sent, false, false};
  if (ec == net::error::operation_aborted && closed_) {
    err.message =
        fmt::format("{} {} aborted: the client was closed", text.action, endpoint_.authority);
  } else if (detail::is_timeout(ec)) {
    err.timed_out = true;
    err.message = fmt::format("{} {} timed out after {}", text.action, endpoint_.authority,
                              schedule::format_duration(b.limit));
  } else if (detail::is_too_large(ec)) {
    err.too_large = true;
    if (ec == http::error::body_limit) {
      err.message = fmt::format("response body from {} is larger than {} bytes",
                                endpoint_.authority, options_.max_body_bytes);
    } else if (ec == http::error::buffer_overflow && st.header_done) {
      err.message = fmt::format(
          "a chunk-size line or the trailer section from {} is larger than {} bytes",
          endpoint_.authority, std::max(options_.max_buffer_bytes, options_.max_header_bytes));
    } else {
      err.message = fmt::format("response header from {} is larger than {} bytes",
                                endpoint_.authority, options_.max_header_bytes);
    }
  } else {
    err.message = fmt::format("{} {} failed: {}", text.action, endpoint_.authority, describe(ec));
    if (p == phase::handshake && conn_) {
      if (auto why = conn_->verify_failure(); !why.empty()) {
        err.message += fmt::format(": {}{}", why, trust_hint(why));
      }
    }
  }
  return err;
}

transport_error http_client::impl::deadline_error(phase p, const request_state& st) const {
  return transport_error{
      transport_stage::deadline,
      fmt::format("request to {} timed out after {} (request_timeout) while {}",
                  endpoint_.authority, schedule::format_duration(options_.request_timeout),
                  text_of(p).during),
      st.maybe_sent, true, false};
}

}  // namespace refreshd::client
