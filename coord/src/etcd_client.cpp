#include <algorithm>
#include <stdexcept>
#include <utility>

#include <nlohmann/json.hpp>

#include <refreshd/coord/etcd_client.hpp>

namespace refreshd::coord {
namespace {

// etcd's gRPC codes that the gateway puts in its error envelope.
constexpr int code_unavailable = 14;      // no leader, request timed out, member stopping
constexpr int code_unauthenticated = 16;  // invalid or expired auth token

bool stale_token(const wire_error& w) {
  return w.http_status == 401 || w.code == code_unauthenticated;
}

}  // namespace

etcd_client::etcd_client(executor ex, etcd_options options) : options_(std::move(options)) {
  if (options_.endpoints.empty()) {
    throw std::invalid_argument("etcd: no endpoint");
  }
  client::http_client_options o;
  o.connect_timeout = options_.request_timeout;
  o.io_timeout = options_.request_timeout;
  o.request_timeout = options_.request_timeout;
  o.tls = options_.tls;
  for (const auto& e : options_.endpoints) {
    clients_.push_back(std::make_unique<client::http_client>(ex, e, o));
  }
}

etcd_client::~etcd_client() = default;

const std::string& etcd_client::current_endpoint() const noexcept {
  return options_.endpoints[current_];
}

awaitable<std::optional<etcd_error>> etcd_client::authenticate(std::size_t endpoint) {
  const std::string body =
      nlohmann::json{{"name", options_.username}, {"password", options_.password}}.dump();
  auto r = co_await clients_[endpoint]->async_post("/v3/auth/authenticate", body);
  if (auto* t = std::get_if<client::transport_error>(&r)) {
    co_return etcd_error{true, false, {}, "authenticate: " + t->message};
  }
  auto& resp = std::get<client::http_response>(r);
  if (resp.status != 200) {
    auto w = read_error(resp.status, resp.body);
    // The message is etcd's ("authentication failed, invalid user ID or password"): it never
    // repeats the password.
    co_return etcd_error{false, false, w, "authenticate: " + w.message};
  }
  try {
    token_ = read_token(resp.body);
  } catch (const malformed_answer& e) {
    co_return etcd_error{false, false, {}, std::string("authenticate: ") + e.what()};
  }
  co_return std::nullopt;
}

awaitable<std::variant<std::string, etcd_error>> etcd_client::call(std::string path,
                                                                   std::string body,
                                                                   bool idempotent) {
  const std::string target = "/v3/" + path;  // named: it must outlive each co_await
  etcd_error last{true, false, {}, "no endpoint answered"};
  bool maybe_applied = false;
  for (std::size_t tried = 0; tried < clients_.size(); ++tried) {
    const std::size_t i = current_;
    bool next_endpoint = false;
    for (int attempt = 0; attempt < 2 && !next_endpoint; ++attempt) {
      if (!options_.username.empty() && token_.empty()) {
        if (auto e = co_await authenticate(i)) {
          if (!e->transport) {
            co_return *e;  // wrong credentials: the next endpoint answers the same
          }
          last = std::move(*e);
          next_endpoint = true;
          break;
        }
      }
      std::vector<client::http_header> headers;
      if (!token_.empty()) {
        headers.push_back({"Authorization", token_});
      }
      auto r = co_await clients_[i]->async_post(target, body, std::move(headers), idempotent);
      if (auto* t = std::get_if<client::transport_error>(&r)) {
        maybe_applied = maybe_applied || t->maybe_sent;
        last = etcd_error{true, maybe_applied, {}, current_endpoint() + ": " + t->message};
        if (t->maybe_sent && !idempotent) {
          co_return last;  // sending it again could apply it twice
        }
        next_endpoint = true;
        break;
      }
      auto& resp = std::get<client::http_response>(r);
      if (resp.status == 200) {
        co_return std::move(resp.body);
      }
      auto w = read_error(resp.status, resp.body);
      if (attempt == 0 && !options_.username.empty() && stale_token(w)) {
        token_.clear();  // the token expired (300 s by default): authenticate, send again
        continue;
      }
      if (w.code == code_unavailable) {
        // A member without a leader, or one that timed the request out (a write may still be
        // applied): the next member may have a leader.
        maybe_applied = maybe_applied || !idempotent;
        last = etcd_error{false, maybe_applied, w, current_endpoint() + ": " + w.message};
        if (!idempotent) {
          co_return last;
        }
        next_endpoint = true;
        break;
      }
      co_return etcd_error{false, false, w, w.message};
    }
    current_ = (current_ + 1) % clients_.size();
  }
  co_return last;
}

template <class T, class Read>
awaitable<etcd_result<T>> etcd_client::request(std::string path, std::string body, bool idempotent,
                                               Read read) {
  auto r = co_await call(path, std::move(body), idempotent);
  if (auto* e = std::get_if<etcd_error>(&r)) {
    co_return std::move(*e);
  }
  try {
    co_return T(read(std::get<std::string>(r)));
  } catch (const malformed_answer& ex) {
    co_return etcd_error{false, false, {}, path + ": " + ex.what()};
  }
}

awaitable<etcd_result<range_result>> etcd_client::range(range_request r) {
  return request<range_result>("kv/range", range_body(r), true, read_range);
}

awaitable<etcd_result<std::int64_t>> etcd_client::put(put_request r) {
  return request<std::int64_t>("kv/put", put_body(r), true, read_revision);
}

awaitable<etcd_result<std::int64_t>> etcd_client::delete_range(delete_request r) {
  return request<std::int64_t>("kv/deleterange", delete_body(r), true, read_revision);
}

awaitable<etcd_result<txn_result>> etcd_client::txn(txn_request r) {
  // A transaction that only compares and reads (a fence) changes nothing: safe to send again.
  const auto reads = [](const std::vector<txn_op>& ops) {
    return std::all_of(ops.begin(), ops.end(),
                       [](const txn_op& op) { return std::holds_alternative<range_request>(op); });
  };
  const bool idempotent = reads(r.success) && reads(r.failure);
  return request<txn_result>("kv/txn", txn_body(r), idempotent, read_txn);
}

awaitable<etcd_result<lease_grant_result>> etcd_client::lease_grant(std::chrono::seconds ttl) {
  return request<lease_grant_result>("lease/grant", lease_grant_body(ttl.count()), false,
                                     read_lease_grant);
}

awaitable<etcd_result<std::optional<std::int64_t>>> etcd_client::lease_keepalive(std::int64_t id) {
  return request<std::optional<std::int64_t>>("lease/keepalive", lease_id_body(id), true,
                                              read_keepalive);
}

awaitable<etcd_result<bool>> etcd_client::lease_revoke(std::int64_t id) {
  std::string path = "lease/revoke";  // named: g++ 12 and temporaries in co_await
  std::string body = lease_id_body(id);
  auto r = co_await call(std::move(path), std::move(body), true);
  if (auto* e = std::get_if<etcd_error>(&r)) {
    if (e->lease_gone()) {
      co_return false;  // already gone
    }
    co_return std::move(*e);
  }
  co_return true;
}

}  // namespace refreshd::coord
