#pragma once
// The fixture of the runtime tests (runtime_test.cpp, startup_test.cpp): one io_context, the
// mock clock, an in-memory cluster model and a runtime over it.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <gtest/gtest.h>

#include <refreshd/runtime/mock_clock.hpp>
#include <refreshd/runtime/runtime.hpp>
#include <refreshd/runtime/runtime_mock.hpp>
#include <refreshd/test/model_cluster.hpp>
#include <refreshd/test/quiet_logger.hpp>

namespace refreshd::daemon {

using namespace std::chrono_literals;
using test::advance_and_poll;
using test::mock_clock;
using test::model_cluster;
using mock_runtime = basic_runtime<test::mock_clock>;

// 2026-11-22T10:00:00.000Z, a Sunday.
inline const auto t10 = std::chrono::system_clock::time_point(1'795'341'600s);

class Runtime : public ::testing::Test {
 protected:
  void SetUp() override { mock_clock::reset(t10 + 1s); }
  void TearDown() override {
    if (rt_) {
      rt_->stop();
      advance_and_poll(ioc_, 100ms);
      rt_.reset();
    }
  }

  /// One cluster "prod" with `n` collections ext_0.. on `schedule`.
  config::cluster& cluster(int n, const std::string& schedule, double rate_limit = 0,
                           int max_running = 100) {
    auto& c = cfg_->clusters.emplace_back();
    c.name = "prod";
    c.endpoint = "http://model";
    c.token.kind = config::token_kind::literal;
    c.rate_limit = rate_limit;
    c.max_running_jobs = max_running;
    for (int i = 0; i < n; ++i) {
      auto& col = c.collections.emplace_back();
      col.name = "ext_" + std::to_string(i);
      col.database = "default";
      col.settings.edit().schedule = schedule;
      col.settings.edit().poll.initial = 500ms;
      col.settings.edit().poll.max = 5s;
      model_.collections[col.name] = model_cluster::behaviour{};
    }
    return c;
  }
  void start(runtime_options o = {}) {
    o.seed = 42;
    rt_ = mock_runtime::create(
        ioc_.get_executor(), cfg_,
        [this](executor, const config::cluster&, std::string) {
          return cluster_client{std::make_unique<test::model_api>(model_), {}};
        },
        o);
    rt_->start();
  }
  /// run --once on a new runtime, to its end or `limit`; nullopt when it did not end.
  std::optional<std::vector<once_result>> run_once(mock_clock::duration limit = 30s) {
    rt_ = mock_runtime::create(
        ioc_.get_executor(), cfg_,
        [this](executor, const config::cluster&, std::string) {
          return cluster_client{std::make_unique<test::model_api>(model_), {}};
        },
        runtime_options{.seed = 7});
    std::optional<std::vector<once_result>> results;
    net::co_spawn(
        ioc_, [&]() -> awaitable<void> { results = co_await rt_->async_run_once(); },
        [](std::exception_ptr e) {
          if (e) {
            std::rethrow_exception(e);
          }
        });
    advance_and_poll(ioc_, limit, 10ms, [&] { return results.has_value(); });
    return results;
  }
  void run_for(mock_clock::duration d, mock_clock::duration step = 10ms) {
    advance_and_poll(ioc_, d, step);
  }
  const collection_runtime& col(std::size_t i) const { return rt_->collections()[i]; }

  net::io_context ioc_;
  std::shared_ptr<config::config> cfg_ = std::make_shared<config::config>();
  model_cluster model_;
  std::shared_ptr<mock_runtime> rt_;
  test::quiet_logger quiet_;
};

}  // namespace refreshd::daemon
