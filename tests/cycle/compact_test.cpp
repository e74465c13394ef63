// maybe_time, maybe_duration and maybe_text (compact.hpp), maybe_slot (slot_plan.hpp): 8 bytes
// each (16 for the slot), and they read like the std::optional they replace in the
// per-collection state.
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include <refreshd/cycle/collection_state.hpp>
#include <refreshd/cycle/compact.hpp>
#include <refreshd/cycle/slot_plan.hpp>

namespace refreshd::daemon {
namespace {

const wall_time t1{std::chrono::milliseconds(1'795'341'601'500)};

static_assert(sizeof(maybe_time) == 8);
static_assert(sizeof(maybe_text) == 8);
static_assert(sizeof(maybe_duration) == 8);
static_assert(sizeof(maybe_slot) == 16);
// Every collection keeps one (docs/DAEMON.md "Memory": 400 bytes of heap per collection).
static_assert(sizeof(collection_state) <= 160);

TEST(MaybeDuration, ZeroIsADurationNotNone) {
  using std::chrono::milliseconds;
  maybe_duration d;
  EXPECT_FALSE(d);
  d = milliseconds(0);
  ASSERT_TRUE(d) << "a job that took 0 ms has a duration";
  EXPECT_EQ(d->count(), 0);
  const std::optional<milliseconds> some = milliseconds(1500);
  d = some;
  EXPECT_EQ(*d, milliseconds(1500));
  d = std::optional<milliseconds>();
  EXPECT_FALSE(d);
}

TEST(MaybeSlot, StartsEmptyAndHoldsASlot) {
  maybe_slot s;
  EXPECT_FALSE(s);
  s = due_slot{t1, t1 + std::chrono::seconds(30)};
  ASSERT_TRUE(s);
  EXPECT_EQ(s->nominal, t1);
  EXPECT_EQ((*s).due, t1 + std::chrono::seconds(30));
  s = due_slot{wall_time{}, wall_time{}};
  EXPECT_TRUE(s) << "the epoch is a slot, not none";
  s.reset();
  EXPECT_FALSE(s);
}

TEST(MaybeTime, StartsEmptyAndHoldsATime) {
  maybe_time m;
  EXPECT_FALSE(m);
  EXPECT_FALSE(m.has_value());
  EXPECT_EQ(m, std::nullopt);
  EXPECT_EQ(m.value_or(t1), t1);
  m = t1;
  ASSERT_TRUE(m);
  EXPECT_EQ(*m, t1);
  EXPECT_EQ(m->time_since_epoch().count(), 1'795'341'601'500);
  m.reset();
  EXPECT_FALSE(m);
}

TEST(MaybeTime, ComparesAndConvertsLikeAnOptional) {
  const std::optional<wall_time> none;
  const std::optional<wall_time> some = t1;
  EXPECT_EQ(maybe_time(none), none) << "two empty values are equal";
  EXPECT_EQ(none, maybe_time(none));
  EXPECT_EQ(maybe_time(some), some);
  EXPECT_NE(maybe_time(some), none);
  EXPECT_NE(maybe_time(none), some);
  EXPECT_EQ(maybe_time(t1), t1);
  EXPECT_NE(maybe_time(), t1);
  const std::optional<wall_time> back = maybe_time(t1);
  EXPECT_EQ(back, some);
  const std::optional<wall_time> empty_back = maybe_time();
  EXPECT_FALSE(empty_back);
  EXPECT_EQ(maybe_time(wall_time{}), wall_time{}) << "the epoch itself is a time, not none";
}

TEST(MaybeText, NoneIsNotTheEmptyString) {
  maybe_text none;
  EXPECT_FALSE(none);
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(none.str(), "");
  EXPECT_EQ(none, std::nullopt);
  EXPECT_NE(none, "") << "none differs from an empty text, as with std::optional";
  maybe_text blank{std::string()};
  EXPECT_TRUE(blank);
  EXPECT_TRUE(blank.empty());
  EXPECT_EQ(blank, "");
  EXPECT_NE(blank, none);
  blank.clear();
  EXPECT_FALSE(blank);
}

TEST(MaybeText, CopiesAreDeepAndCompareByText) {
  maybe_text a = "connection reset";
  maybe_text b = a;
  EXPECT_EQ(a, b);
  EXPECT_NE(&*a, &*b) << "each copy owns its text";
  b = maybe_text("other");
  EXPECT_EQ(*a, "connection reset");
  EXPECT_NE(a, b);
  const std::optional<std::string> o = a;
  EXPECT_EQ(o, std::optional<std::string>("connection reset"));
  EXPECT_EQ(a, o);
  EXPECT_EQ(maybe_text(std::optional<std::string>()), std::optional<std::string>());
  maybe_text moved = std::move(a);
  EXPECT_EQ(moved, "connection reset");
}

}  // namespace
}  // namespace refreshd::daemon
