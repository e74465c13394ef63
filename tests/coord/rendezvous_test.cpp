// rendezvous_owner (coord/rendezvous.hpp): every replica computes the same owner, the load is
// even, and a member joining or leaving moves only the collections it gains or held.
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <refreshd/coord/rendezvous.hpp>

namespace refreshd::coord {
namespace {

std::vector<std::string> keys(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    out.push_back("prod/default/ext_" + std::to_string(i));
  }
  return out;
}

TEST(Rendezvous, NoMembersNoOwner) {
  EXPECT_EQ(rendezvous_owner({}, "prod/default/ext_1"), no_owner);
}

TEST(Rendezvous, TheOwnerDoesNotDependOnTheOrderOfTheMembers) {
  const std::vector<std::string> a{"r1", "r2", "r3"};
  const std::vector<std::string> b{"r3", "r1", "r2"};
  for (const auto& k : keys(500)) {
    EXPECT_EQ(a[rendezvous_owner(a, k)], b[rendezvous_owner(b, k)]) << k;
  }
}

TEST(Rendezvous, WeightsArePinned) {
  // The same on every replica and platform: a change here reshuffles every fleet on upgrade.
  EXPECT_NE(rendezvous_weight("r1", "a"), rendezvous_weight("r2", "a"));
  EXPECT_NE(rendezvous_weight("r1", std::string("a\0b", 3)), rendezvous_weight("r1a", "b"))
      << "member and key are separated";
  // Computed by an independent implementation (Python) of FNV-1a and splitmix64's finaliser.
  EXPECT_EQ(rendezvous_weight("", ""), 0x25fc6dd36ce04b20ULL);
  EXPECT_EQ(rendezvous_weight("r1", "prod/default/ext_books"), 0x25492a2a83c6306aULL);
  EXPECT_EQ(rendezvous_weight("replica-a", "prod/default/ext_0"), 0xdf742fcc20f0a258ULL);
}

TEST(Rendezvous, TheLoadIsEven) {
  const std::vector<std::string> members{"replica-a", "replica-b", "replica-c", "replica-d"};
  std::map<std::size_t, int> count;
  const auto all = keys(20'000);
  for (const auto& k : all) {
    ++count[rendezvous_owner(members, k)];
  }
  ASSERT_EQ(count.size(), members.size());
  for (const auto& [m, n] : count) {
    EXPECT_NEAR(n, 5'000, 300) << members[m];  // ±6 %, about 4 standard deviations
  }
}

TEST(Rendezvous, AJoinOrALeaveMovesOnlyWhatChangesHands) {
  const std::vector<std::string> three{"r1", "r2", "r3"};
  const std::vector<std::string> four{"r1", "r2", "r3", "r4"};
  int moved = 0;
  const auto all = keys(10'000);
  for (const auto& k : all) {
    const auto& before = three[rendezvous_owner(three, k)];
    const auto& after = four[rendezvous_owner(four, k)];
    if (before != after) {
      ++moved;
      EXPECT_EQ(after, "r4") << k << ": a join moves collections only to the new member";
    }
  }
  EXPECT_NEAR(moved, 2'500, 250) << "about 1/4 move to the fourth member";
  // r2 leaves: only its collections move, spread over the others.
  const std::vector<std::string> without_r2{"r1", "r3"};
  for (const auto& k : all) {
    const auto& before = three[rendezvous_owner(three, k)];
    if (before != "r2") {
      EXPECT_EQ(without_r2[rendezvous_owner(without_r2, k)], before) << k;
    }
  }
}

}  // namespace
}  // namespace refreshd::coord
