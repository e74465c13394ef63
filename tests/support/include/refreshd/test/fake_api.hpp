#pragma once
// A scripted refresh_api for unit tests: queue answers per operation, inspect the calls made.
// An operation with an empty queue answers with a bad_response error naming the operation,
// so a test that forgets to script a call fails loudly.

#include <deque>
#include <string>
#include <vector>

#include <refreshd/client/refresh_api.hpp>

namespace refreshd::test {

class fake_api final : public client::refresh_api {
 public:
  struct call {
    client::operation op;
    client::refresh_request refresh;  // op == refresh
    client::job_id job;               // op == describe
    client::list_request list;        // op == list
    client::collection_ref target{};  // servability ops
    std::string index{};              // op == index_describe
  };

  std::deque<client::api_result<client::job_id>> refresh_answers;
  std::deque<client::api_result<client::job_info>> describe_answers;
  std::deque<client::api_result<std::vector<client::job_info>>> list_answers;
  std::deque<client::api_result<std::vector<std::string>>> index_list_answers;
  std::deque<client::api_result<std::vector<client::index_info>>> index_describe_answers;
  std::deque<client::api_result<client::load_info>> load_state_answers;
  std::vector<call> calls;

  awaitable<client::api_result<client::job_id>> async_refresh(
      client::refresh_request request) override {
    calls.push_back({client::operation::refresh, request, {}, {}});
    co_return next(refresh_answers, "refresh");
  }
  awaitable<client::api_result<client::job_info>> async_describe(client::job_id id) override {
    calls.push_back({client::operation::describe, {}, id, {}});
    co_return next(describe_answers, "describe");
  }
  awaitable<client::api_result<std::vector<client::job_info>>> async_list(
      client::list_request request) override {
    calls.push_back({client::operation::list, {}, {}, request});
    co_return next(list_answers, "list");
  }
  awaitable<client::api_result<std::vector<std::string>>> async_index_list(
      client::collection_ref c) override {
    calls.push_back({client::operation::index_list, {}, {}, {}, c, {}});
    co_return next(index_list_answers, "index_list");
  }
  awaitable<client::api_result<std::vector<client::index_info>>> async_index_describe(
      client::collection_ref c, std::string index) override {
    calls.push_back({client::operation::index_describe, {}, {}, {}, c, index});
    co_return next(index_describe_answers, "index_describe");
  }
  awaitable<client::api_result<client::load_info>> async_load_state(
      client::collection_ref c) override {
    calls.push_back({client::operation::load_state, {}, {}, {}, c, {}});
    co_return next(load_state_answers, "load_state");
  }

  std::size_t count(client::operation op) const {
    std::size_t n = 0;
    for (const auto& c : calls) {
      n += c.op == op ? 1 : 0;
    }
    return n;
  }

 private:
  template <class T>
  static T next(std::deque<T>& q, const char* what) {
    if (q.empty()) {
      return client::api_error{client::error_class::bad_response, 0, 0,
                               std::string("fake_api: unscripted ") + what + " call"};
    }
    T v = std::move(q.front());
    q.pop_front();
    return v;
  }
};

/// A job_info with the given id, collection, state and progress (times set plausibly).
client::job_info make_job(std::int64_t id, std::string collection, client::job_state state,
                          int progress = 0, std::optional<std::string> reason = std::nullopt);

/// An api_error of the given class with a message.
client::api_error make_error(client::error_class kind, std::string message = "scripted",
                             std::int64_t code = 0, int http_status = 200);

}  // namespace refreshd::test
