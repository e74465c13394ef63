#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <refreshd/net/asio.hpp>
#include <refreshd/test/http.hpp>

namespace refreshd::test {

http_reply http_request(std::string_view method, const std::string& host, unsigned short port,
                        std::string_view target, std::string body,
                        std::vector<std::pair<std::string, std::string>> headers,
                        std::chrono::milliseconds timeout) {
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.expires_after(timeout);
  tcp::endpoint ep(net::ip::make_address(host), port);
  beast::error_code ec;
  stream.connect(ep, ec);
  if (ec) {
    throw std::runtime_error("connect " + host + ":" + std::to_string(port) + ": " + ec.message());
  }
  http::request<http::string_body> req(
      method == "GET" ? http::verb::get : http::string_to_verb(method), target, 11);
  req.set(http::field::host, host);
  if (!body.empty() || method == "POST") {
    req.set(http::field::content_type, "application/json");
  }
  for (auto& [k, v] : headers) {
    req.set(k, v);
  }
  req.body() = std::move(body);
  req.prepare_payload();
  http::write(stream, req, ec);
  if (ec) {
    throw std::runtime_error("write: " + ec.message());
  }
  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  http::read(stream, buf, parser, ec);
  if (ec) {
    throw std::runtime_error("read: " + ec.message());
  }
  auto& res = parser.get();
  http_reply reply;
  reply.status = static_cast<int>(res.result_int());
  reply.body = std::move(res.body());
  for (auto& f : res) {
    reply.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  }
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return reply;
}

}  // namespace refreshd::test
