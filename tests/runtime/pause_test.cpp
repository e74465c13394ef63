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
      if (save_delay_.count() > 0) {  // a remote store (etcd) takes its time
        net::basic_waitable_timer<mock_clock> t(ioc_, save_delay_);
        co_await t.async_wait(use_nothrow);
      }
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
  mock_clock::duration save_delay_{0};
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

TEST_F(PauseRuntime, APauseEndsACycleWaitingToRetryWithoutAnotherJob) {
  auto& c = cluster(1, "every 1h");
  c.collections[0].settings.edit().retries = 2;
  c.collections[0].settings.edit().retry_backoff = 1min;
  model_.collections["ext_0"].fail = true;
  start_saving();
  run_for(20s, 1s);  // the 10:00 catch-up failed; its cycle waits a minute to retry
  ASSERT_EQ(model_.triggers_of("ext_0"), 1);
  ASSERT_FALSE(pause(0, "x").has_value());
  run_for(5min, 1s);
  EXPECT_EQ(model_.triggers_of("ext_0"), 1) << "no retry once paused";
  EXPECT_FALSE(col(0).running);
}

TEST_F(PauseRuntime, AQuarantineStillBeingSavedIsKeptWhenTheStoresBookArrives) {
  auto& c = cluster(1, "every 1m");
  c.collections[0].settings.edit().retries = 0;
  c.collections[0].settings.edit().quarantine_after = 1;
  model_.collections["ext_0"].fail = true;
  start_saving();
  save_delay_ = 10min;
  run_for(20s, 1s);
  ASSERT_EQ(col(0).state.current, status::paused);
  rt_->set_pauses({});  // etcd's book, read before the quarantine reached it
  EXPECT_EQ(col(0).state.current, status::paused) << "not dropped";
  run_for(11min, 1s);
  ASSERT_FALSE(saved_.empty());
  EXPECT_TRUE(saved_.back().at("prod/default/ext_0").quarantined);
  rt_->set_pauses(saved_.back());
  rt_->set_pauses({});  // now saved: a book without it means it was resumed elsewhere
  EXPECT_NE(col(0).state.current, status::paused);
  EXPECT_EQ(model_.triggers_of("ext_0"), 1);
}

TEST_F(PauseRuntime, AResumeFromTheStoreRestartsTheQuarantineCount) {
  auto& c = cluster(1, "every 1m");
  c.collections[0].settings.edit().retries = 0;
  c.collections[0].settings.edit().quarantine_after = 2;
  model_.collections["ext_0"].fail = true;
  start_saving();
  run_for(90s, 1s);  // 10:00 and 10:01 failed: quarantined
  ASSERT_EQ(col(0).state.current, status::paused);
  rt_->set_pauses({});  // resumed through another replica
  run_for(1min, 1s);    // one more failure
  EXPECT_EQ(col(0).state.current, status::failing) << "one failure since the resume is not two";
  run_for(1min, 1s);
  EXPECT_EQ(col(0).state.current, status::paused);
}

TEST_F(PauseRuntime, AReloadWhileAPauseIsSavedKeepsItByKey) {
  cluster(2, "@daily");
  start_saving();
  save_delay_ = 30s;
  run_for(2s, 1s);
  auto out = std::make_shared<std::optional<std::optional<std::string>>>();
  net::co_spawn(ioc_, rt_->async_pause(0, "x"),
                [out](std::exception_ptr e, std::optional<std::string> v) {
                  if (e) {
                    std::rethrow_exception(e);
                  }
                  *out = std::move(v);
                });
  run_for(1s, 100ms);
  // ext_0 removed (its config freed) while the pause is being saved.
  auto next = std::make_shared<config::config>(*cfg_);
  next->clusters[0].collections.erase(next->clusters[0].collections.begin());
  cfg_.reset();
  rt_->apply_config(next);
  advance_and_poll(ioc_, 1min, 100ms, [out] { return out->has_value(); });
  ASSERT_TRUE(out->has_value());
  EXPECT_FALSE(out->value().has_value());
  EXPECT_EQ(rt_->pause_of(0), nullptr) << "ext_1, now first, is not paused";
  EXPECT_NE(col(0).state.current, status::paused);
  // Added again, it comes back paused: the pause is kept by key.
  auto again = std::make_shared<config::config>(*next);
  again->clusters[0].collections.push_back(next->clusters[0].collections[0]);
  again->clusters[0].collections.back().name = "ext_0";
  rt_->apply_config(again);
  EXPECT_EQ(col(1).state.current, status::paused);
}

}  // namespace
}  // namespace refreshd::daemon
