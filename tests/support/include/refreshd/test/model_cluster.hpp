#pragma once
// An in-memory refresh-job server driven by the mock clock, for runtime tests: jobs go
// Pending -> InProgress -> Completed/Failed over configured durations, one active job per
// collection (a second refresh is rejected like Milvus: code 1100 "... in progress"), and it
// counts what the scheduler did (triggers, overlaps, concurrent jobs, request times).

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <refreshd/client/refresh_api.hpp>
#include <refreshd/runtime/mock_clock.hpp>

namespace refreshd::test {

class model_cluster {
 public:
  struct behaviour {
    std::chrono::milliseconds pending{100};
    std::chrono::milliseconds running{1000};
    bool fail = false;
    /// After a completed job: its index builds for `indexing` (then Finished, or Failed with
    /// index_fail_reason), then the collection loads for `loading` (ready_when).
    std::chrono::milliseconds indexing{0};
    std::chrono::milliseconds loading{0};
    std::string index_fail_reason{};
  };
  struct job {
    client::job_id id;
    std::string collection;
    mock_clock::time_point created;
    behaviour how;
    bool by_daemon = false;  ///< started by a refresh request (not by start_job)
  };

  /// Every request waits this long (on the mock clock) before the model answers it.
  std::chrono::milliseconds latency{0};
  /// Refresh requests that found an active job the daemon itself had started: two cycles of
  /// one collection at once (never expected, whatever the other actors do).
  int self_overlapping = 0;

  /// Answer every request with this error instead (e.g. unsupported, unauthenticated).
  std::optional<client::api_error> broken;
  /// When set, requests carrying another token get HTTP 401 / code 1800.
  std::optional<std::string> required_token;
  std::map<std::string, behaviour> collections;
  std::vector<job> jobs;  // oldest first
  std::vector<mock_clock::time_point> request_times;
  int triggers = 0;
  int database_lists = 0;    ///< lists without a collection name
  int collection_lists = 0;  ///< lists of one collection
  std::optional<client::api_error> database_list_error;
  int overlapping = 0;
  int max_active = 0;
  /// The servability routes answer HTTP 404 (an older server); their requests, counted.
  bool servability_absent = false;
  int servability_requests = 0;

  client::job_state state_of(const job& j) const {
    const auto age = mock_clock::now() - j.created;
    if (age < j.how.pending) {
      return client::job_state::pending;
    }
    if (age < j.how.pending + j.how.running) {
      return client::job_state::in_progress;
    }
    return j.how.fail ? client::job_state::failed : client::job_state::completed;
  }
  int active_jobs() const {
    return static_cast<int>(std::count_if(
        jobs.begin(), jobs.end(), [&](const job& j) { return client::is_active(state_of(j)); }));
  }
  /// Starts a job as if another actor had triggered it.
  client::job_id start_job(const std::string& collection) {
    job j{client::job_id{next_id_++, false}, collection, mock_clock::now(),
          collections[collection]};
    jobs.push_back(j);
    max_active = std::max(max_active, active_jobs());
    return j.id;
  }
  client::job_info info(const job& j) const {
    client::job_info i;
    i.id = j.id;
    i.collection_name = j.collection;
    i.state = state_of(j);
    i.state_text = std::string(client::to_string(i.state));
    const auto age = mock_clock::now() - j.created;
    i.progress = i.state == client::job_state::completed ? 100
                 : i.state == client::job_state::in_progress
                     ? static_cast<int>(99 * (age - j.how.pending) / j.how.running)
                     : 0;
    i.start_time_ms = to_ms(j.created);
    i.end_time_ms =
        client::is_terminal(i.state) ? to_ms(j.created + j.how.pending + j.how.running) : 0;
    if (i.state == client::job_state::failed) {
      i.reason = "no files found";
    }
    return i;
  }

  client::api_result<client::job_id> refresh(const client::refresh_request& r) {
    request_times.push_back(mock_clock::now());
    if (broken) {
      return *broken;
    }
    ++triggers;
    for (const auto& j : jobs) {
      if (j.collection == r.collection && client::is_active(state_of(j))) {
        ++overlapping;
        self_overlapping += j.by_daemon ? 1 : 0;
        client::api_error e;
        e.kind = client::error_class::duplicate;
        e.code = 1100;
        e.message = "refresh job already in progress";
        return e;
      }
    }
    const auto id = start_job(r.collection);
    jobs.back().by_daemon = true;
    return id;
  }
  client::api_result<client::job_info> describe(client::job_id id) {
    request_times.push_back(mock_clock::now());
    if (broken) {
      return *broken;
    }
    for (const auto& j : jobs) {
      if (j.id == id) {
        return info(j);
      }
    }
    client::api_error e;
    e.kind = client::error_class::job_not_found;
    e.code = 1100;
    e.message = "job not found";
    return e;
  }
  /// A list without a collection name answers every job (the model has one database), newest
  /// first; `database_list_error` makes those fail.
  client::api_result<std::vector<client::job_info>> list(const client::list_request& r) {
    request_times.push_back(mock_clock::now());
    if (broken) {
      return *broken;
    }
    if (r.collection.empty()) {
      ++database_lists;
      if (database_list_error) {
        return *database_list_error;
      }
    } else {
      ++collection_lists;
    }
    std::vector<client::job_info> out;
    for (auto it = jobs.rbegin(); it != jobs.rend(); ++it) {
      if (r.collection.empty() || it->collection == r.collection) {
        out.push_back(info(*it));
      }
    }
    return out;
  }
  /// The end of the collection's newest completed job (indexing starts there), if any.
  std::optional<mock_clock::time_point> completed_at(const std::string& collection) const {
    for (auto it = jobs.rbegin(); it != jobs.rend(); ++it) {
      if (it->collection == collection && state_of(*it) == client::job_state::completed) {
        return it->created + it->how.pending + it->how.running;
      }
    }
    return std::nullopt;
  }
  std::optional<client::api_error> servability_refused() {
    request_times.push_back(mock_clock::now());
    ++servability_requests;
    if (broken) {
      return broken;
    }
    if (servability_absent) {
      client::api_error e;
      e.kind = client::error_class::unsupported;
      e.http_status = 404;
      e.message = "404 page not found";
      return e;
    }
    return std::nullopt;
  }
  client::api_result<std::vector<std::string>> index_list(const client::collection_ref&) {
    if (auto e = servability_refused()) {
      return *e;
    }
    return std::vector<std::string>{"vector"};
  }
  client::api_result<std::vector<client::index_info>> index_describe(
      const client::collection_ref& c) {
    if (auto e = servability_refused()) {
      return *e;
    }
    client::index_info i;
    i.name = "vector";
    i.total_rows = 1000;
    const auto& how = collections[c.collection];
    const auto done = completed_at(c.collection);
    const auto left = done ? *done + how.indexing - mock_clock::now() : mock_clock::duration{};
    if (left > mock_clock::duration::zero()) {
      i.state = client::index_state::in_progress;
      i.pending_rows = 1000 * left / how.indexing;
    } else {
      i.state = how.index_fail_reason.empty() ? client::index_state::finished
                                              : client::index_state::failed;
      i.pending_rows = i.state == client::index_state::finished ? 0 : 10;
      i.fail_reason = how.index_fail_reason;
    }
    i.indexed_rows = *i.total_rows - *i.pending_rows;
    i.state_text = std::string(client::to_string(i.state));
    return std::vector<client::index_info>{i};
  }
  client::api_result<client::load_info> load_state(const client::collection_ref& c) {
    if (auto e = servability_refused()) {
      return *e;
    }
    const auto& how = collections[c.collection];
    const auto done = completed_at(c.collection);
    client::load_info l;
    const auto start = done ? *done + how.indexing : mock_clock::time_point{};
    if (done && mock_clock::now() < start + how.loading) {
      l.state = client::load_state::loading;
      l.progress = static_cast<int>(100 * (mock_clock::now() - start) / how.loading);
    } else {
      l.state = client::load_state::loaded;
      l.progress = 100;
    }
    l.state_text = std::string(client::to_string(l.state));
    return l;
  }
  int triggers_of(const std::string& collection) const {
    return static_cast<int>(std::count_if(
        jobs.begin(), jobs.end(), [&](const job& j) { return j.collection == collection; }));
  }

 private:
  static std::int64_t to_ms(mock_clock::time_point t) {
    // Wall time of a steady instant: the mock clocks move together unless a test jumps.
    const auto wall = mock_clock::system_now() - (mock_clock::now() - t);
    return std::chrono::duration_cast<std::chrono::milliseconds>(wall.time_since_epoch()).count();
  }
  std::int64_t next_id_ = 449503829274509311;
};

/// The refresh_api face of a model_cluster (the runtime owns one per cluster).
class model_api final : public client::refresh_api {
 public:
  explicit model_api(model_cluster& m, std::string token = {})
      : model_(m), token_(std::move(token)) {}
  // Each answers after the model's latency, unless the token is refused (served()).
  awaitable<client::api_result<client::job_id>> async_refresh(
      client::refresh_request request) override {
    return served([this, request = std::move(request)] { return model_.refresh(request); });
  }
  awaitable<client::api_result<client::job_info>> async_describe(client::job_id id) override {
    return served([this, id] { return model_.describe(id); });
  }
  awaitable<client::api_result<std::vector<client::job_info>>> async_list(
      client::list_request request) override {
    return served([this, request = std::move(request)] { return model_.list(request); });
  }
  awaitable<client::api_result<std::vector<std::string>>> async_index_list(
      client::collection_ref c) override {
    return served([this, c = std::move(c)] { return model_.index_list(c); });
  }
  awaitable<client::api_result<std::vector<client::index_info>>> async_index_describe(
      client::collection_ref c, std::string) override {
    return served([this, c = std::move(c)] { return model_.index_describe(c); });
  }
  awaitable<client::api_result<client::load_info>> async_load_state(
      client::collection_ref c) override {
    return served([this, c = std::move(c)] { return model_.load_state(c); });
  }
  void set_token(std::string t) { token_ = std::move(t); }

 private:
  /// `answer()` after the model's latency, or the refusal of a wrong token.
  template <class Answer>
  auto served(Answer answer) -> awaitable<decltype(answer())> {
    co_await delay();
    if (auto e = refused()) {
      co_return *e;
    }
    co_return answer();
  }
  awaitable<void> delay() {
    if (model_.latency.count() > 0) {
      net::basic_waitable_timer<mock_clock> t(co_await net::this_coro::executor,
                                              mock_clock::now() + model_.latency);
      co_await t.async_wait(use_nothrow);
    }
  }
  std::optional<client::api_error> refused() {
    if (!model_.required_token || *model_.required_token == token_) {
      return std::nullopt;
    }
    model_.request_times.push_back(mock_clock::now());
    client::api_error e;
    e.kind = client::error_class::unauthenticated;
    e.http_status = 401;
    e.code = 1800;
    e.message = "user hasn't authenticated";
    return e;
  }

  model_cluster& model_;
  std::string token_;
};

}  // namespace refreshd::test
