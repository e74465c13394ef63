#include "connection.hpp"

#include <cerrno>
#include <sys/socket.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

namespace refreshd::client::detail {

connection::connection(const executor& ex, ssl::context* tls, std::size_t max_buffer_bytes)
    : buffer_(max_buffer_bytes) {
  if (tls != nullptr) {
    tls_.emplace(ex, *tls);
  } else {
    plain_.emplace(ex);
  }
}

beast::tcp_stream& connection::tcp() noexcept {
  return tls_ ? tls_->next_layer() : *plain_;
}

awaitable<error_code> connection::async_connect(const tcp::resolver::results_type& endpoints,
                                                std::chrono::milliseconds limit) {
  tcp().expires_after(limit);
  auto [ec, endpoint] = co_await tcp().async_connect(endpoints, use_nothrow);
  tcp().expires_never();
  if (!ec) {
    error_code ignored;  // latency over batching: a request is one write, the reply one read
    tcp().socket().set_option(tcp::no_delay(true), ignored);
  }
  co_return ec;
}

bool connection::prepare_tls(const std::string& host, bool host_is_ip, bool verify) {
  SSL* ssl = tls_->native_handle();
  // SNI carries names only (RFC 6066).
  // SSL_set_tlsext_host_name is a macro with a C-style cast; this is its expansion.
  if (!host_is_ip && SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                              const_cast<char*>(host.c_str())) != 1) {
    return false;
  }
  if (!verify) {
    return true;
  }
  // OpenSSL's own check reports X509_V_ERR_HOSTNAME_MISMATCH / IP_ADDRESS_MISMATCH, which
  // gives a clearer message than a verify callback that only returns false.
  if (host_is_ip) {
    return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) == 1;
  }
  return SSL_set1_host(ssl, host.c_str()) == 1;
}

awaitable<error_code> connection::async_handshake(std::chrono::milliseconds limit) {
  tcp().expires_after(limit);
  auto [ec] = co_await tls_->async_handshake(ssl::stream_base::client, use_nothrow);
  co_return ec;
}

std::string connection::verify_failure() const {
  if (!tls_) {
    return {};
  }
  // native_handle() is not const in Asio; the SSL object is only read here.
  SSL* ssl = const_cast<ssl::stream<beast::tcp_stream>&>(*tls_).native_handle();
  const long result = SSL_get_verify_result(ssl);
  if (result == X509_V_OK) {
    return {};
  }
  return X509_verify_cert_error_string(result);
}

awaitable<std::pair<error_code, std::size_t>> connection::async_write(
    const request& req, std::chrono::milliseconds limit) {
  tcp().expires_after(limit);
  if (tls_) {
    auto [ec, n] = co_await http::async_write(*tls_, req, use_nothrow);
    co_return std::pair{ec, n};
  }
  auto [ec, n] = co_await http::async_write(*plain_, req, use_nothrow);
  co_return std::pair{ec, n};
}

awaitable<error_code> connection::async_read(response_parser& parser,
                                             std::chrono::milliseconds limit) {
  tcp().expires_after(limit);
  error_code result;
  if (tls_) {
    auto [ec, n] = co_await http::async_read(*tls_, buffer_, parser, use_nothrow);
    result = ec;
  } else {
    auto [ec, n] = co_await http::async_read(*plain_, buffer_, parser, use_nothrow);
    result = ec;
  }
  tcp().expires_never();
  if (!result) {
    ++exchanges;
  }
  co_return result;
}

template <class Read>
awaitable<error_code> connection::bounded(std::chrono::milliseconds limit, Read read) {
  tcp().expires_after(limit);
  error_code result;
  if (tls_) {
    auto [ec, n] = co_await read(*tls_);
    result = ec;
  } else {
    auto [ec, n] = co_await read(*plain_);
    result = ec;
  }
  tcp().expires_never();
  co_return result;
}

awaitable<error_code> connection::async_read_header(stream_parser& parser,
                                                    std::chrono::milliseconds limit) {
  return bounded(limit, [this, &parser](auto& stream) {
    return http::async_read_header(stream, buffer_, parser, use_nothrow);
  });
}

awaitable<error_code> connection::async_read_some(stream_parser& parser,
                                                  std::chrono::milliseconds limit) {
  return bounded(limit, [this, &parser](auto& stream) {
    return http::async_read_some(stream, buffer_, parser, use_nothrow);
  });
}

bool connection::reusable() {
  if (buffer_.size() != 0 || !tcp().socket().is_open()) {
    return false;
  }
  // An idle keep-alive connection must have nothing to read: EOF (0), a TLS close_notify or
  // any other byte means the server is done with it.
  char byte = 0;
  const auto n = ::recv(tcp().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void connection::close() noexcept {
  error_code ignored;
  tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
  tcp().socket().close(ignored);
}

bool is_timeout(const error_code& ec) noexcept {
  return ec == beast::error::timeout;
}

bool is_too_large(const error_code& ec) noexcept {
  return ec == http::error::header_limit || ec == http::error::body_limit ||
         ec == http::error::buffer_overflow;
}

bool is_peer_closed(const error_code& ec) noexcept {
  return ec == http::error::end_of_stream || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == net::error::not_connected || ec == ssl::error::stream_truncated;
}

}  // namespace refreshd::client::detail
