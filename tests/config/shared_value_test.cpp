// shared_value (docs/DAEMON.md "Memory"): one pointer, copies share until edit(), the default
// is one shared object, and the value dies with its last holder (ASan checks the counting).
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <refreshd/config/shared_value.hpp>

#include "config_test_support.hpp"

namespace refreshd::config {
namespace {

static_assert(sizeof(shared_value<std::string>) == sizeof(void*));

TEST(SharedValue, CopiesShareUntilEdited) {
  shared_value<std::string> a(std::string("books"));
  auto b = a;
  EXPECT_TRUE(a.shares_with(b));
  EXPECT_EQ(b, "books");
  b.edit() += "_v2";
  EXPECT_FALSE(a.shares_with(b));
  EXPECT_EQ(*a, "books") << "the other holder keeps its value";
  EXPECT_EQ(*b, "books_v2");
  std::string& own = b.edit();
  EXPECT_EQ(&own, &*b) << "a value held once is edited in place";
}

TEST(SharedValue, DefaultsShareOneObjectAndMovesLeaveTheDefault) {
  shared_value<std::string> d1;
  shared_value<std::string> d2;
  EXPECT_TRUE(d1.shares_with(d2));
  EXPECT_EQ(*d1, "");
  shared_value<std::string> a(std::string("media"));
  shared_value<std::string> moved = std::move(a);
  EXPECT_EQ(*moved, "media");
  EXPECT_TRUE(a.shares_with(d1)) << "a moved-from value holds the default";  // NOLINT
  a = moved;
  EXPECT_TRUE(a.shares_with(moved));
  a = a;  // self-assignment keeps the value
  EXPECT_EQ(*a, "media");
  a = std::string("other");
  EXPECT_FALSE(a.shares_with(moved));
  EXPECT_EQ(*moved, "media");
}

TEST(SharedValue, ManyHoldersOfOneValue) {
  std::vector<shared_value<std::string>> holders;
  {
    shared_value<std::string> first(std::string(100, 'x'));
    holders.assign(1000, first);
  }
  holders.resize(1);  // 999 releases; the last holder still reads the value
  EXPECT_EQ(holders[0]->size(), 100U);
}

TEST(SharedValue, CollectionsOfADatabaseShareItsName) {
  const auto r = test::load(
      "version: 1\n"
      "clusters:\n"
      "  - name: a\n"
      "    endpoint: http://127.0.0.1:1\n"
      "    token: t\n"
      "    collections:\n"
      "      - {name: c1, schedule: '@hourly'}\n"
      "      - {name: c2, schedule: '@hourly'}\n"
      "      - {name: c3, schedule: '@hourly', database: media}\n"
      "      - {name: c4, schedule: '@hourly', database: media}\n"
      "      - {name: c5, schedule: '@hourly', database: default}\n");
  ASSERT_TRUE(r.ok()) << test::dump(r);
  const auto& cols = r.value->clusters[0].collections;
  EXPECT_EQ(cols[0].database, "default");
  EXPECT_TRUE(cols[0].database.shares_with(cols[1].database));
  EXPECT_TRUE(cols[0].database.shares_with(cols[4].database)) << "explicit or inherited";
  EXPECT_EQ(cols[2].database, "media");
  EXPECT_TRUE(cols[2].database.shares_with(cols[3].database));
  EXPECT_FALSE(cols[0].database.shares_with(cols[2].database));
}

}  // namespace
}  // namespace refreshd::config
