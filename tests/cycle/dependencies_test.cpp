// depends_on's pure part (cycle/dependencies.hpp): the gate of a dependent and the edges.
#include <gtest/gtest.h>

#include <refreshd/cycle/dependencies.hpp>

namespace refreshd::daemon {
namespace {

using namespace std::chrono_literals;

const wall_time t0 = wall_time(1'795'341'600'000ms);

collection_state ready_at(wall_time t) {
  collection_state s;
  s.last_success = t;
  return s;
}

TEST(Dependencies, ReadyOnlyWhenEveryUpstreamIsNewerThanWhatWasConsumed) {
  const collection_state a = ready_at(t0 + 10s);
  const collection_state b = ready_at(t0 + 20s);
  const std::vector<const collection_state*> ups{&a, &b};
  EXPECT_EQ(check_upstreams(std::nullopt, ups).wait, upstream_wait::ready) << "never refreshed";
  EXPECT_EQ(check_upstreams(t0 + 5s, ups).wait, upstream_wait::ready);
  const auto g = check_upstreams(t0 + 15s, ups);
  EXPECT_EQ(g.wait, upstream_wait::waiting);
  EXPECT_EQ(g.upstream, 0U);
  EXPECT_EQ(check_upstreams(t0 + 10s, ups).wait, upstream_wait::waiting) << "not newer: equal";
  const collection_state never;
  const std::vector<const collection_state*> with_never{&a, &never};
  EXPECT_EQ(check_upstreams(std::nullopt, with_never).upstream, 1U);
}

TEST(Dependencies, AFailedUpstreamHoldsEvenWhenAnotherIsWaitedFor) {
  collection_state a = ready_at(t0);
  collection_state b = ready_at(t0 + 20s);
  b.current = status::failing;
  const std::vector<const collection_state*> ups{&a, &b};
  const auto g = check_upstreams(t0 + 5s, ups);
  EXPECT_EQ(g.wait, upstream_wait::held);
  EXPECT_EQ(g.upstream, 1U);
  for (const status s : {status::misconfigured, status::unsupported, status::auth_failed}) {
    b.current = s;
    EXPECT_EQ(check_upstreams(t0 + 5s, ups).wait, upstream_wait::held) << to_string(s);
  }
  for (const status s : {status::running, status::stuck, status::suspended, status::idle}) {
    b.current = s;
    EXPECT_NE(check_upstreams(t0 + 5s, ups).wait, upstream_wait::held) << to_string(s);
  }
}

TEST(Dependencies, WhatWasConsumedIsTheServersStartOfTheNewestJob) {
  collection_state s;
  EXPECT_FALSE(consumed_at(s));
  s.last_trigger = t0;
  EXPECT_EQ(*consumed_at(s), t0) << "no job start known: the trigger time";
  s.job = job_snapshot{};
  EXPECT_EQ(*consumed_at(s), t0) << "the new job has no start yet";
  s.job->start = t0 + 5s;  // the server's clock, 5 s ahead of ours
  EXPECT_EQ(*consumed_at(s), t0 + 5s);
  s.last_trigger = t0 - 1h;
  EXPECT_EQ(*consumed_at(s), t0 + 5s) << "the server's clock is the upstreams' clock";
}

TEST(Dependencies, AQuarantinedUpstreamHolds) {
  collection_state a = ready_at(t0 + 20s);
  a.current = status::paused;
  const std::vector<const collection_state*> ups{&a};
  EXPECT_EQ(check_upstreams(t0, ups).wait, upstream_wait::ready) << "paused, not failing";
  a.consecutive_failures = 3;
  EXPECT_EQ(check_upstreams(t0, ups).wait, upstream_wait::held) << "quarantined";
}

TEST(Dependencies, LinksGoBothWaysAndLogAChangeOfHeldOnce) {
  dependency_links links;
  const std::vector<std::string> keys{"p/d/a", "p/d/b", "p/d/c"};
  const std::vector<std::string> c_deps{"p/d/a", "p/d/b", "p/d/gone"};
  links.build(keys, {nullptr, nullptr, &c_deps});
  ASSERT_FALSE(links.empty());
  EXPECT_EQ(std::vector<std::size_t>(links.upstreams(2).begin(), links.upstreams(2).end()),
            (std::vector<std::size_t>{0, 1}))
      << "an unknown key is left out";
  EXPECT_EQ(links.dependents(0).size(), 1U);
  EXPECT_TRUE(links.upstreams(0).empty());
  EXPECT_TRUE(links.note_held(2, true));
  EXPECT_FALSE(links.note_held(2, true));
  EXPECT_TRUE(links.note_held(2, false));
  EXPECT_FALSE(links.note_held(2, false));
  links.clear();
  EXPECT_TRUE(links.empty());
  EXPECT_EQ(to_string(upstream_wait::held), "held");
}

}  // namespace
}  // namespace refreshd::daemon
