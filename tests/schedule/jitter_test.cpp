#include <array>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include <refreshd/schedule/jitter.hpp>

namespace refreshd::schedule {
namespace {

using std::chrono::milliseconds;

TEST(Fnv1a64, MatchesThePublishedTestVectors) {
  EXPECT_EQ(fnv1a_64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a_64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(fnv1a_64("foobar"), 0x85944171f73967e8ULL);
}

TEST(FixedJitter, IsStableAcrossRunsAndBuilds) {
  // Hard-coded: a change here moves every deployed collection's slot. Do not update casually.
  const milliseconds hour{3'600'000};
  // Values computed independently (Python) from the definition in jitter.hpp.
  EXPECT_EQ(collection_hash("prod", "default", "ext_books"), 0x2812d84332f993f9ULL);
  EXPECT_EQ(collection_hash("prod", "media", "ext_movies"), 0x9760bda90b3fdeb9ULL);
  EXPECT_EQ(fixed_jitter("prod", "default", "ext_books", hour), milliseconds{1'598'143});
  EXPECT_EQ(fixed_jitter("prod", "media", "ext_movies", hour), milliseconds{365'481});
  EXPECT_EQ(fixed_jitter("staging", "default", "ext_books", milliseconds{30'000}),
            milliseconds{23'965});
}

TEST(FixedJitter, DependsOnEveryPartOfTheKey) {
  const milliseconds hour{3'600'000};
  const auto base = fixed_jitter("prod", "default", "ext_books", hour);
  EXPECT_NE(fixed_jitter("prod2", "default", "ext_books", hour), base);
  EXPECT_NE(fixed_jitter("prod", "default2", "ext_books", hour), base);
  EXPECT_NE(fixed_jitter("prod", "default", "ext_books2", hour), base);
  // The separators keep ("a/b", "c") and ("a", "b/c") apart only by position; names cannot
  // contain '/', so distinct collections never share a key.
  EXPECT_NE(collection_hash("ab", "c", "d"), collection_hash("a", "bc", "d"));
}

TEST(FixedJitter, StaysWithinBoundsAndIsZeroWithoutJitter) {
  EXPECT_EQ(fixed_jitter("prod", "default", "ext_books", milliseconds{0}), milliseconds{0});
  EXPECT_EQ(fixed_jitter("prod", "default", "ext_books", milliseconds{-5}), milliseconds{0});
  for (int i = 0; i < 1000; ++i) {
    const auto j = fixed_jitter("prod", "default", "c" + std::to_string(i), milliseconds{7});
    EXPECT_GE(j, milliseconds{0});
    EXPECT_LE(j, milliseconds{7});
  }
}

// Chi-square statistic of `counts` against a uniform expectation.
double chi_square(const std::array<int, 20>& counts, int total) {
  const double expected = static_cast<double>(total) / static_cast<double>(counts.size());
  double sum = 0;
  for (const int c : counts) {
    sum += (c - expected) * (c - expected) / expected;
  }
  return sum;
}

TEST(FixedJitter, SpreadsAFleetEvenly) {
  // 10,000 similar names over 20 equal buckets; 19 degrees of freedom, p = 0.001 → 43.82.
  constexpr int names = 10'000;
  for (const milliseconds jitter :
       {milliseconds{3'600'000}, milliseconds{59'999}, milliseconds{19}}) {
    std::array<int, 20> counts{};
    for (int i = 0; i < names; ++i) {
      const auto j = fixed_jitter("prod", "default", "ext_" + std::to_string(i), jitter);
      const auto bucket = j.count() * 20 / (jitter.count() + 1);
      ++counts[static_cast<std::size_t>(bucket)];
    }
    EXPECT_LT(chi_square(counts, names), 43.82) << "jitter " << jitter.count() << "ms";
  }
}

TEST(RandomJitter, CoversTheClosedInterval) {
  const milliseconds jitter{1000};
  EXPECT_EQ(random_jitter(0, jitter), milliseconds{0});
  EXPECT_EQ(random_jitter(1000, jitter), milliseconds{1000});
  EXPECT_EQ(random_jitter(1001, jitter), milliseconds{0});
  EXPECT_LE(random_jitter(~std::uint64_t{0}, jitter), jitter);
  EXPECT_EQ(random_jitter(12345, milliseconds{0}), milliseconds{0});
}

TEST(RandomJitter, IsUniformOverManyFirings) {
  std::mt19937_64 rng{42};
  const milliseconds jitter{60'000};
  std::array<int, 20> counts{};
  constexpr int firings = 20'000;
  for (int i = 0; i < firings; ++i) {
    const auto j = random_jitter(rng(), jitter);
    ASSERT_GE(j, milliseconds{0});
    ASSERT_LE(j, jitter);
    ++counts[static_cast<std::size_t>(j.count() * 20 / (jitter.count() + 1))];
  }
  EXPECT_LT(chi_square(counts, firings), 43.82);
}

}  // namespace
}  // namespace refreshd::schedule
