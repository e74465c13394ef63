// The servability model (sim/README.md "Servability model"): index building and loading after
// completed refreshes, driven by a hand-held clock (epoch milliseconds).
#include <string>

#include <gtest/gtest.h>

#include <refreshd/sim/model.hpp>
#include <refreshd/sim/servability.hpp>

namespace refreshd::sim {
namespace {

constexpr std::int64_t t0 = 1'760'000'000'000;
constexpr std::int64_t end1 = t0 + 1100;  // a job triggered at t0 ends here (100 + 1000 ms)

collection_spec books(std::int64_t rows_per_s = 1000, std::int64_t load_ms = 0) {
  collection_spec c;
  c.name = "books";
  c.source = "s3://bucket/books/";
  c.spec = R"({"format":"parquet"})";
  c.rows = 1000;
  c.index.rows_per_s = rows_per_s;
  c.load.load_ms = load_ms;
  return c;
}

template <class T>
T ok(const result<T>& r) {
  if (const auto* e = std::get_if<api_error>(&r)) {
    ADD_FAILURE() << "unexpected error " << e->code << ": " << e->message;
    return {};
  }
  return std::get<T>(r);
}

template <class T>
api_error err(const result<T>& r) {
  if (const auto* e = std::get_if<api_error>(&r)) {
    return *e;
  }
  ADD_FAILURE() << "expected an error";
  return {};
}

class Servability : public ::testing::Test {
 protected:
  void SetUp() override { m.upsert_collection(books()); }
  void trigger(std::int64_t now = t0) {
    const auto r = m.refresh("default", "books", std::nullopt, std::nullopt,
                             duplicate_policy::reject_in_progress, now);
    ASSERT_TRUE(std::holds_alternative<std::int64_t>(r));
  }
  index_progress index(std::int64_t now) {
    return ok(m.describe_index("default", "books", "vector", now));
  }
  load_progress load(std::int64_t now) { return ok(m.get_load_state("default", "books", now)); }
  void expect_index(std::int64_t now, index_state state, std::int64_t total, std::int64_t indexed,
                    std::int64_t pending) {
    const auto p = index(now);
    EXPECT_EQ(p.state, state) << "at +" << now - t0 << " ms";
    EXPECT_EQ(p.total_rows, total) << "at +" << now - t0 << " ms";
    EXPECT_EQ(p.indexed_rows, indexed) << "at +" << now - t0 << " ms";
    EXPECT_EQ(p.pending_rows, pending) << "at +" << now - t0 << " ms";
  }
  void expect_load(std::int64_t now, load_state state, std::optional<int> progress) {
    const auto p = load(now);
    EXPECT_EQ(p.state, state) << "at +" << now - t0 << " ms";
    EXPECT_EQ(p.progress, progress) << "at +" << now - t0 << " ms";
  }
  model m;
};

TEST_F(Servability, BeforeAnyRefreshTheIndexIsFinishedAndEmptyAndTheCollectionLoaded) {
  expect_index(t0, index_state::finished, 0, 0, 0);
  EXPECT_TRUE(index(t0).fail_reason.empty());
  expect_load(t0, load_state::loaded, 100);
  EXPECT_EQ(ok(m.list_indexes("default", "books")), std::vector<std::string>{"vector"});
}

TEST_F(Servability, RowsArePendingFromTheJobsEndAndIndexedAtRowsPerSecond) {
  trigger();
  expect_index(end1 - 1, index_state::finished, 0, 0, 0);  // the job is still running
  expect_index(end1, index_state::in_progress, 1000, 0, 1000);
  expect_index(end1 + 250, index_state::in_progress, 1000, 250, 750);
  expect_index(end1 + 999, index_state::in_progress, 1000, 999, 1);
  expect_index(end1 + 1000, index_state::finished, 1000, 1000, 0);
  expect_index(end1 + 86'400'000, index_state::finished, 1000, 1000, 0);
}

TEST_F(Servability, LoadingWaitsForTheIndexThenRisesOverLoadMs) {
  m.upsert_collection(books(1000, 400));
  trigger();
  expect_load(end1 - 1, load_state::loaded, 100);
  expect_load(end1, load_state::loading, 0);
  expect_load(end1 + 999, load_state::loading, 0);
  expect_load(end1 + 1000, load_state::loading, 0);  // caught up: loading starts
  expect_load(end1 + 1200, load_state::loading, 50);
  expect_load(end1 + 1399, load_state::loading, 99);
  expect_load(end1 + 1400, load_state::loaded, 100);
}

TEST_F(Servability, ZeroLoadMsIsLoadedAsSoonAsTheIndexCaughtUp) {
  trigger();
  expect_load(end1 + 999, load_state::loading, 0);
  expect_load(end1 + 1000, load_state::loaded, 100);
}

TEST_F(Servability, FailedBuildEndsFailedWithReasonWhenItWouldHaveFinished) {
  auto c = books();
  c.index.fail = true;
  c.index.reason = "out of memory building segment 7";
  m.upsert_collection(c);
  trigger();
  expect_index(end1 + 500, index_state::in_progress, 1000, 500, 500);
  EXPECT_TRUE(index(end1 + 500).fail_reason.empty());
  expect_index(end1 + 1000, index_state::failed, 1000, 0, 0);
  EXPECT_EQ(index(end1 + 1000).fail_reason, "out of memory building segment 7");
  expect_load(end1 + 1000, load_state::loading, 0);
  expect_load(end1 + 86'400'000, load_state::loading, 0);  // never caught up
}

TEST_F(Servability, FailedBuildWithoutReasonStillHasOne) {
  auto c = books();
  c.index.fail = true;
  m.upsert_collection(c);
  trigger();
  EXPECT_EQ(index(end1 + 1000).fail_reason, default_index_fail_reason);
}

TEST_F(Servability, ANextRefreshRetriesTheRowsOfAFailedBuild) {
  auto c = books();
  c.index.fail = true;
  m.upsert_collection(c);
  trigger();
  m.upsert_collection(books());  // the next build finishes
  trigger(t0 + 5000);            // ends at t0 + 6100
  expect_index(t0 + 6099, index_state::failed, 1000, 0, 0);
  expect_index(t0 + 6100, index_state::in_progress, 2000, 0, 2000);
  expect_index(t0 + 8099, index_state::in_progress, 2000, 1999, 1);
  expect_index(t0 + 8100, index_state::finished, 2000, 2000, 0);
  expect_load(t0 + 8100, load_state::loaded, 100);
}

TEST_F(Servability, ZeroRowsPerSecondNeverFinishes) {
  m.upsert_collection(books(0));
  trigger();
  expect_index(end1, index_state::in_progress, 1000, 0, 1000);
  expect_index(end1 + 86'400'000, index_state::in_progress, 1000, 0, 1000);
  expect_load(end1 + 86'400'000, load_state::loading, 0);
}

TEST_F(Servability, ASecondRefreshAddsItsRowsToWhatIsStillPending) {
  m.upsert_collection(books(100));  // 1000 rows take 10 s
  trigger();                        // ends at t0 + 1100
  trigger(t0 + 5000);               // ends at t0 + 6100
  // Until the second job ends, the first build goes on: 4999 ms * 100 rows/s = 499 rows.
  expect_index(t0 + 6099, index_state::in_progress, 1000, 499, 501);
  // At its end: 500 indexed, 500 left + 1000 new = 1500 pending, at 100 rows/s (15 s).
  expect_index(t0 + 6100, index_state::in_progress, 2000, 500, 1500);
  expect_index(t0 + 13'600, index_state::in_progress, 2000, 1250, 750);
  expect_index(t0 + 21'099, index_state::in_progress, 2000, 1999, 1);
  expect_index(t0 + 21'100, index_state::finished, 2000, 2000, 0);
}

TEST_F(Servability, AFailedJobAddsNothing) {
  auto c = books();
  c.job.fail = true;
  m.upsert_collection(c);
  trigger();
  expect_index(end1 + 10, index_state::finished, 0, 0, 0);
  expect_load(end1 + 10, load_state::loaded, 100);
}

TEST_F(Servability, NotLoadedIsAlwaysNotLoadWithoutProgress) {
  auto c = books();
  c.load.loaded = false;
  m.upsert_collection(c);
  expect_load(t0, load_state::not_load, std::nullopt);
  trigger();
  expect_load(end1 + 10, load_state::not_load, std::nullopt);
  expect_load(end1 + 5000, load_state::not_load, std::nullopt);
}

TEST_F(Servability, WithoutIndexesLoadingStartsAtTheJobsEnd) {
  auto c = books(1000, 200);
  c.indexes.clear();
  m.upsert_collection(c);
  EXPECT_TRUE(ok(m.list_indexes("default", "books")).empty());
  const auto e = err(m.describe_index("default", "books", "vector", t0));
  EXPECT_EQ(e.code, 700);
  EXPECT_EQ(e.message, "index not found[indexName=vector]");
  trigger();
  expect_load(end1 - 1, load_state::loaded, 100);
  expect_load(end1, load_state::loading, 0);
  expect_load(end1 + 100, load_state::loading, 50);
  expect_load(end1 + 200, load_state::loaded, 100);
}

TEST_F(Servability, ZeroRowsFinishAtTheJobsEnd) {
  auto c = books();
  c.rows = 0;
  m.upsert_collection(c);
  trigger();
  expect_index(end1, index_state::finished, 0, 0, 0);
  expect_load(end1, load_state::loaded, 100);
}

TEST_F(Servability, ProfileIsTakenWhenTheJobIsCreatedButIndexesAndLoadedApplyAtOnce) {
  trigger();
  m.upsert_collection(books(1));  // too late for the running job
  expect_index(end1 + 1000, index_state::finished, 1000, 1000, 0);
  auto c = books();
  c.indexes = {"vector", "title"};
  c.load.loaded = false;
  m.upsert_collection(c);
  EXPECT_EQ(ok(m.describe_index("default", "books", "title", end1 + 1000)).indexed_rows, 1000);
  expect_load(end1 + 1000, load_state::not_load, std::nullopt);
}

TEST_F(Servability, UnknownDatabaseCollectionAndIndexAreErrors) {
  EXPECT_EQ(err(m.list_indexes("default", "nope")).message,
            "collection not found[collection=nope]");
  EXPECT_EQ(err(m.get_load_state("default", "nope", t0)).code, 100);
  EXPECT_EQ(err(m.describe_index("default", "nope", "vector", t0)).code, 100);
  EXPECT_EQ(err(m.list_indexes("media", "books")).code, 800);
  EXPECT_EQ(err(m.describe_index("default", "books", "title", t0)).code, 700);
}

TEST_F(Servability, ResetForgetsTheBuild) {
  trigger();
  m.reset();
  m.upsert_collection(books());
  expect_index(end1 + 500, index_state::finished, 0, 0, 0);
}

TEST(ServabilityMath, DoneTimeRoundsUpAndHugeBuildsDoNotOverflow) {
  index_build b;
  b.refreshed = true;
  b.start_ms = t0;
  b.rows = 10;
  b.total_rows = 10;
  b.index.rows_per_s = 3;  // 10 rows at 3 rows/s: 3333.3 ms
  EXPECT_EQ(b.done_ms(), t0 + 3334);
  EXPECT_EQ(index_at(b, t0 + 3333).pending_rows, 1);
  EXPECT_EQ(index_at(b, t0 + 3334).state, index_state::finished);
  b.rows = b.total_rows = max_index_rows;
  b.index.rows_per_s = 1;
  const auto p = index_at(b, t0 + 1'000'000'000);  // 11.6 days
  EXPECT_EQ(p.pending_rows, max_index_rows - 1'000'000);
  EXPECT_EQ(p.state, index_state::in_progress);
  completed_refresh r;
  r.end_ms = t0 + 2'000'000'000;
  r.rows = 1'000'000'000'000;
  EXPECT_EQ(after_refresh(b, r).total_rows, max_index_rows) << "saturates";
}

TEST(ServabilityMath, StateNamesAreTheWireSpellings) {
  EXPECT_EQ(to_string(index_state::in_progress), "InProgress");
  EXPECT_EQ(to_string(index_state::finished), "Finished");
  EXPECT_EQ(to_string(index_state::failed), "Failed");
  EXPECT_EQ(to_string(load_state::not_load), "LoadStateNotLoad");
  EXPECT_EQ(to_string(load_state::loading), "LoadStateLoading");
  EXPECT_EQ(to_string(load_state::loaded), "LoadStateLoaded");
}

}  // namespace
}  // namespace refreshd::sim
