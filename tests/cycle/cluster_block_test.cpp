// The block of a cluster (cycle/cluster_block.hpp): who may make requests while a cluster is
// held back by an unsupported or auth_failed outcome, without an event loop.
#include <gtest/gtest.h>

#include <refreshd/cycle/cluster_block.hpp>

namespace refreshd::daemon {
namespace {

using namespace std::chrono_literals;

const steady_time t0 = steady_time(1000h);

cycle_outcome unsupported_until(steady_time until) {
  cycle_outcome o;
  o.kind = outcome_kind::unsupported;
  o.message = "HTTP 404";
  o.not_before = until;
  return o;
}

TEST(ClusterBlock, AnUnblockedClusterLetsEveryCollectionThrough) {
  cluster_block b;
  EXPECT_FALSE(b);
  EXPECT_TRUE(b.lets_through(3, false, t0));
  EXPECT_FALSE(b.prober()) << "nobody probes a cluster that is not blocked";
}

TEST(ClusterBlock, UntilItsTimeNobodyPassesThenExactlyOneCollectionProbes) {
  cluster_block b;
  b.set(unsupported_until(t0 + 10min));
  ASSERT_TRUE(b);
  EXPECT_EQ(b.outcome()->kind, outcome_kind::unsupported);
  EXPECT_FALSE(b.lets_through(0, true, t0 + 5min)) << "before not_before";
  EXPECT_TRUE(b.lets_through(1, true, t0 + 10min)) << "the first due collection probes";
  EXPECT_EQ(b.prober(), 1u);
  EXPECT_FALSE(b.lets_through(2, true, t0 + 11min)) << "the others wait for its outcome";
  EXPECT_TRUE(b.lets_through(1, false, t0 + 11min)) << "the prober itself goes on";
  EXPECT_FALSE(b.lets_through(0, false, t0 + 20min)) << "without may_probe nobody becomes one";
}

TEST(ClusterBlock, RenewingForgetsTheProberAndClearingLiftsTheBlock) {
  cluster_block b;
  b.set(unsupported_until(t0 + 10min));
  ASSERT_TRUE(b.lets_through(1, true, t0 + 10min));
  b.set(unsupported_until(t0 + 20min));  // the probe failed: the block is renewed
  EXPECT_FALSE(b.prober());
  EXPECT_FALSE(b.lets_through(1, true, t0 + 15min));
  b.clear();
  EXPECT_FALSE(b);
  EXPECT_TRUE(b.lets_through(2, false, t0 + 15min));
}

TEST(ClusterBlock, ExpiringLetsTheNextDueCollectionProbeAtOnce) {
  cluster_block b;
  b.set(unsupported_until(t0 + 10min));
  b.expire();  // a re-read token differs
  EXPECT_TRUE(b.lets_through(4, true, t0));
  EXPECT_EQ(b.prober(), 4u);
  b.set_prober(7);  // a reload renumbered the collections
  EXPECT_TRUE(b.lets_through(7, false, t0));
  EXPECT_FALSE(b.lets_through(4, true, t0));
}

}  // namespace
}  // namespace refreshd::daemon
