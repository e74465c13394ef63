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

// A transaction that only compares and reads (a fence) changes nothing: safe to send again.
bool only_reads(const txn_request& t) {
  const auto reads = [](const std::vector<txn_op>& ops) {
    return std::all_of(ops.begin(), ops.end(), [](const txn_op& op) {
      const auto* nested = std::get_if<nested_txn>(&op);
      return std::holds_alternative<range_request>(op) ||
             (nested != nullptr && (!nested->txn || only_reads(*nested->txn)));
    });
  };
  return reads(t.success) && reads(t.failure);
}

// The watch stream's bytes cut into its newline-delimited messages, each read and handed on.
class watch_lines {
 public:
  watch_lines(std::function<bool(const watch_response&)>& on_message, std::size_t max_bytes)
      : on_message_(on_message), max_bytes_(max_bytes) {}

  /// False to end the stream: the caller stopped, or the stream cannot be read (broke()).
  bool feed(std::string_view data) {
    pending_.append(data);
    std::size_t start = 0;
    for (std::size_t nl; (nl = pending_.find('\n', start)) != std::string::npos; start = nl + 1) {
      const std::string_view line(pending_.data() + start, nl - start);
      if (line.find_first_not_of(" \r\t") == std::string_view::npos) {
        continue;
      }
      try {
        if (!on_message_(read_watch(line))) {
          return false;
        }
      } catch (const malformed_answer& e) {
        broke_ = std::string("watch: ") + e.what();
        return false;
      }
    }
    pending_.erase(0, start);
    if (pending_.size() > max_bytes_) {
      broke_ = "watch: a message is larger than " + std::to_string(max_bytes_) + " bytes";
      return false;
    }
    return true;
  }
  [[nodiscard]] const std::optional<std::string>& broke() const noexcept { return broke_; }

 private:
  std::function<bool(const watch_response&)>& on_message_;
  std::size_t max_bytes_;
  std::string pending_;
  std::optional<std::string> broke_;
};

}  // namespace

etcd_client::etcd_client(executor ex, etcd_options options)
    : options_(std::move(options)), ex_(std::move(ex)) {
  if (options_.endpoints.empty()) {
    throw std::invalid_argument("etcd: no endpoint");
  }
  http_options_.connect_timeout = options_.request_timeout;
  http_options_.io_timeout = options_.request_timeout;
  http_options_.request_timeout = options_.request_timeout;
  http_options_.tls = options_.tls;
  for (const auto& e : options_.endpoints) {
    clients_.push_back(std::make_unique<client::http_client>(ex_, e, http_options_));
  }
}

etcd_client::~etcd_client() = default;

const std::string& etcd_client::current_endpoint() const noexcept {
  return options_.endpoints[current_];
}

std::vector<client::http_header> etcd_client::auth_headers() const {
  // etcd's form: the token itself, no "Bearer" (docs/COORDINATION.md "The client").
  if (token_.empty()) {
    return {};
  }
  return {{"Authorization", token_}};
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
      std::vector<client::http_header> headers = auth_headers();
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
  const bool idempotent = only_reads(r);
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

awaitable<etcd_error> etcd_client::watch(range_request r, std::int64_t start_revision,
                                         std::chrono::milliseconds idle,
                                         std::function<bool(const watch_response&)> on_message) {
  const std::size_t i = current_;
  const std::string endpoint = options_.endpoints[i];
  const std::string target = "/v3/watch";  // named: it must outlive each co_await
  const std::string body = watch_create_body(r, start_revision);
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!options_.username.empty() && token_.empty()) {
      if (auto e = co_await authenticate(i)) {
        current_ = e->transport ? (i + 1) % clients_.size() : current_;
        co_return std::move(*e);
      }
    }
    std::vector<client::http_header> headers = auth_headers();
    auto stream = std::make_shared<client::http_client>(ex_, endpoint, http_options_);
    watch_client_ = stream;
    watch_lines lines(on_message, http_options_.max_body_bytes);
    auto res =
        co_await stream->async_stream(target, body, std::move(headers), idle,
                                      [&lines](std::string_view data) { return lines.feed(data); });
    if (watch_client_ == stream) {
      watch_client_.reset();
    }
    if (lines.broke()) {
      co_return etcd_error{false, false, {}, endpoint + ": " + *lines.broke()};
    }
    if (auto* t = std::get_if<client::transport_error>(&res)) {
      if (t->stage != client::transport_stage::read) {
        current_ = (i + 1) % clients_.size();  // not even created here: the next member
      }
      co_return etcd_error{true, false, {}, endpoint + ": watch: " + t->message};
    }
    auto& resp = std::get<client::http_response>(res);
    if (resp.status == 200) {
      co_return etcd_error{false, false, {}, endpoint + ": watch: the stream ended"};
    }
    auto w = read_error(resp.status, resp.body);
    if (attempt == 0 && !options_.username.empty() && stale_token(w)) {
      token_.clear();
      continue;
    }
    co_return etcd_error{false, false, w, endpoint + ": watch: " + w.message};
  }
  co_return etcd_error{false, false, {}, endpoint + ": watch: not authenticated"};
}

void etcd_client::cancel_watch() noexcept {
  if (watch_client_) {
    watch_client_->close();
  }
}

}  // namespace refreshd::coord
