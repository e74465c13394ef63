#pragma once
// A runtime on the mock clock against the in-memory cluster model, for the admin trigger and
// the HTTP API tests: one cluster "prod" with collections ext_0.., plus a helper that runs an
// awaitable to completion while advancing the mock clock.

#include <exception>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <refreshd/http/http_api.hpp>
#include <refreshd/runtime/mock_clock.hpp>
#include <refreshd/runtime/runtime.hpp>
#include <refreshd/runtime/runtime_mock.hpp>
#include <refreshd/test/model_cluster.hpp>
#include <refreshd/test/quiet_logger.hpp>

namespace refreshd::daemon::test_http {

using namespace std::chrono_literals;
using test::advance_and_poll;
using test::mock_clock;
using test::model_cluster;
using mock_runtime = basic_runtime<mock_clock>;

// 2026-11-22T10:00:00.000Z.
inline const auto t10 = std::chrono::system_clock::time_point(1'795'341'600s);

class runtime_fixture : public ::testing::Test {
 protected:
  void SetUp() override { mock_clock::reset(t10 + 1s); }
  void TearDown() override {
    if (rt_) {
      rt_->stop();
      advance_and_poll(ioc_, 200ms);
      rt_.reset();
    }
  }

  /// One cluster "prod" with `n` collections ext_0.. on `schedule` (no catch-up).
  config::cluster& cluster(int n, const std::string& schedule = "@daily", int max_running = 100) {
    auto& c = cfg_->clusters.emplace_back();
    c.name = "prod";
    c.endpoint = "http://model";
    c.token.kind = config::token_kind::literal;
    c.rate_limit = 0;
    c.max_running_jobs = max_running;
    for (int i = 0; i < n; ++i) {
      auto& col = c.collections.emplace_back();
      col.name = "ext_" + std::to_string(i);
      col.database = "default";
      col.settings.edit().schedule = schedule;
      col.settings.edit().catch_up = false;
      col.settings.edit().poll.initial = 500ms;
      col.settings.edit().poll.max = 5s;
      model_.collections[col.name] = model_cluster::behaviour{};
    }
    return c;
  }
  /// Creates the runtime; with `run`, starts it and runs until ready.
  void start(bool run = true, runtime_options o = {}) {
    o.seed = 42;
    rt_ = mock_runtime::create(
        ioc_.get_executor(), cfg_,
        [this](executor, const config::cluster&, std::string) {
          return cluster_client{std::make_unique<test::model_api>(model_), {}};
        },
        o);
    if (run) {
      rt_->start();
      advance_and_poll(ioc_, 5s, 10ms, [this] { return rt_->ready(); });
    }
  }
  void run_for(mock_clock::duration d) { advance_and_poll(ioc_, d, 10ms); }

  /// Runs `a` on the io_context, advancing the mock clock up to `limit`; nullopt if unfinished.
  template <class T>
  std::optional<T> run_awaitable(awaitable<T> a, mock_clock::duration limit = 30s) {
    auto out = std::make_shared<std::optional<T>>();
    net::co_spawn(ioc_, std::move(a), [out](std::exception_ptr e, T value) {
      if (e) {
        std::rethrow_exception(e);
      }
      *out = std::move(value);
    });
    advance_and_poll(ioc_, limit, 10ms, [out] { return out->has_value(); });
    return *out;
  }

  const collection_runtime& col(std::size_t i) const { return rt_->collections()[i]; }

  net::io_context ioc_;
  std::shared_ptr<config::config> cfg_ = std::make_shared<config::config>();
  model_cluster model_;
  std::shared_ptr<mock_runtime> rt_;
  test::quiet_logger quiet_;
};

}  // namespace refreshd::daemon::test_http
