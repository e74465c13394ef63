// net::http_server: the acceptor, admission (connection_table), one coroutine per connection
// serving requests in a loop (reading and writing in http_io.hpp), and stop().
#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <refreshd/net/connection_table.hpp>
#include <refreshd/net/http_server.hpp>

#include "http_io.hpp"

namespace refreshd {

namespace {

using http_io::close_gracefully;
using http_io::handler_outcome;
using http_io::plain_stream;
using http_io::read_error_status;
using http_io::read_request;
using http_io::reply_and_close;
using http_io::send_outcome;
using http_io::text_response;
using http_io::tls_stream;
using namespace std::chrono_literals;

// What stop() needs to reach into a running connection.
struct session_handle {
  beast::tcp_stream* tcp = nullptr;
  net::steady_timer* stop_timer = nullptr;
};

void reset_connection(beast::tcp_stream& tcp) {
  beast::error_code ec;
  tcp.socket().set_option(tcp::socket::linger(true, 0), ec);
  tcp.socket().close(ec);
}

}  // namespace

struct http_server::impl {
  impl(executor ex, const tcp::endpoint& endpoint, http_stream_handler h, http_server_options o,
       std::shared_ptr<ssl::context> t)
      : acceptor(ex),
        handler(std::move(h)),
        options(std::move(o)),
        tls(std::move(t)),
        table({options.limits.max_connections, options.limits.max_connections_per_client == 0
                                                   ? options.limits.max_connections
                                                   : options.limits.max_connections_per_client}) {
    acceptor.open(endpoint.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(tcp::socket::max_listen_connections);
    bound = acceptor.local_endpoint();
  }

  void log(std::string_view line) const {
    if (options.on_error) {
      options.on_error(line);
    } else {
      std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
    }
  }

  tcp::acceptor acceptor;
  tcp::endpoint bound;
  http_stream_handler handler;
  http_server_options options;
  std::shared_ptr<ssl::context> tls;  // new connections copy it (see set_tls_context)
  connection_table table;             // admission: caps, per-client share, idle-first eviction
  std::unordered_map<connection_table::id_type, session_handle> sessions;
  bool started = false;
  bool stopping = false;
};

namespace {

using impl_ptr = std::shared_ptr<http_server::impl>;

// Keeps a connection visible to stop() and to eviction for exactly as long as its coroutine
// runs, and in the connection table until then (or until it is evicted).
class registration {
 public:
  registration(http_server::impl& server, connection_table::id_type id, session_handle handle)
      : server_(server), id_(id) {
    server_.sessions.emplace(id_, handle);
  }
  ~registration() {
    server_.table.remove(id_);
    server_.sessions.erase(id_);
  }
  registration(const registration&) = delete;
  registration& operator=(const registration&) = delete;

  connection_table::id_type id() const noexcept { return id_; }
  /// The connection was evicted before its coroutine started.
  bool evicted() const { return !server_.table.set_waiting(id_, true, clock_now()); }

 private:
  static connection_table::clock::time_point clock_now() { return connection_table::clock::now(); }
  http_server::impl& server_;
  connection_table::id_type id_;
};

// Note: no co_await inside a braced initialiser or a co_return expression here; g++ 12
// miscompiles those (double destruction of the temporary).
awaitable<handler_outcome> call_handler(http_server::impl& self, http_request& req) {
  handler_outcome out;
  try {
    http_reply reply = co_await self.handler(req);
    out.response = std::move(reply.response);
    out.body = std::move(reply.body);
    co_return out;
  } catch (const http_connection_reset&) {
    out.reset = true;
    co_return out;
  } catch (const std::exception& e) {
    if (!self.stopping) {
      self.log(std::string("http_server: handler failed: ") + e.what());
    }
  } catch (...) {
    if (!self.stopping) {
      self.log("http_server: handler failed with a non-standard exception");
    }
  }
  out.response =
      text_response(http::status::internal_server_error, req.version(), "internal server error");
  co_return out;
}

template <class Stream>
awaitable<void> serve(http_server::impl& self, connection_table::id_type id, Stream& stream) {
  auto& tcp = beast::get_lowest_layer(stream);
  if constexpr (std::is_same_v<Stream, tls_stream>) {
    tcp.expires_after(self.options.limits.write_timeout);
    auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, use_nothrow);
    if (ec) {
      co_return;
    }
  }
  const auto& lim = self.options.limits;
  beast::flat_buffer buffer(std::max<std::size_t>(lim.max_buffer_bytes, lim.max_header_bytes));
  for (bool first = true;; first = false) {
    http::request_parser<http::string_body> parser;
    auto ec = co_await read_request(self, id, first, stream, buffer, parser);
    if (ec) {
      if (auto status = read_error_status(ec, parser.is_header_done())) {
        co_await reply_and_close(self, stream, *status);
      }
      co_return;
    }
    if (self.stopping) {
      co_return;
    }
    http_request req = parser.release();
    auto outcome = co_await call_handler(self, req);
    if (outcome.reset) {
      reset_connection(tcp);
      co_return;
    }
    const bool keep = req.keep_alive() && outcome.response.keep_alive() && !self.stopping;
    if (!co_await send_outcome(self, stream, outcome, req.version(), keep)) {
      co_return;
    }
    if (!keep) {
      co_await close_gracefully(stream);
      co_return;
    }
  }
}

awaitable<void> wait_for_stop(net::steady_timer& timer) {
  co_await timer.async_wait(use_nothrow);
}

// `tls` keeps the connection's TLS context alive as long as the stream that uses it (the
// parameters are destroyed in reverse order: the stream first).
template <class Stream>
awaitable<void> run_connection(impl_ptr self, connection_table::id_type id,
                               std::shared_ptr<ssl::context> /*tls*/, Stream stream) {
  using namespace net::experimental::awaitable_operators;
  net::steady_timer stop_timer(stream.get_executor(), net::steady_timer::time_point::max());
  registration reg(*self, id, {&beast::get_lowest_layer(stream), &stop_timer});
  if (self->stopping || reg.evicted()) {
    co_return;
  }
  try {
    co_await (serve(*self, id, stream) || wait_for_stop(stop_timer));
  } catch (const std::exception& e) {
    if (!self->stopping) {
      self->log(std::string("http_server: connection failed: ") + e.what());
    }
  }
}

// Over the connection cap: a best-effort 503 without reading anything, then close.
void refuse(tcp::socket socket, bool tls) {
  beast::error_code ec;
  if (!tls) {
    static constexpr std::string_view busy =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 20\r\n"
        "Connection: close\r\n\r\nserver at capacity\r\n";
    socket.non_blocking(true, ec);
    socket.write_some(net::buffer(busy.data(), busy.size()), ec);
    socket.shutdown(tcp::socket::shutdown_send, ec);
  }
  socket.close(ec);
}

void spawn_connection(const impl_ptr& self, connection_table::id_type id, tcp::socket socket) {
  auto ex = socket.get_executor();
  auto done = [self](const std::exception_ptr& e) {
    if (!e) {
      return;
    }
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& err) {
      self->log(std::string("http_server: connection coroutine failed: ") + err.what());
    } catch (...) {
      self->log("http_server: connection coroutine failed");
    }
  };
  if (auto tls = self->tls) {
    auto stream = tls_stream(std::move(socket), *tls);
    net::co_spawn(ex, run_connection(self, id, std::move(tls), std::move(stream)), done);
  } else {
    net::co_spawn(ex, run_connection(self, id, nullptr, plain_stream(std::move(socket))), done);
  }
}

awaitable<void> accept_loop(impl_ptr self) {
  while (!self->stopping) {
    auto [ec, socket] = co_await self->acceptor.async_accept(use_nothrow);
    if (self->stopping || ec == net::error::operation_aborted) {
      co_return;
    }
    if (ec) {
      // A persistent error (e.g. EMFILE) must not spin the loop.
      self->log("http_server: accept failed: " + ec.message());
      net::steady_timer pause(co_await net::this_coro::executor, 100ms);
      co_await pause.async_wait(use_nothrow);
      continue;
    }
    beast::error_code rec;
    const auto remote = socket.remote_endpoint(rec);
    if (rec) {
      continue;  // the peer is already gone
    }
    auto admission = self->table.admit(remote.address());
    for (const auto victim : admission.evicted) {
      if (auto it = self->sessions.find(victim); it != self->sessions.end()) {
        it->second.tcp->close();  // its coroutine ends and unregisters
      }
    }
    if (!admission.admitted) {
      refuse(std::move(socket), self->tls != nullptr);
      continue;
    }
    const auto id = self->table.add(remote.address(), connection_table::clock::now());
    spawn_connection(self, id, std::move(socket));
  }
}

}  // namespace

http_server::http_server(executor ex, const tcp::endpoint& endpoint, http_handler handler,
                         http_server_options options, ssl::context* tls)
    : http_server(
          std::move(ex), endpoint, std::move(handler), std::move(options),
          tls == nullptr ? nullptr : std::shared_ptr<ssl::context>(tls, [](ssl::context*) {})) {}

http_server::http_server(executor ex, const tcp::endpoint& endpoint, http_handler handler,
                         http_server_options options, std::shared_ptr<ssl::context> tls)
    : http_server(
          std::move(ex), endpoint,
          http_stream_handler([h = std::move(handler)](http_request& req) -> awaitable<http_reply> {
            http_response whole = co_await h(req);
            co_return http_reply(std::move(whole));
          }),
          std::move(options), std::move(tls)) {}

http_server::http_server(executor ex, const tcp::endpoint& endpoint, http_stream_handler handler,
                         http_server_options options, std::shared_ptr<ssl::context> tls)
    : impl_(std::make_shared<impl>(std::move(ex), endpoint, std::move(handler), std::move(options),
                                   std::move(tls))) {}

http_server::~http_server() {
  stop();
}

void http_server::start() {
  if (impl_->started || impl_->stopping) {
    return;
  }
  impl_->started = true;
  auto self = impl_;
  net::co_spawn(impl_->acceptor.get_executor(), accept_loop(self),
                [self](const std::exception_ptr& e) {
                  if (e) {
                    self->log("http_server: accept loop ended with an exception");
                  }
                });
}

void http_server::stop() {
  if (impl_->stopping) {
    return;
  }
  impl_->stopping = true;
  beast::error_code ec;
  impl_->acceptor.close(ec);
  for (auto& [id, handle] : impl_->sessions) {
    // min() rather than cancel(): also wakes a wait that has not started yet.
    handle.stop_timer->expires_at(net::steady_timer::time_point::min());
    handle.tcp->close();
  }
}

tcp::endpoint http_server::local_endpoint() const {
  return impl_->bound;
}

std::size_t http_server::connection_count() const noexcept {
  return impl_->sessions.size();
}

bool http_server::is_tls() const noexcept {
  return impl_->tls != nullptr;
}

void http_server::set_tls_context(std::shared_ptr<ssl::context> tls) {
  if (impl_->tls == nullptr || tls == nullptr) {
    throw std::logic_error("http_server: TLS can be replaced, not switched on or off");
  }
  impl_->tls = std::move(tls);
}

}  // namespace refreshd
