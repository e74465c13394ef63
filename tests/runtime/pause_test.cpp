// Pause, resume and quarantine over the mock clock (docs/OPERATIONS.md "Pause"): a paused
// collection is not triggered and shows `paused`; every change is saved before it is answered,
// and a change that cannot be saved changes nothing; quarantine_after failed jobs in a row pause
// it as quarantined, and after a resume it takes that many again.
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <gtest/gtest.h>

#include "runtime_fixture.hpp"

namespace refreshd::daemon {
namespace {

class PauseRuntime : public Runtime {
 protected:
  void start_saving() {
    start();
    rt_->persist_pause =
        [this](std::string key,
               std::optional<pause_record> r) -> awaitable<std::optional<std::string>> {
      if (fail_saving_) {
        co_return std::string("disk full");
      }
      pause_book b = saved_.empty() ? pause_book{} : saved_.back();
      if (r) {
        b[key] = *r;
      } else {
        b.erase(key);
      }
      saved_.push_back(b);
      co_return std::nullopt;
    };
  }
  /// Runs an async_pause / async_resume to its answer.
  std::optional<std::string> done(awaitable<std::optional<std::string>> a) {
    auto out = std::make_shared<std::optional<std::optional<std::string>>>();
    net::co_spawn(ioc_, std::move(a), [out](std::exception_ptr e, std::optional<std::string> v) {
      if (e) {
        std::rethrow_exception(e);
      }
      *out = std::move(v);
    });
    advance_and_poll(ioc_, 1s, 10ms, [out] { return out->has_value(); });
    EXPECT_TRUE(out->has_value()) << "answered";
    return out->value_or(std::string("no answer"));
  }
  std::optional<std::string> pause(std::size_t i, std::string reason) {
    return done(rt_->async_pause(i, std::move(reason)));
  }
  std::optional<std::string> resume(std::size_t i) { return done(rt_->async_resume(i)); }
  std::vector<pause_book> saved_;
  bool fail_saving_ = false;
};

TEST_F(PauseRuntime, APausedCollectionIsNotTriggeredUntilResumed) {
  cluster(2, "every 1m");
  start_saving();
  run_for(90s, 1s);
  const int before = model_.triggers_of("ext_0");
  ASSERT_FALSE(pause(0, "lake migration").has_value());
  EXPECT_EQ(col(0).state.current, status::paused);
  ASSERT_EQ(saved_.size(), 1U);
  EXPECT_EQ(saved_.back().at("prod/default/ext_0").reason, "lake migration");
  EXPECT_FALSE(saved_.back().at("prod/default/ext_0").quarantined);
  ASSERT_NE(rt_->pause_of(0), nullptr);
  EXPECT_EQ(rt_->pause_of(1), nullptr);
  run_for(5min, 1s);
  EXPECT_EQ(model_.triggers_of("ext_0"), before) << "no trigger while paused";
  EXPECT_GE(col(0).state.counters.skipped.suspended, 4U) << "its slots count as suspended";
  EXPECT_GT(model_.triggers_of("ext_1"), before + 3) << "the other one goes on";
  ASSERT_FALSE(resume(0).has_value());
  EXPECT_TRUE(saved_.back().empty());
  EXPECT_NE(col(0).state.current, status::paused);
  run_for(2min, 1s);
  EXPECT_GT(model_.triggers_of("ext_0"), before);
  EXPECT_FALSE(resume(0).has_value()) << "resuming what is not paused is harmless";
}

TEST_F(PauseRuntime, AChangeThatCannotBeSavedChangesNothing) {
  cluster(1, "every 1m");
  start_saving();
  fail_saving_ = true;
  const auto error = pause(0, "x");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(*error, "disk full");
  EXPECT_NE(col(0).state.current, status::paused);
  fail_saving_ = false;
  ASSERT_FALSE(pause(0, "x").has_value());
  fail_saving_ = true;
  EXPECT_TRUE(resume(0).has_value());
  EXPECT_EQ(col(0).state.current, status::paused) << "still paused: the resume was not saved";
}

TEST_F(PauseRuntime, PausesSavedBeforeAreAppliedAtStart) {
  cluster(2, "every 1m");
  start();
  rt_->stop();
  run_for(1s);
  rt_.reset();
  model_.jobs.clear();
  pause_book book;
  book["prod/default/ext_1"] = pause_record{"kept", wall_time{}, false};
  rt_ = mock_runtime::create(
      ioc_.get_executor(), cfg_,
      [this](executor, const config::cluster&, std::string) {
        return cluster_client{std::make_unique<test::model_api>(model_), {}};
      },
      runtime_options{});
  rt_->set_pauses(book);
  rt_->start();
  run_for(3min, 1s);
  EXPECT_EQ(col(1).state.current, status::paused);
  EXPECT_EQ(model_.triggers_of("ext_1"), 0);
  EXPECT_GT(model_.triggers_of("ext_0"), 0);
}

TEST_F(PauseRuntime, QuarantineAfterFailuresInARowUntilResumed) {
  auto& c = cluster(1, "every 1m");
  c.collections[0].settings.edit().retries = 0;
  c.collections[0].settings.edit().quarantine_after = 3;
  model_.collections["ext_0"].fail = true;
  start_saving();
  run_for(3min + 30s, 1s);  // 10:00 (catch-up), 10:01, 10:02 fail
  EXPECT_EQ(col(0).state.consecutive_failures, 3);
  EXPECT_EQ(col(0).state.current, status::paused);
  ASSERT_NE(rt_->pause_of(0), nullptr);
  EXPECT_TRUE(rt_->pause_of(0)->quarantined);
  EXPECT_NE(rt_->pause_of(0)->reason.find("quarantined after 3 failed refreshes in a row"),
            std::string::npos)
      << rt_->pause_of(0)->reason;
  ASSERT_FALSE(saved_.empty());
  EXPECT_TRUE(saved_.back().at("prod/default/ext_0").quarantined);
  run_for(5min, 1s);
  EXPECT_EQ(model_.triggers_of("ext_0"), 3) << "nothing while quarantined";
  ASSERT_FALSE(resume(0).has_value());
  run_for(2min, 1s);  // two more failures: not yet three since the resume
  EXPECT_EQ(model_.triggers_of("ext_0"), 5);
  EXPECT_EQ(col(0).state.current, status::failing);
  run_for(1min, 1s);
  EXPECT_EQ(col(0).state.current, status::paused) << "three since the resume";
}

}  // namespace
}  // namespace refreshd::daemon
