// The runtime's queue of due times (cycle/due_queue.hpp), without an event loop.
#include <gtest/gtest.h>

#include <refreshd/cycle/due_queue.hpp>

namespace refreshd::daemon {
namespace {

using namespace std::chrono_literals;

// 2026-11-22T10:00:00Z
const wall_time t10 = wall_time(1'795'341'600'000ms);

TEST(DueQueue, EntriesComeOutEarliestFirstAndOnlyWhenDue) {
  due_queue q;
  EXPECT_FALSE(q.earliest());
  q.push(t10 + 3s, 3, 1);
  q.push(t10 + 1s, 1, 1);
  q.push(t10 + 2s, 2, 7);
  ASSERT_EQ(q.earliest(), t10 + 1s);
  EXPECT_FALSE(q.pop_due(t10 + 999ms)) << "not due yet";
  auto a = q.pop_due(t10 + 2s);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->index, 1u);
  auto b = q.pop_due(t10 + 2s);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->index, 2u);
  EXPECT_EQ(b->generation, 7u);
  EXPECT_FALSE(q.pop_due(t10 + 2s));
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(q.earliest(), t10 + 3s);
}

TEST(DueQueue, ARescheduledCollectionLeavesAStaleEntryTheCallerSkips) {
  due_queue q;
  q.push(t10 + 5s, 0, 1);
  q.push(t10 + 1s, 0, 2);  // rescheduled earlier: generation 2 is current
  auto first = q.pop_due(t10 + 10s);
  auto second = q.pop_due(t10 + 10s);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->generation, 2u);
  EXPECT_EQ(second->generation, 1u) << "the stale one comes out too; its generation tells";
  q.push(t10, 1, 1);
  q.clear();
  EXPECT_TRUE(q.empty());
}

TEST(DueQueue, EqualDueTimesAllComeOut) {
  due_queue q;
  for (std::uint32_t i = 0; i < 100; ++i) {
    q.push(t10, i, 0);
  }
  std::vector<bool> seen(100, false);
  while (auto e = q.pop_due(t10)) {
    seen[e->index] = true;
  }
  EXPECT_EQ(std::count(seen.begin(), seen.end(), true), 100);
}

}  // namespace
}  // namespace refreshd::daemon
