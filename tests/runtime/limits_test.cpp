// The asynchronous limits with a mock clock: FIFO rate limiter, the rate-limited API decorator,
// and the due-time-ordered job slots.
#include <optional>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <refreshd/runtime/job_slots.hpp>
#include <refreshd/runtime/mock_clock.hpp>
#include <refreshd/runtime/rate_limited_api.hpp>
#include <refreshd/runtime/rate_limiter.hpp>
#include <refreshd/test/fake_api.hpp>

namespace refreshd::daemon {
namespace {

using namespace std::chrono_literals;
using test::advance_and_poll;
using test::mock_clock;
using limiter = basic_rate_limiter<mock_clock>;

void rethrow(std::exception_ptr e) {
  if (e) {
    std::rethrow_exception(e);
  }
}

class Limits : public ::testing::Test {
 protected:
  void SetUp() override {
    mock_clock::reset(std::chrono::system_clock::time_point(1'800'000'000s));
    start_ = mock_clock::now();
  }
  std::chrono::milliseconds since_start(mock_clock::time_point t) const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t - start_);
  }

  net::io_context ioc_;
  mock_clock::time_point start_;
};

token_bucket_options rate(double r) {
  token_bucket_options o;
  o.rate = r;
  return o;
}

TEST_F(Limits, RateLimiterGrantsInArrivalOrderAtTheConfiguredPace) {
  limiter lim(ioc_.get_executor(), rate(10));
  std::vector<std::pair<int, std::chrono::milliseconds>> grants;
  for (int i = 0; i < 25; ++i) {
    net::co_spawn(
        ioc_,
        [&, i]() -> awaitable<void> {
          if (co_await lim.async_acquire()) {
            grants.emplace_back(i, since_start(mock_clock::now()));
          }
        },
        rethrow);
  }
  advance_and_poll(ioc_, 2s, 1ms);
  ASSERT_EQ(grants.size(), 25u);
  for (int i = 0; i < 25; ++i) {
    EXPECT_EQ(grants[i].first, i) << "FIFO";
  }
  EXPECT_EQ(grants[9].second, 0ms) << "a full bucket serves its burst at once";
  EXPECT_EQ(grants[10].second, 100ms);
  EXPECT_EQ(grants[24].second, 1500ms);
  EXPECT_EQ(lim.waiting(), 0u);
}

TEST_F(Limits, RateLimitAnswerDelaysTheWaitingQueue) {
  limiter lim(ioc_.get_executor(), rate(10));
  std::vector<std::chrono::milliseconds> grants;
  for (int i = 0; i < 12; ++i) {
    net::co_spawn(
        ioc_,
        [&]() -> awaitable<void> {
          if (co_await lim.async_acquire()) {
            grants.push_back(since_start(mock_clock::now()));
          }
        },
        rethrow);
  }
  advance_and_poll(ioc_, 0ms);
  ASSERT_EQ(grants.size(), 10u);
  lim.on_rate_limited(start_);  // rate 5/s, paused 1 s
  advance_and_poll(ioc_, 3s, 1ms);
  ASSERT_EQ(grants.size(), 12u);
  EXPECT_EQ(grants[10], 1200ms) << "pause 1 s, then one token at 5/s";
  EXPECT_EQ(grants[11], 1400ms);
}

TEST_F(Limits, StoppedRateLimiterWakesWaitersWithFalse) {
  limiter lim(ioc_.get_executor(), rate(1));
  int granted = 0;
  int refused = 0;
  for (int i = 0; i < 3; ++i) {
    net::co_spawn(
        ioc_, [&]() -> awaitable<void> { (co_await lim.async_acquire() ? granted : refused)++; },
        rethrow);
  }
  advance_and_poll(ioc_, 0ms);
  EXPECT_EQ(granted, 1);
  lim.stop();
  advance_and_poll(ioc_, 0ms);
  EXPECT_EQ(refused, 2);
  EXPECT_EQ(lim.waiting(), 0u);
}

TEST_F(Limits, CancelledWaiterLeavesTheQueue) {
  using namespace net::experimental::awaitable_operators;
  limiter lim(ioc_.get_executor(), rate(1));
  std::vector<int> order;
  auto acquire = [&](int id) -> awaitable<void> {
    if (co_await lim.async_acquire()) {
      order.push_back(id);
    }
  };
  net::co_spawn(ioc_, acquire(0), rethrow);
  net::co_spawn(
      ioc_,
      [&]() -> awaitable<void> {
        net::basic_waitable_timer<mock_clock> t(ioc_, 300ms);
        co_await (acquire(1) || t.async_wait(use_awaitable));  // gives up after 300 ms
      },
      rethrow);
  net::co_spawn(ioc_, acquire(2), rethrow);
  advance_and_poll(ioc_, 1500ms, 1ms);
  EXPECT_EQ(order, (std::vector<int>{0, 2}));
  EXPECT_EQ(lim.waiting(), 0u);
}

TEST_F(Limits, RateLimitedAnswerIsRetriedAfterTheBucketSlowsDown) {
  limiter lim(ioc_.get_executor(), rate(10));
  test::fake_api inner;
  inner.list_answers.push_back(
      test::make_error(client::error_class::rate_limited, "request is rejected by limiter", 1807));
  inner.list_answers.push_back(std::vector<client::job_info>{});
  std::vector<std::string> results;
  basic_rate_limited_api<mock_clock> api(
      inner, lim, {}, [&](client::operation, std::string_view r, std::chrono::nanoseconds) {
        results.emplace_back(r);
      });
  std::optional<bool> ok;
  std::chrono::milliseconds answered{};
  net::co_spawn(
      ioc_,
      [&]() -> awaitable<void> {
        client::list_request req{"default", "ext_books"};
        auto r = co_await api.async_list(std::move(req));
        ok = r.has_value();
        answered = since_start(mock_clock::now());
      },
      rethrow);
  advance_and_poll(ioc_, 3s, 1ms, [&] { return ok.has_value(); });
  ASSERT_TRUE(ok.has_value());
  EXPECT_TRUE(*ok);
  EXPECT_EQ(inner.count(client::operation::list), 2u);
  EXPECT_EQ(results, (std::vector<std::string>{"rate_limited", "ok"}));
  EXPECT_EQ(answered, 1200ms) << "the 1 s pause, then an empty bucket refilling at 5/s";
  EXPECT_DOUBLE_EQ(lim.bucket().rate(), 5);
}

TEST_F(Limits, RateLimitedApiGivesUpAfterTheRetryBudget) {
  limiter lim(ioc_.get_executor(), rate(0));
  test::fake_api inner;
  for (int i = 0; i < 5; ++i) {
    inner.refresh_answers.push_back(
        test::make_error(client::error_class::rate_limited, "429", 0, 429));
  }
  basic_rate_limited_api<mock_clock> api(inner, lim, {.max_rate_limited_retries = 2});
  std::optional<client::error_class> error;
  net::co_spawn(
      ioc_,
      [&]() -> awaitable<void> {
        client::refresh_request req{"default", "ext_books", {}, {}};
        auto r = co_await api.async_refresh(std::move(req));
        error = r ? std::nullopt : std::optional(r.error().kind);
      },
      rethrow);
  advance_and_poll(ioc_, 60s, 10ms, [&] { return error.has_value(); });
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(*error, client::error_class::rate_limited);
  EXPECT_EQ(inner.count(client::operation::refresh), 3u);
}

TEST_F(Limits, StoppedLimiterFailsRequestsWithoutSendingThem) {
  limiter lim(ioc_.get_executor(), rate(5));
  lim.stop();
  test::fake_api inner;
  basic_rate_limited_api<mock_clock> api(inner, lim);
  std::optional<std::string> message;
  net::co_spawn(
      ioc_,
      [&]() -> awaitable<void> {
        auto r = co_await api.async_describe(client::job_id{7, false});
        message = r ? "" : r.error().message;
      },
      rethrow);
  advance_and_poll(ioc_, 0ms);
  ASSERT_TRUE(message.has_value());
  EXPECT_NE(message->find("shutting down"), std::string::npos);
  EXPECT_TRUE(inner.calls.empty());
}

// ---------------------------------------------------------------------------------------------

using sys = std::chrono::system_clock::time_point;
const sys due0 = sys(1'800'000'000s);

TEST_F(Limits, JobSlotsServeWaitersInDueTimeOrder) {
  job_slots slots(ioc_.get_executor(), 2);
  std::vector<job_slot> held;
  std::vector<int> order;
  auto take = [&](int id, sys due) -> awaitable<void> {
    auto s = co_await slots.async_acquire(due);
    if (s) {
      order.push_back(id);
      held.push_back(std::move(s));
    }
  };
  net::co_spawn(ioc_, take(0, due0), rethrow);
  net::co_spawn(ioc_, take(1, due0), rethrow);
  net::co_spawn(ioc_, take(2, due0 + 30s), rethrow);
  net::co_spawn(ioc_, take(3, due0 + 10s), rethrow);
  net::co_spawn(ioc_, take(4, due0 + 20s), rethrow);
  net::co_spawn(ioc_, take(5, due0 + 10s), rethrow);  // same due time: arrival order
  advance_and_poll(ioc_, 0ms);
  EXPECT_EQ(order, (std::vector<int>{0, 1}));
  EXPECT_EQ(slots.in_use(), 2);
  EXPECT_EQ(slots.waiting(), 4u);
  for (int round = 0; round < 4; ++round) {
    held.erase(held.begin());  // release the oldest holder
    advance_and_poll(ioc_, 0ms);
    EXPECT_EQ(slots.in_use(), 2);
  }
  EXPECT_EQ(order, (std::vector<int>{0, 1, 3, 5, 4, 2}));
}

TEST_F(Limits, ForcedSlotsMayExceedCapacityAndDelayNewOnes) {
  job_slots slots(ioc_.get_executor(), 1);
  auto a = slots.force_acquire();
  auto b = slots.force_acquire();
  EXPECT_EQ(slots.in_use(), 2);
  bool got = false;
  net::co_spawn(
      ioc_,
      [&]() -> awaitable<void> {
        auto s = co_await slots.async_acquire(due0);
        got = static_cast<bool>(s);
      },
      rethrow);
  advance_and_poll(ioc_, 0ms);
  EXPECT_FALSE(got);
  a.release();
  advance_and_poll(ioc_, 0ms);
  EXPECT_FALSE(got) << "still at capacity";
  b.release();
  advance_and_poll(ioc_, 0ms);
  EXPECT_TRUE(got);
  EXPECT_EQ(slots.in_use(), 0) << "the waiter's slot was released when it returned";
}

TEST_F(Limits, StoppedSlotsWakeWaitersEmptyHanded) {
  job_slots slots(ioc_.get_executor(), 1);
  auto a = slots.force_acquire();
  std::optional<bool> got;
  net::co_spawn(
      ioc_,
      [&]() -> awaitable<void> {
        auto s = co_await slots.async_acquire(due0);
        got = static_cast<bool>(s);
      },
      rethrow);
  advance_and_poll(ioc_, 0ms);
  EXPECT_FALSE(got.has_value());
  slots.stop();
  advance_and_poll(ioc_, 0ms);
  ASSERT_TRUE(got.has_value());
  EXPECT_FALSE(*got);
  EXPECT_FALSE(slots.force_acquire());
}

TEST_F(Limits, CancelledSlotWaiterLeavesTheQueue) {
  using namespace net::experimental::awaitable_operators;
  job_slots slots(ioc_.get_executor(), 1);
  auto a = std::make_optional(slots.force_acquire());
  net::co_spawn(
      ioc_,
      [&]() -> awaitable<void> {
        net::basic_waitable_timer<mock_clock> t(ioc_, 100ms);
        co_await (slots.async_acquire(due0) || t.async_wait(use_awaitable));
      },
      rethrow);
  advance_and_poll(ioc_, 200ms, 10ms);
  EXPECT_EQ(slots.waiting(), 0u);
  a.reset();
  EXPECT_EQ(slots.in_use(), 0);
}

TEST(JobSlots, GrantedSlotOfAWaiterDestroyedBeforeResumingIsReturned) {
  std::optional<net::io_context> ioc(std::in_place);
  job_slots slots(ioc->get_executor(), 1);
  auto a = slots.force_acquire();
  net::co_spawn(
      *ioc, [&]() -> awaitable<void> { auto s = co_await slots.async_acquire(due0); }, rethrow);
  ioc->poll();
  ASSERT_EQ(slots.waiting(), 1u);
  a.release();  // grants the waiter; its wake-up is queued but never runs
  EXPECT_EQ(slots.in_use(), 1);
  ioc.reset();  // destroys the parked coroutine
  EXPECT_EQ(slots.in_use(), 0);
}

}  // namespace
}  // namespace refreshd::daemon
