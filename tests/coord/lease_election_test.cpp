// next_election_step (coord/lease_election.hpp): client-go's tryAcquireOrRenew, decided on
// the candidate's own clock.
#include <chrono>
#include <optional>

#include <gtest/gtest.h>

#include <refreshd/coord/lease_election.hpp>

namespace refreshd::coord {
namespace {

using namespace std::chrono_literals;
using action = election_step::action;
const auto t0 = std::chrono::steady_clock::time_point{} + 1h;

lease_observation read_of(std::string holder, std::string renew, std::string version,
                          std::int64_t transitions = 0) {
  lease_observation r;
  r.spec = {std::move(holder), 15, "2026-12-07T10:00:00.000000Z", std::move(renew), transitions};
  r.resource_version = std::move(version);
  return r;
}

TEST(LeaseElection, NoLeaseIsCreatedHeldByMe) {
  lease_observation seen;
  const auto s = next_election_step(std::nullopt, seen, "pod-a", 15s, t0, "T0");
  EXPECT_EQ(s.what, action::create);
  EXPECT_EQ(s.spec.holder, "pod-a");
  EXPECT_EQ(s.spec.duration_seconds, 15);
  EXPECT_EQ(s.spec.acquire_time, "T0");
  EXPECT_EQ(s.spec.renew_time, "T0");
  EXPECT_EQ(s.spec.transitions, 0);
}

TEST(LeaseElection, AnotherHoldersLeaseIsTakenOnlyAfterItStoppedChangingForItsDuration) {
  lease_observation seen;
  const auto held = read_of("pod-b", "2030-01-01T00:00:00Z", "41");  // its clock is far ahead
  EXPECT_EQ(next_election_step(held, seen, "pod-a", 15s, t0, "T0").what, action::wait);
  EXPECT_EQ(next_election_step(held, seen, "pod-a", 15s, t0 + 14s, "T1").what, action::wait)
      << "the holder's renewTime is never compared with our clock";
  // The holder renewed at t0 + 10s: the 15 s count again from when we saw that.
  const auto renewed = read_of("pod-b", "2030-01-01T00:00:10Z", "42");
  EXPECT_EQ(next_election_step(renewed, seen, "pod-a", 15s, t0 + 10s, "T2").what, action::wait);
  EXPECT_EQ(next_election_step(renewed, seen, "pod-a", 15s, t0 + 24s, "T3").what, action::wait);
  const auto s = next_election_step(renewed, seen, "pod-a", 15s, t0 + 25s, "T4");
  EXPECT_EQ(s.what, action::update) << "unchanged for its 15 s: expired";
  EXPECT_EQ(s.resource_version, "42") << "the update is conditional on what was read";
  EXPECT_EQ(s.spec.holder, "pod-a");
  EXPECT_EQ(s.spec.transitions, 1) << "a change of holder counts";
  EXPECT_EQ(s.spec.acquire_time, "T4");
}

TEST(LeaseElection, TheHolderRenewsKeepingItsAcquireTimeAndTransitions) {
  lease_observation seen;
  const auto mine = read_of("pod-a", "T0", "7", 3);
  const auto s = next_election_step(mine, seen, "pod-a", 15s, t0, "T9");
  EXPECT_EQ(s.what, action::update);
  EXPECT_EQ(s.spec.acquire_time, "2026-12-07T10:00:00.000000Z");
  EXPECT_EQ(s.spec.renew_time, "T9");
  EXPECT_EQ(s.spec.transitions, 3);
  EXPECT_EQ(s.resource_version, "7");
}

TEST(LeaseElection, AReleasedLeaseIsTakenAtOnce) {
  lease_observation seen;
  const auto r = released(read_of("pod-b", "T0", "5", 2).spec, "T1");
  EXPECT_TRUE(r.holder.empty());
  EXPECT_EQ(r.duration_seconds, 1);
  lease_observation read;
  read.spec = r;
  read.resource_version = "6";
  const auto s = next_election_step(read, seen, "pod-a", 15s, t0, "T2");
  EXPECT_EQ(s.what, action::update);
  EXPECT_EQ(s.spec.transitions, 3);
}

}  // namespace
}  // namespace refreshd::coord
