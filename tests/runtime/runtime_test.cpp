// The runtime's scheduler loop, limits, startup reconciliation and shutdown, driven by the mock
// clock against an in-memory cluster model (no sockets, no sleeping).
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <refreshd/runtime/mock_clock.hpp>
#include <refreshd/runtime/runtime.hpp>
#include <refreshd/runtime/runtime_mock.hpp>
#include <refreshd/test/model_cluster.hpp>
#include <refreshd/test/quiet_logger.hpp>

#include "runtime_fixture.hpp"

namespace refreshd::daemon {
namespace {

using namespace std::chrono_literals;
using test::mock_clock;
using test::model_cluster;

TEST_F(Runtime, EveryScheduleRefreshesEachCollectionOncePerSlotWithoutOverlap) {
  cluster(20, "every 10s").settings.catch_up = false;
  for (auto& c : cfg_->clusters[0].collections) {
    c.settings.edit().catch_up = false;
  }
  start();
  run_for(61s);
  EXPECT_TRUE(rt_->ready());
  EXPECT_EQ(model_.overlapping, 0);
  for (int i = 0; i < 20; ++i) {
    // Slots 10:00:10 .. 10:01:00: six of them.
    EXPECT_EQ(model_.triggers_of("ext_" + std::to_string(i)), 6) << i;
    EXPECT_EQ(col(i).state.counters.triggers, 6u);
    EXPECT_EQ(col(i).state.counters.finished.completed, 6u);
  }
}

TEST_F(Runtime, TriggersFireOnTheSlotNotBefore) {
  cluster(1, "every 10s").collections[0].settings.edit().catch_up = false;
  start();
  run_for(8s);
  EXPECT_EQ(model_.triggers, 0);
  run_for(1100ms);
  ASSERT_EQ(model_.triggers, 1);
  ASSERT_EQ(model_.jobs.size(), 1u);
  EXPECT_EQ(model_.jobs[0].created - (mock_clock::now() - 9100ms), 9s)
      << "the 10:00:10 slot, 9 s after the 10:00:01 start";
}

TEST_F(Runtime, MaxRunningJobsCapsJobsInFlightAndCountsSlotsMissedWhileWaiting) {
  cluster(6, "every 10s", 0, 2);
  for (auto& c : cfg_->clusters[0].collections) {
    c.settings.edit().catch_up = false;
    model_.collections[c.name] = model_cluster::behaviour{100ms, 15s, false};
  }
  start();
  run_for(90s, 20ms);
  EXPECT_LE(model_.max_active, 2);
  EXPECT_EQ(model_.overlapping, 0);
  std::uint64_t limit = 0;
  for (std::size_t i = 0; i < 6; ++i) {
    limit += col(i).state.counters.skipped.limit;
  }
  EXPECT_GT(limit, 0u) << "slots passed while collections waited for a job slot";
  EXPECT_EQ(rt_->clusters()[0]->slots.capacity(), 2);
}

TEST_F(Runtime, RateLimitSpacesRequestsToTheCluster) {
  cluster(10, "every 5s", 2.0);
  start();
  run_for(30s);
  ASSERT_GT(model_.request_times.size(), 20u);
  // Bucket of 2 tokens refilled at 2/s: never more than 2 + 2 x (window) requests in a window.
  const auto& t = model_.request_times;
  for (std::size_t i = 0; i + 6 < t.size(); ++i) {
    EXPECT_GE(t[i + 6] - t[i], 2s) << "7 requests within 2 s at index " << i;
  }
  EXPECT_EQ(model_.overlapping, 0);
}

TEST_F(Runtime, UnsupportedClusterIsProbedEveryTenMinutes) {
  cluster(5, "every 30s");
  client::api_error e;
  e.kind = client::error_class::unsupported;
  e.http_status = 404;
  e.message = "404 page not found";
  model_.broken = e;
  start();
  run_for(1h, 200ms);
  // Startup lists all five (each says 404), then one probe per 10 minutes.
  EXPECT_LE(model_.request_times.size(), 5u + 7u);
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(col(i).state.current, status::unsupported) << i;
  }
}

TEST_F(Runtime, AuthFailureRereadsTheTokenFileAndRetriesOnlyWhenItChanged) {
  const auto file = std::filesystem::temp_directory_path() /
                    ("refreshd-runtime-token-" + std::to_string(::getpid()));
  std::ofstream(file) << "old-token\n";
  auto& c = cluster(2, "every 30s");
  c.token.kind = config::token_kind::file;
  c.token.reference = file.string();
  model_.required_token = "new-token";
  std::vector<std::string> installed;
  rt_ = mock_runtime::create(
      ioc_.get_executor(), cfg_,
      [&](executor, const config::cluster&, std::string token) {
        auto api = std::make_unique<test::model_api>(model_, std::move(token));
        auto* raw = api.get();
        return cluster_client{std::move(api), [&installed, raw](std::string t) {
                                installed.push_back(t);
                                raw->set_token(std::move(t));
                              }};
      },
      runtime_options{.seed = 3});
  rt_->start();
  run_for(5min, 100ms);
  EXPECT_TRUE(installed.empty()) << "the file did not change";
  EXPECT_LE(model_.request_times.size(), 1u + 6u) << "a startup list, then one probe a minute";
  EXPECT_EQ(model_.triggers, 0);
  EXPECT_EQ(col(0).state.current, status::auth_failed);
  EXPECT_EQ(col(1).state.current, status::auth_failed);
  std::ofstream(file) << "new-token\n";
  run_for(3min, 100ms);
  EXPECT_EQ(installed, (std::vector<std::string>{"new-token"}));
  EXPECT_GT(model_.triggers, 0) << "refreshes resume with the new token";
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_TRUE(col(i).state.current == status::idle || col(i).state.current == status::running)
        << to_string(col(i).state.current);
    EXPECT_GT(col(i).state.counters.finished.completed, 0u);
  }
  std::filesystem::remove(file);
}

TEST_F(Runtime, BlockedClusterHoldsAfterSchedulesWithoutSpinning) {
  cluster(2, "after 5m");
  client::api_error e;
  e.kind = client::error_class::unsupported;
  e.http_status = 404;
  model_.broken = e;
  start();
  run_for(30min, 100ms);
  EXPECT_LE(model_.request_times.size(), 1u + 3u) << "a startup list, then a probe per 10 min";
  EXPECT_LT(rt_->ticks(), 30u * 60u) << "the loop did not spin";
  EXPECT_EQ(col(1).state.current, status::unsupported);
}

TEST_F(Runtime, SuspendedCollectionsCountSkippedSlotsWithoutRequests) {
  cluster(2, "every 10s");
  cfg_->clusters[0].collections[1].suspend = true;
  for (auto& c : cfg_->clusters[0].collections) {
    c.settings.edit().catch_up = false;
  }
  start();
  run_for(61s);
  EXPECT_EQ(col(1).state.current, status::suspended);
  EXPECT_EQ(col(1).state.counters.skipped.suspended, 6u);
  EXPECT_EQ(model_.triggers_of("ext_1"), 0);
  EXPECT_EQ(model_.triggers_of("ext_0"), 6);
}

TEST_F(Runtime, ForwardClockJumpRunsMissedSlotsOnceAndKeepsGoing) {
  cluster(1, "every 1m").collections[0].settings.edit().catch_up = false;
  start();
  run_for(61s);
  ASSERT_EQ(model_.triggers, 1);
  mock_clock::jump_wall(3h);  // 180 slots skipped in wall time
  run_for(5s);
  EXPECT_EQ(rt_->clock_jumps(), 1u);
  EXPECT_EQ(model_.triggers, 2) << "the skipped slots collapse into one run";
  run_for(60s);
  EXPECT_EQ(model_.triggers, 3);
}

TEST_F(Runtime, BackwardClockJumpRecomputesTheNextSlot) {
  cluster(1, "*/30 * * * *").collections[0].settings.edit().catch_up = false;
  start();
  run_for(5s);                 // next slot 10:30
  mock_clock::jump_wall(-1h);  // now ~09:00: the 09:30 slot comes first
  run_for(31min, 100ms);
  EXPECT_EQ(rt_->clock_jumps(), 1u);
  EXPECT_EQ(model_.triggers, 1);
}

TEST_F(Runtime, IdleLoopTicksAtMostOncePerTick) {
  cluster(100, "@daily");
  for (auto& c : cfg_->clusters[0].collections) {
    c.settings.edit().catch_up = false;
  }
  runtime_options o;
  o.tick = 2s;
  start(o);
  run_for(60s);
  EXPECT_LE(rt_->ticks(), 32u);
  EXPECT_GE(rt_->ticks(), 29u);
  ASSERT_TRUE(rt_->last_tick().has_value());
}

TEST_F(Runtime, LoopHealthFollowsTheHeartbeatAndAStalledExecutor) {
  cluster(2, "@daily");
  runtime_options o;
  o.tick = 2s;
  o.stall_after = 5s;
  start(o);
  EXPECT_FALSE(rt_->loop_healthy()) << "no tick yet";
  run_for(1s);
  EXPECT_TRUE(rt_->loop_healthy());
  // A hung loop, through the executor seam: time passes but nothing runs the io_context.
  const auto ticks = rt_->ticks();
  mock_clock::advance(10s);
  EXPECT_EQ(rt_->ticks(), ticks) << "a stalled loop does not tick";
  EXPECT_FALSE(rt_->loop_healthy()) << "the last tick is 10 s old";
  run_for(3s);
  EXPECT_TRUE(rt_->loop_healthy());
  EXPECT_GT(rt_->ticks(), ticks);
}

TEST_F(Runtime, ObserversSeeEveryApiCallAndCycleEvent) {
  cluster(2, "every 10s");
  std::size_t api_calls = 0;
  std::vector<std::size_t> completed;
  start();
  for (const auto& cl : rt_->clusters()) {
    cl->on_api_call = [&](client::operation, std::string_view, std::chrono::nanoseconds) {
      ++api_calls;
    };
  }
  rt_->on_cycle_event = [&](std::size_t index, const cycle_event& e) {
    if (std::holds_alternative<events::completed>(e)) {
      completed.push_back(index);
    }
  };
  run_for(25s);
  std::uint64_t counted = 0;
  for (const auto& e : rt_->clusters()[0]->requests.entries) {
    counted += e.count;
  }
  EXPECT_GT(api_calls, 0u);
  EXPECT_EQ(api_calls, counted);
  EXPECT_EQ(std::count(completed.begin(), completed.end(), 0u),
            static_cast<long>(col(0).state.counters.finished.completed));
  EXPECT_GE(std::count(completed.begin(), completed.end(), 1u), 1);
}

TEST_F(Runtime, StopAbandonsWaitingCyclesAndDrains) {
  cluster(3, "every 10s");
  for (auto& c : cfg_->clusters[0].collections) {
    model_.collections[c.name] = model_cluster::behaviour{100ms, 1h, false};
  }
  start();
  run_for(3s);
  ASSERT_GT(rt_->active(), 1u) << "cycles polling their jobs";
  bool drained = false;
  rt_->on_drained = [&] { drained = true; };
  rt_->stop();
  run_for(10ms);
  EXPECT_TRUE(drained);
  EXPECT_EQ(rt_->active(), 0u);
}

TEST_F(Runtime, OnceRefreshesEveryNonSuspendedCollectionAndReportsOutcomes) {
  cluster(3, "@daily");
  cfg_->clusters[0].collections[2].suspend = true;
  model_.collections["ext_1"].fail = true;
  for (auto& c : cfg_->clusters[0].collections) {
    c.settings.edit().retries = 0;
  }
  const auto results = run_once();
  ASSERT_TRUE(results.has_value());
  ASSERT_EQ(results->size(), 2u);
  EXPECT_EQ((*results)[0].outcome.kind, outcome_kind::completed);
  EXPECT_EQ((*results)[1].outcome.kind, outcome_kind::failed);
  EXPECT_EQ((*results)[1].outcome.message, "no files found");
  EXPECT_EQ(model_.triggers, 2);
}

}  // namespace
}  // namespace refreshd::daemon
