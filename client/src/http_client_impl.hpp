#pragma once
// Private: the state behind http_client, shared by http_client.cpp (queue, exchange) and
// http_client_open.cpp (resolve, connect, handshake, error messages).

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/steady_timer.hpp>

#include <refreshd/client/http_client.hpp>

#include "connection.hpp"
#include "endpoint.hpp"
#include "resolver.hpp"
#include "tls_context.hpp"

namespace refreshd::client {
namespace detail {

using clock = std::chrono::steady_clock;

enum class phase { queue, resolve, connect, handshake, write, read };

/// The time a phase may take: its own timeout, cut short by the request deadline.
struct budget {
  std::chrono::milliseconds limit{0};
  bool deadline_bound = false;  ///< the request deadline, not the phase timeout, is the limit
};

struct request_state {
  clock::time_point deadline;
  bool maybe_sent = false;   ///< sticky across the one stale-connection retry
  bool replayable = true;    ///< may be re-sent after it was written (see async_post)
  bool header_done = false;  ///< the last read got the whole response head (names a cap error)
};

/// nullopt when the deadline has passed.
std::optional<budget> budget_for(std::chrono::milliseconds phase_timeout, const request_state& st);

}  // namespace detail

struct http_client::impl {
  using phase = detail::phase;
  using budget = detail::budget;
  using request_state = detail::request_state;

  impl(executor ex, std::string_view endpoint, http_client_options options);

  static awaitable<http_result> run(std::shared_ptr<impl> self, http_method method,
                                    std::string path, std::string body,
                                    std::vector<http_header> headers, bool replayable);
  static awaitable<http_result> stream(std::shared_ptr<impl> self, std::string path,
                                       std::string body, std::vector<http_header> headers,
                                       std::chrono::milliseconds idle,
                                       std::function<bool(std::string_view)> on_data);
  /// After a streaming answer's head: its body, to on_data (2xx) or into `out` (else).
  awaitable<std::optional<transport_error>> stream_body(
      detail::stream_parser& parser, http_response& out, std::chrono::milliseconds idle,
      const std::function<bool(std::string_view)>& on_data, const request_state& st);
  /// Aborts the connection and wakes every queued request; later requests fail at once.
  void close() noexcept;

  // One request at a time: a FIFO of parked timers that expire at their request's deadline;
  // release() hands the turn to the first one by cancelling its timer.
  struct waiter {
    waiter(impl& owner, detail::clock::time_point deadline);
    ~waiter();
    waiter(const waiter&) = delete;
    waiter& operator=(const waiter&) = delete;
    impl& owner;
    net::steady_timer timer;
    bool granted = false;
  };
  struct turn {
    ~turn() { owner.release(); }
    impl& owner;
  };
  awaitable<std::optional<transport_error>> acquire(const request_state& st);
  void release() noexcept;

  std::optional<transport_error> build(detail::request& req, http_method method,
                                       const std::string& path, std::string body,
                                       const std::vector<http_header>& headers) const;
  awaitable<http_result> exchange(const detail::request& req, request_state& st);
  struct attempt_outcome {
    std::optional<http_response> response;
    transport_error error;
    bool stale = false;  ///< the peer closed before answering: retried once on a reused conn
  };
  awaitable<attempt_outcome> attempt(const detail::request& req, request_state& st);
  /// Resolves, connects and (for https) handshakes into conn_.
  awaitable<std::optional<transport_error>> open(request_state& st);
  awaitable<std::optional<transport_error>> resolve(request_state& st,
                                                    tcp::resolver::results_type& out);
  void drop_connection() noexcept;

  transport_error fail(phase p, const detail::error_code& ec, const budget& b,
                       const request_state& st) const;
  transport_error deadline_error(phase p, const request_state& st) const;

  executor ex_;
  http_client_options options_;
  detail::endpoint endpoint_;
  std::optional<ssl::context> tls_ctx_;
  std::unique_ptr<detail::connection> conn_;
  // getaddrinfo cannot be interrupted: resolve() waits on its own timer (see resolver.hpp), and
  // close() cancels it.
  std::weak_ptr<detail::lookup_wait> resolving_;  ///< the wait in progress, for close()
  std::deque<waiter*> waiters_;
  bool busy_ = false;
  bool closed_ = false;
};

}  // namespace refreshd::client
