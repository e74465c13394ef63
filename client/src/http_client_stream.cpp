// http_client::async_stream: a request whose answer is a stream (etcd's watch), read piece by
// piece on a connection of its own.
#include <limits>
#include <vector>

#include <boost/beast/http/error.hpp>
#include <fmt/format.h>

#include <refreshd/client/http_client.hpp>

#include "http_client_impl.hpp"

namespace refreshd::client {

awaitable<http_result> http_client::impl::stream(std::shared_ptr<impl> self, std::string path,
                                                 std::string body, std::vector<http_header> headers,
                                                 std::chrono::milliseconds idle,
                                                 std::function<bool(std::string_view)> on_data) {
  request_state st{detail::clock::now() + self->options_.request_timeout, false, false};
  detail::request req;
  if (auto err = self->build(req, http_method::post, path, std::move(body), headers)) {
    co_return *err;
  }
  if (auto err = co_await self->acquire(st)) {
    co_return *err;
  }
  turn t{*self};
  // Never on a kept-alive connection, and never kept after: the stream owns its connection.
  self->drop_connection();
  struct dropper {
    ~dropper() { owner.drop_connection(); }
    impl& owner;
  } drop{*self};
  if (auto err = co_await self->open(st)) {
    co_return *err;
  }
  auto b = detail::budget_for(self->options_.io_timeout, st);
  if (!b) {
    co_return self->deadline_error(phase::write, st);
  }
  auto [wec, written] = co_await self->conn_->async_write(req, b->limit);
  st.maybe_sent = written > 0 || !wec;
  if (wec) {
    co_return self->fail(phase::write, wec, *b, st);
  }
  b = detail::budget_for(self->options_.io_timeout, st);
  if (!b) {
    co_return self->deadline_error(phase::read, st);
  }
  detail::stream_parser parser;
  parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(
      self->options_.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
  parser.body_limit(boost::none);  // a stream has no end to bound; each piece is bounded
  if (auto ec = co_await self->conn_->async_read_header(parser, b->limit)) {
    co_return self->fail(phase::read, ec, *b, st);
  }
  st.header_done = true;  // a cap error from now on is a chunk line's or the trailer's
  http_response out;
  out.status = static_cast<int>(parser.get().result_int());
  for (const auto& field : parser.get()) {
    out.headers.push_back({std::string(field.name_string()), std::string(field.value())});
  }
  if (auto err = co_await self->stream_body(parser, out, idle, on_data, st)) {
    co_return *err;
  }
  co_return out;
}

awaitable<std::optional<transport_error>> http_client::impl::stream_body(
    detail::stream_parser& parser, http_response& out, std::chrono::milliseconds idle,
    const std::function<bool(std::string_view)>& on_data, const request_state& st) {
  const bool ok = out.status / 100 == 2;
  std::vector<char> piece(16 * 1024);
  while (!parser.is_done()) {
    parser.get().body().data = piece.data();
    parser.get().body().size = piece.size();
    parser.get().body().more = true;
    auto ec = co_await conn_->async_read_some(parser, idle);
    if (ec == http::error::need_buffer) {
      ec = {};
    }
    const std::size_t n = piece.size() - parser.get().body().size;
    if (ec) {
      co_return fail(phase::read, ec, budget{idle, false}, st);
    }
    if (!ok) {
      out.body.append(piece.data(), n);
      if (out.body.size() > options_.max_body_bytes) {
        co_return transport_error{transport_stage::read,
                                  fmt::format("the error answer from {} exceeds {} bytes",
                                              endpoint_.authority, options_.max_body_bytes),
                                  true, false, true};
      }
      continue;
    }
    if (n > 0 && !on_data(std::string_view(piece.data(), n))) {
      break;
    }
  }
  co_return std::nullopt;
}

awaitable<http_result> http_client::async_stream(std::string_view path, std::string body,
                                                 std::vector<http_header> headers,
                                                 std::chrono::milliseconds idle_timeout,
                                                 std::function<bool(std::string_view)> on_data) {
  // Not a coroutine itself: the frame owns a reference to the state, not to *this.
  return impl::stream(impl_, std::string(path), std::move(body), std::move(headers), idle_timeout,
                      std::move(on_data));
}

void http_client::close() noexcept {
  impl_->close();
}

}  // namespace refreshd::client
