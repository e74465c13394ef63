#pragma once
// A refresh_api decorator that spends one token of the cluster's rate limiter per request and
// feeds rate-limit answers back into it.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <refreshd/client/refresh_api.hpp>
#include <refreshd/runtime/rate_limiter.hpp>

namespace refreshd::daemon {

struct rate_limited_api_options {
  /// A request answered "rate limited" (codes 1807, 8, 4, HTTP 429) is sent again, after the
  /// slowed-down bucket grants another token, up to this many times; then the rate-limited
  /// error is returned. Safe for refresh too: the server refused it before doing anything.
  int max_rate_limited_retries = 3;
};

/// Called after every request: the operation, "ok" or the error class (to_string(error_class)),
/// and the time the request took (excluding the wait for a token). For metrics and tests.
using api_call_observer =
    std::function<void(client::operation, std::string_view result, std::chrono::nanoseconds)>;

/// The error returned without a request once the limiter was stopped (shutdown).
inline client::api_error shutting_down_error() {
  client::api_error e;
  e.kind = client::error_class::transient;
  e.message = "not sent: the daemon is shutting down";
  return e;
}

template <class Clock>
class basic_rate_limited_api final : public client::refresh_api {
 public:
  /// `inner` and `limiter` must outlive this object.
  basic_rate_limited_api(client::refresh_api& inner, basic_rate_limiter<Clock>& limiter,
                         rate_limited_api_options options = {}, api_call_observer observer = {})
      : inner_(inner), limiter_(limiter), options_(options), observer_(std::move(observer)) {}

  awaitable<client::api_result<client::job_id>> async_refresh(
      client::refresh_request request) override {
    std::function<awaitable<bool>()> no_fence;  // named: g++ 12 and temporaries in co_await
    auto r = co_await async_refresh_fenced(std::move(request), std::move(no_fence));
    co_return std::move(*r);
  }

  /// A refresh whose `fence` is asked after each rate-limit token and right before the request
  /// is sent (docs/COORDINATION.md "The fence"): nullopt, nothing sent, when it says no.
  awaitable<std::optional<client::api_result<client::job_id>>> async_refresh_fenced(
      client::refresh_request request, std::function<awaitable<bool>()> fence) {
    for (int attempt = 0;; ++attempt) {
      if (!co_await limiter_.async_acquire()) {
        co_return shutting_down_error();
      }
      if (fence) {
        const bool held = co_await fence();
        if (!held) {
          co_return std::nullopt;
        }
      }
      const auto sent = Clock::now();
      auto copy = request;  // named: g++ 12 and temporaries in co_await
      auto r = co_await inner_.async_refresh(std::move(copy));
      if (done(client::operation::refresh, r, sent, attempt)) {
        co_return r;
      }
    }
  }

  awaitable<client::api_result<client::job_info>> async_describe(client::job_id id) override {
    // Named, not temporaries in the co_await: g++ 12 destroys such temporaries twice.
    std::function<awaitable<client::api_result<client::job_info>>()> send = [this, id] {
      return inner_.async_describe(id);
    };
    return limited(client::operation::describe, std::move(send));
  }

  awaitable<client::api_result<std::vector<client::job_info>>> async_list(
      client::list_request request) override {
    std::function<awaitable<client::api_result<std::vector<client::job_info>>>()> send =
        [this, request = std::move(request)] { return inner_.async_list(request); };
    return limited(client::operation::list, std::move(send));
  }

  awaitable<client::api_result<std::vector<std::string>>> async_index_list(
      client::collection_ref c) override {
    std::function<awaitable<client::api_result<std::vector<std::string>>>()> send =
        [this, c = std::move(c)] { return inner_.async_index_list(c); };
    return limited(client::operation::index_list, std::move(send));
  }

  awaitable<client::api_result<std::vector<client::index_info>>> async_index_describe(
      client::collection_ref c, std::string index) override {
    std::function<awaitable<client::api_result<std::vector<client::index_info>>>()> send =
        [this, c = std::move(c), index = std::move(index)] {
          return inner_.async_index_describe(c, index);
        };
    return limited(client::operation::index_describe, std::move(send));
  }

  awaitable<client::api_result<client::load_info>> async_load_state(
      client::collection_ref c) override {
    std::function<awaitable<client::api_result<client::load_info>>()> send =
        [this, c = std::move(c)] { return inner_.async_load_state(c); };
    return limited(client::operation::load_state, std::move(send));
  }

 private:
  /// One token per request; a rate-limited answer is sent again (see the options). `send`
  /// makes the request anew each time.
  template <class T>
  awaitable<client::api_result<T>> limited(client::operation op,
                                           std::function<awaitable<client::api_result<T>>()> send) {
    for (int attempt = 0;; ++attempt) {
      if (!co_await limiter_.async_acquire()) {
        co_return shutting_down_error();
      }
      const auto sent = Clock::now();
      auto r = co_await send();
      if (done(op, r, sent, attempt)) {
        co_return r;
      }
    }
  }

  /// Reports the call; true when `r` is the final answer, false to send again.
  template <class T>
  bool done(client::operation op, const client::api_result<T>& r, steady_time sent, int attempt) {
    if (observer_) {
      const std::string_view result =
          r ? std::string_view("ok") : client::to_string(r.error().kind);
      observer_(op, result, Clock::now() - sent);
    }
    if (r || r.error().kind != client::error_class::rate_limited) {
      return true;
    }
    limiter_.on_rate_limited(sent);
    return attempt >= options_.max_rate_limited_retries;
  }

  client::refresh_api& inner_;
  basic_rate_limiter<Clock>& limiter_;
  rate_limited_api_options options_;
  api_call_observer observer_;
};

}  // namespace refreshd::daemon
