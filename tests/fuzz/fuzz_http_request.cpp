// libFuzzer target: the daemon's HTTP request path (docs/SECURITY.md). Each input is sent, in
// pieces whose size the first byte chooses, over a real loopback connection to net::http_server
// running with the daemon's limits (http_listener_limits); what the server parses goes through
// the daemon's request classification (parse_route, bearer_token, read_credentials with a
// token and a bcrypt user). The server must answer or close, never crash, never hang after the
// client half-closes; every answer must be an HTTP/1.x response with a status the daemon can
// send. Memory is bounded by -rss_limit_mb and -malloc_limit_mb (run_fuzzer.sh).

#include <crypt.h>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>

#include <refreshd/config/secret.hpp>
#include <refreshd/http/http_limits.hpp>
#include <refreshd/http/http_route.hpp>
#include <refreshd/http/read_auth.hpp>
#include <refreshd/net/http_server.hpp>

namespace {

using namespace refreshd;
using namespace refreshd::daemon;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

void check(bool condition) {
  if (!condition) {
    __builtin_trap();
  }
}

constexpr std::string_view admin_token = "fuzz-admin-token";

std::string bcrypt_hash(const char* password) {
  crypt_data data{};
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  check(crypt_gensalt_rn("$2b$", 4, nullptr, 0, salt, sizeof salt) != nullptr);
  const char* hash = crypt_r(password, salt, &data);
  check(hash != nullptr && hash[0] == '$');
  return hash;
}

/// The daemon's decisions on a request, without a runtime: the status it would answer.
int classify(read_credentials& read_auth, const http_request& req) {
  std::optional<std::string_view> authorization;
  if (const auto it = req.find(http::field::authorization); it != req.end()) {
    authorization = it->value();
  }
  const route r = parse_route(req.target());
  if (const auto* m = std::get_if<route_malformed>(&r)) {
    check(!m->why.empty());
    return 400;
  }
  if (std::holds_alternative<route_unknown>(r)) {
    return 404;
  }
  if (const auto* a = std::get_if<route_admin>(&r)) {
    for (const auto* s : {&a->cluster, &a->database, &a->collection}) {
      check(!s->empty() && s->find('/') == std::string::npos);
    }
    if (req.method() != http::verb::post) {
      return 405;
    }
    const auto token = authorization ? bearer_token(*authorization) : std::nullopt;
    return token && constant_time_equal(*token, admin_token) ? 202 : 401;
  }
  const auto path = std::get<route_fixed>(r).path;
  if (req.method() != http::verb::get) {
    return 405;
  }
  if (path == "/healthz" || path == "/readyz") {
    return 200;
  }
  switch (read_auth.check(authorization)) {
    case read_verdict::allowed:
      return 200;
    case read_verdict::throttled:
      return 429;
    case read_verdict::missing:
    case read_verdict::wrong:
      return 401;
  }
  return 500;
}

struct fixture {
  net::io_context ioc;
  std::shared_ptr<read_credentials> read_auth;
  std::unique_ptr<http_server> server;
  unsigned short port = 0;

  fixture() {
    read_auth = std::make_shared<read_credentials>(
        config::secret_string("fuzz-read-token"),
        std::vector<config::basic_auth_user>{
            {"prometheus", config::secret_string(bcrypt_hash("scrape"))}});
    http_server_options options;
    options.limits = to_server_limits(http_listener_limits{});
    options.on_error = [](std::string_view) {};
    http_handler handler = [this](http_request& req) -> awaitable<http_response> {
      http_response res{static_cast<http::status>(classify(*read_auth, req)), req.version()};
      res.set(http::field::content_type, "text/plain");
      res.body() = "ok\n";
      co_return res;
    };
    server = std::make_unique<http_server>(ioc.get_executor(),
                                           tcp::endpoint(net::ip::make_address("127.0.0.1"), 0),
                                           std::move(handler), std::move(options));
    server->start();
    port = server->local_endpoint().port();
  }
};

/// Sends `input` in pieces of `piece` bytes, half-closes, reads the answer to the end.
awaitable<void> exchange(unsigned short port, std::string_view input, std::size_t piece,
                         std::string& answer, bool& done) {
  tcp::socket socket(co_await net::this_coro::executor);
  co_await socket.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                                net::use_awaitable);
  for (std::size_t at = 0; at < input.size(); at += piece) {
    const auto n = std::min(piece, input.size() - at);
    auto [ec, written] = co_await net::async_write(socket, net::buffer(input.data() + at, n),
                                                   net::as_tuple(net::use_awaitable));
    if (ec) {
      break;  // the server closed (an error answer); read what it sent
    }
  }
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
  char buf[4096];
  for (;;) {
    auto [ec, n] =
        co_await socket.async_read_some(net::buffer(buf), net::as_tuple(net::use_awaitable));
    answer.append(buf, n);
    check(answer.size() < 1024 * 1024);  // a few small answers, never an echo of the input
    if (ec) {
      break;
    }
  }
  done = true;
}

/// Every answer in `answer` (pipelined requests get several) is a response the daemon sends.
void check_answers(std::string_view answer) {
  static const std::set<unsigned> allowed{100, 200, 202, 400, 401, 404,
                                          405, 413, 429, 431, 500, 503};
  boost::beast::error_code ec;
  while (!answer.empty()) {
    http::response_parser<http::string_body> parser;
    parser.eager(true);
    const auto used = parser.put(net::buffer(answer.data(), answer.size()), ec);
    if (ec == http::error::need_more) {
      // A response cut short: only possible when the server reset the connection (a fatal
      // read error it answers by closing); the prefix must still be a status line.
      check(answer.substr(0, 7) == "HTTP/1.");
      return;
    }
    check(!ec);
    check(allowed.count(parser.get().result_int()) == 1);
    answer.remove_prefix(used);
    if (!parser.is_done()) {
      // Body without a length: read to the end of the stream (only for 1xx there is none).
      check(parser.get().result_int() == 100);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fixture f;
  if (size == 0) {
    return 0;
  }
  // First byte: the piece size (1..256 bytes, or all at once for 0).
  const std::size_t piece = data[0] == 0 ? size : data[0];
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string answer;
  bool done = false;
  net::co_spawn(f.ioc, exchange(f.port, input, piece, answer, done),
                [](const std::exception_ptr& e) { check(e == nullptr); });
  f.ioc.restart();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!done && std::chrono::steady_clock::now() < deadline) {
    f.ioc.run_one_for(std::chrono::milliseconds(100));
  }
  f.ioc.poll();  // the server's side of the connection ends too
  check(done);   // the server answered or closed: it never waits on a half-closed client
  check_answers(answer);
  return 0;
}
