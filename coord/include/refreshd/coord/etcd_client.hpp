#pragma once
// An etcd v3 client over the JSON gateway (docs/COORDINATION.md), on the project's Beast client:
// one keep-alive connection per endpoint, a timeout per request, and the endpoints tried in
// turn. A stopped member makes requests to it hang (etcd 3.4): the request's own timeout ends
// the wait and the next endpoint is tried. With a user name, the client authenticates and sends
// the token as `Authorization: <token>` (no "Bearer"), authenticating again when etcd says the
// token is stale.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <refreshd/client/http_client.hpp>
#include <refreshd/coord/etcd_wire.hpp>
#include <refreshd/net/asio.hpp>

namespace refreshd::coord {

struct etcd_options {
  std::vector<std::string> endpoints;  ///< http[s]://host:port, at least one
  std::chrono::milliseconds request_timeout{1000};
  client::tls_options tls;
  std::string username;  ///< empty: no authentication
  std::string password;
};

/// Why a request failed: `transport` (no answer from any endpoint tried: refused, timed out),
/// or an error answer (`wire`). `maybe_applied`: a write may have reached etcd before the
/// failure (the caller cannot tell whether it took effect).
struct etcd_error {
  bool transport = false;
  bool maybe_applied = false;
  wire_error wire;  ///< when !transport
  std::string message;

  /// etcd's NotFound for a lease: it expired or was revoked.
  [[nodiscard]] bool lease_gone() const noexcept { return !transport && wire.code == 5; }
};

template <class T>
using etcd_result = std::variant<T, etcd_error>;

class etcd_client {
 public:
  /// Throws std::invalid_argument for no endpoint or a malformed one.
  etcd_client(executor ex, etcd_options options);
  ~etcd_client();
  etcd_client(const etcd_client&) = delete;
  etcd_client& operator=(const etcd_client&) = delete;

  awaitable<etcd_result<range_result>> range(range_request r);
  /// The store's revision after the put.
  awaitable<etcd_result<std::int64_t>> put(put_request r);
  awaitable<etcd_result<std::int64_t>> delete_range(delete_request r);
  awaitable<etcd_result<txn_result>> txn(txn_request r);
  awaitable<etcd_result<lease_grant_result>> lease_grant(std::chrono::seconds ttl);
  /// One renewal (one POST, docs/COORDINATION.md): the remaining TTL, or nullopt when the lease
  /// is gone.
  awaitable<etcd_result<std::optional<std::int64_t>>> lease_keepalive(std::int64_t id);
  awaitable<etcd_result<bool>> lease_revoke(std::int64_t id);

  /// Watches the keys of `r` from `start_revision` on (docs/COORDINATION.md "Watching the
  /// members"): each message of the stream goes to `on_message` (false: stop). The stream has a
  /// connection of its own to the current endpoint; `idle` bounds each wait for a message.
  /// Returns why it ended: the caller stopped it, the stream ended or broke, no message for
  /// `idle`, cancel_watch(), or the watch could not be created (then the next endpoint is the
  /// current one).
  awaitable<etcd_error> watch(range_request r, std::int64_t start_revision,
                              std::chrono::milliseconds idle,
                              std::function<bool(const watch_response&)> on_message);
  /// Ends the watch in progress.
  void cancel_watch() noexcept;

  /// The endpoint the next request goes to first (after a failure, the next one).
  [[nodiscard]] const std::string& current_endpoint() const noexcept;

 private:
  /// POSTs `body` to `path` (under /v3/), trying each endpoint once from the current one; the
  /// body of the 200 answer. `idempotent`: safe to send again to the next endpoint after it
  /// may have been applied.
  awaitable<std::variant<std::string, etcd_error>> call(std::string path, std::string body,
                                                        bool idempotent);
  awaitable<std::optional<etcd_error>> authenticate(std::size_t endpoint);
  /// The Authorization header of the current token; none before authentication.
  [[nodiscard]] std::vector<client::http_header> auth_headers() const;
  /// call(), then `read` of the answer's body (malformed_answer: an etcd_error naming `path`).
  template <class T, class Read>
  awaitable<etcd_result<T>> request(std::string path, std::string body, bool idempotent, Read read);

  etcd_options options_;
  executor ex_;
  client::http_client_options http_options_;
  std::vector<std::unique_ptr<client::http_client>> clients_;
  std::shared_ptr<client::http_client> watch_client_;  ///< the stream in progress
  std::size_t current_ = 0;
  std::string token_;
};

}  // namespace refreshd::coord
