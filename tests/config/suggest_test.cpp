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

namespace refreshd::config {
namespace {

constexpr std::array<std::string_view, 5> names{"ext_books", "ext_reviews", "ext_movies",
                                                "ext_books", "plain"};

TEST(NearestNames, MisspellingsAndContainedNamesClosestFirst) {
  using v = std::vector<std::string>;
  EXPECT_EQ(nearest_names("ext_bokos", names), v{"ext_books"});   // transposition, once
  EXPECT_EQ(nearest_names("books", names), v{"ext_books"});       // contained
  EXPECT_EQ(nearest_names("EXT_MOVIE", names), v{"ext_movies"});  // case, one edit
  EXPECT_EQ(nearest_names("ext", names), (v{"ext_books", "ext_movies", "ext_reviews"}));
  EXPECT_EQ(nearest_names("ext", names, 1), v{"ext_books"});
  EXPECT_EQ(nearest_names("ext_reviews_2024", names), v{"ext_reviews"});  // contains a name
  EXPECT_TRUE(nearest_names("orders", names).empty());
  EXPECT_TRUE(nearest_names("", names).empty());
}

}  // namespace
}  // namespace refreshd::config
