// heap_trimmer: a trim a short delay after soon() (a scrape's end), calls within the delay
// sharing one, and stop() ending its task. The trim itself is replaced by a counter; the period
// is an hour, so every trim seen here came from soon().
#include <chrono>

#include <gtest/gtest.h>

#include <refreshd/daemon/heap.hpp>
#include <refreshd/runtime/spawn.hpp>

namespace refreshd::daemon {
namespace {

using namespace std::chrono_literals;

class HeapTrimmer : public ::testing::Test {
 protected:
  // Runs the loop until `pred` holds (or 5 s pass: the test then fails on its expectation).
  template <class Pred>
  void run_until(Pred pred) {
    const auto give_up = std::chrono::steady_clock::now() + 5s;
    while (!pred() && std::chrono::steady_clock::now() < give_up) {
      ioc_.run_one_for(10ms);
    }
  }

  net::io_context ioc_;
  int trims_ = 0;
  bool ended_ = false;
  std::shared_ptr<heap_trimmer> trimmer_ = std::make_shared<heap_trimmer>(
      ioc_.get_executor(), std::chrono::hours(1), 5ms, [this] { ++trims_; });

  void start() {
    spawn_task(ioc_.get_executor(), trimmer_->run(), "heap trim", trimmer_,
               [this] { ended_ = true; });
  }
};

TEST_F(HeapTrimmer, TrimsOnceShortlyAfterSoonForCallsWithinTheDelay) {
  start();
  ioc_.poll();
  EXPECT_EQ(trims_, 0) << "nothing before the period or soon()";
  trimmer_->soon();
  trimmer_->soon();  // a second scrape ending within the delay
  ioc_.poll();
  trimmer_->soon();
  run_until([&] { return trims_ > 0; });
  EXPECT_EQ(trims_, 1);
  // Nothing else is pending: the next trim needs the next soon().
  for (int i = 0; i < 3; ++i) {
    ioc_.run_one_for(10ms);
  }
  EXPECT_EQ(trims_, 1);
  trimmer_->soon();
  run_until([&] { return trims_ > 1; });
  EXPECT_EQ(trims_, 2);
  trimmer_->stop();
  run_until([&] { return ended_; });
  EXPECT_TRUE(ended_) << "stop() ends run()";
  EXPECT_EQ(trims_, 2);
}

TEST_F(HeapTrimmer, SoonAfterStopDoesNothing) {
  start();
  ioc_.poll();
  trimmer_->stop();
  trimmer_->soon();
  run_until([&] { return ended_; });
  EXPECT_TRUE(ended_);
  EXPECT_EQ(trims_, 0);
}

}  // namespace
}  // namespace refreshd::daemon
