// "Did you mean" suggestions (private helper).
#include <array>

#include <gtest/gtest.h>

#include <refreshd/config/suggest.hpp>

namespace refreshd::config::detail {
namespace {

constexpr std::array<std::string_view, 6> keys{"schedule", "timezone",    "timeout",
                                               "jitter",   "jitter_mode", "max"};

TEST(EditDistance, CountsEditsAndTranspositions) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("schedule", "schedlue"), 1u);  // transposition
  EXPECT_EQ(edit_distance("timeout", "timeout"), 0u);
  EXPECT_EQ(edit_distance("ca", "abc"), 3u);  // OSA, not full Damerau
}

struct suggest_case {
  std::string word;
  std::optional<std::string> expected;
};

class SuggestsKey : public ::testing::TestWithParam<suggest_case> {};

TEST_P(SuggestsKey, ClosestCandidate) {
  EXPECT_EQ(closest_match(GetParam().word, keys), GetParam().expected) << GetParam().word;
}

INSTANTIATE_TEST_SUITE_P(
    Table, SuggestsKey,
    ::testing::Values(suggest_case{"schedul", "schedule"}, suggest_case{"shcedule", "schedule"},
                      suggest_case{"Schedule", "schedule"}, suggest_case{"SCHEDULE", "schedule"},
                      suggest_case{"time_zone", "timezone"}, suggest_case{"timeot", "timeout"},
                      suggest_case{"jitter-mode", "jitter_mode"}, suggest_case{"jiter", "jitter"},
                      suggest_case{"mx", "max"}, suggest_case{"endpoint", std::nullopt},
                      suggest_case{"zzz", std::nullopt}, suggest_case{"", std::nullopt},
                      suggest_case{std::string(100, 'a'), std::nullopt}));

}  // namespace
}  // namespace refreshd::config::detail
