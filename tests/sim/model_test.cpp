// The simulator's pure model, driven by a hand-held clock (epoch milliseconds).
#include <string>

#include <gtest/gtest.h>

#include <refreshd/sim/model.hpp>

namespace refreshd::sim {
namespace {

constexpr std::int64_t t0 = 1'760'000'000'000;  // some epoch ms

collection_spec external(std::string name, std::int64_t pending = 100, std::int64_t running = 1000,
                         bool fail = false, std::string reason = {}) {
  collection_spec c;
  c.name = std::move(name);
  c.source = "s3://bucket/" + c.name + "/";
  c.spec = R"({"format":"parquet"})";
  c.job.pending_ms = pending;
  c.job.running_ms = running;
  c.job.fail = fail;
  c.job.reason = std::move(reason);
  return c;
}

std::int64_t ok_id(const result<std::int64_t>& r) {
  if (const auto* e = std::get_if<api_error>(&r)) {
    ADD_FAILURE() << "unexpected error " << e->code << ": " << e->message;
    return 0;
  }
  return std::get<std::int64_t>(r);
}

job_view ok_view(const result<job_view>& r) {
  if (const auto* e = std::get_if<api_error>(&r)) {
    ADD_FAILURE() << "unexpected error " << e->code << ": " << e->message;
    return {};
  }
  return std::get<job_view>(r);
}

api_error err_of(const auto& r) {
  if (const auto* e = std::get_if<api_error>(&r)) {
    return *e;
  }
  ADD_FAILURE() << "expected an error";
  return {};
}

class Model : public ::testing::Test {
 protected:
  void SetUp() override { m.upsert_collection(external("books")); }
  std::int64_t trigger(std::string_view name = "books", std::int64_t now = t0,
                       duplicate_policy p = duplicate_policy::reject_in_progress) {
    return ok_id(m.refresh("default", name, std::nullopt, std::nullopt, p, now));
  }
  model m;
};

TEST_F(Model, JobGoesPendingInProgressCompletedOverItsDurations) {
  const auto id = trigger();
  auto v = ok_view(m.describe(id, t0));
  EXPECT_EQ(v.state, job_state::pending);
  EXPECT_EQ(v.progress, 0);
  EXPECT_EQ(v.start_ms, t0);
  EXPECT_EQ(v.end_ms, 0);
  EXPECT_EQ(ok_view(m.describe(id, t0 + 99)).state, job_state::pending);
  v = ok_view(m.describe(id, t0 + 100));
  EXPECT_EQ(v.state, job_state::in_progress);
  EXPECT_EQ(v.end_ms, 0);
  v = ok_view(m.describe(id, t0 + 1100));
  EXPECT_EQ(v.state, job_state::completed);
  EXPECT_EQ(v.progress, 100);
  EXPECT_EQ(v.end_ms, t0 + 1100);
  EXPECT_TRUE(v.reason.empty());
  EXPECT_EQ(v.collection, "books");
  EXPECT_EQ(v.source, "s3://bucket/books/");
}

TEST_F(Model, ProgressRisesLinearlyAndStaysAt99UntilCompleted) {
  const auto id = trigger();
  EXPECT_EQ(ok_view(m.describe(id, t0 + 100)).progress, 0);
  EXPECT_EQ(ok_view(m.describe(id, t0 + 350)).progress, 25);
  EXPECT_EQ(ok_view(m.describe(id, t0 + 600)).progress, 50);
  EXPECT_EQ(ok_view(m.describe(id, t0 + 1099)).progress, 99);
  int last = 0;
  for (std::int64_t t = t0 + 100; t < t0 + 1100; t += 7) {
    const auto p = ok_view(m.describe(id, t)).progress;
    EXPECT_GE(p, last);
    EXPECT_LE(p, 99);
    last = p;
  }
}

TEST_F(Model, FailedJobCarriesReasonEndTimeAndLastProgress) {
  m.upsert_collection(external("bad", 10, 20, true, "no files found in external source: x"));
  const auto id = trigger("bad");
  EXPECT_TRUE(ok_view(m.describe(id, t0 + 5)).reason.empty());
  const auto v = ok_view(m.describe(id, t0 + 30));
  EXPECT_EQ(v.state, job_state::failed);
  EXPECT_EQ(v.reason, "no files found in external source: x");
  EXPECT_EQ(v.end_ms, t0 + 30);
  EXPECT_LT(v.progress, 100);
}

TEST_F(Model, FailedJobWithoutConfiguredReasonStillHasOne) {
  m.upsert_collection(external("bad", 0, 0, true));
  const auto v = ok_view(m.describe(trigger("bad"), t0));
  EXPECT_EQ(v.state, job_state::failed);
  EXPECT_EQ(v.progress, 0);
  EXPECT_FALSE(v.reason.empty());
}

TEST_F(Model, PendingReasonIsShownOnlyWhilePending) {
  auto c = external("retry", 100, 100);
  c.job.pending_reason = "explore failed, will retry";
  m.upsert_collection(c);
  const auto id = trigger("retry");
  EXPECT_EQ(ok_view(m.describe(id, t0 + 50)).reason, "explore failed, will retry");
  EXPECT_TRUE(ok_view(m.describe(id, t0 + 150)).reason.empty());
}

TEST_F(Model, JobIdsExceed2Pow53AndIncreaseAcrossReset) {
  const auto a = trigger();
  EXPECT_GT(a, std::int64_t{1} << 53);
  m.reset();
  m.upsert_collection(external("books"));
  const auto b = trigger();
  EXPECT_GT(b, a);
}

TEST_F(Model, RejectInProgressAnswers1100NamingTheActiveJob) {
  const auto id = trigger();
  const auto e = err_of(m.refresh("default", "books", std::nullopt, std::nullopt,
                                  duplicate_policy::reject_in_progress, t0 + 10));
  EXPECT_EQ(e.code, 1100);
  EXPECT_NE(e.message.find("in progress"), std::string::npos);
  EXPECT_NE(e.message.find(std::to_string(id)), std::string::npos);
  EXPECT_EQ(m.stats().jobs_created, 1u);
}

TEST_F(Model, Reject703AnswersTaskDuplicates) {
  trigger();
  const auto e = err_of(m.refresh("default", "books", std::nullopt, std::nullopt,
                                  duplicate_policy::reject_703, t0 + 10));
  EXPECT_EQ(e.code, 703);
  EXPECT_NE(e.message.find("already in progress"), std::string::npos);
}

TEST_F(Model, SameIdReturnsTheActiveJob) {
  const auto id = trigger();
  EXPECT_EQ(trigger("books", t0 + 10, duplicate_policy::same_id), id);
  EXPECT_EQ(m.stats().jobs_created, 1u);
}

TEST_F(Model, LegacyDropReturnsANewIdThatDescribeDoesNotKnow) {
  const auto first = trigger();
  const auto second = trigger("books", t0 + 10, duplicate_policy::legacy_drop);
  EXPECT_NE(second, first);
  const auto e = err_of(m.describe(second, t0 + 20));
  EXPECT_EQ(e.code, 1100);
  EXPECT_EQ(e.message, "refresh job " + std::to_string(second) + " not found: invalid parameter");
  const auto jobs = std::get<std::vector<job_view>>(m.list(std::nullopt, "books", t0 + 20));
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].id, first);
}

TEST_F(Model, NewJobIsAllowedOnceTheActiveOneEnded) {
  const auto a = trigger();
  const auto b = trigger("books", t0 + 1100);
  EXPECT_NE(a, b);
  EXPECT_EQ(m.stats().jobs_created, 2u);
}

TEST_F(Model, OverlapIsCountedOnlyWhileAJobIsActive) {
  EXPECT_FALSE(m.note_trigger("default", "books", t0));
  trigger();
  EXPECT_TRUE(m.note_trigger("default", "books", t0 + 500));
  EXPECT_FALSE(m.note_trigger("default", "books", t0 + 1100));
  EXPECT_FALSE(m.note_trigger("default", "nope", t0 + 500));
  EXPECT_EQ(m.stats().triggers, 3u);
  EXPECT_EQ(m.stats().overlapping_triggers, 1u);
  int seen = 0;
  m.for_each_collection_stats([&](const std::string& key, const collection_stats& s) {
    EXPECT_EQ(key, "default/books");
    EXPECT_EQ(s.overlapping_triggers, 1u);
    ++seen;
  });
  EXPECT_EQ(seen, 1);
}

// An overlap is "informed" when the sender had seen the active job (a list or describe after
// the job was created); a trigger that raced another client's job is not.
TEST_F(Model, OverlapIsInformedOnlyWhenTheSenderSawTheActiveJob) {
  const client_id daemon = client_of("Bearer daemon");
  const client_id actor = client_of("Bearer actor");
  ASSERT_NE(daemon, actor);
  m.observe(daemon, std::nullopt, "books");  // the daemon lists: nothing running
  const auto id = trigger();                 // the actor starts a job meanwhile
  EXPECT_TRUE(m.note_trigger("default", "books", t0 + 10, daemon));
  EXPECT_EQ(m.stats().informed_overlapping_triggers, 0u) << "a race, not a violation";
  m.observe(daemon, std::nullopt, "books");  // the daemon lists again and sees the job
  EXPECT_TRUE(m.note_trigger("default", "books", t0 + 20, daemon));
  EXPECT_EQ(m.stats().informed_overlapping_triggers, 1u);
  EXPECT_TRUE(m.note_trigger("default", "books", t0 + 30, actor)) << "the actor never looked";
  m.observe_job(actor, id);
  EXPECT_TRUE(m.note_trigger("default", "books", t0 + 40, actor));
  m.observe(client_of("Bearer other"), std::string("default"), "");  // a list of all jobs
  EXPECT_TRUE(m.note_trigger("default", "books", t0 + 50, client_of("Bearer other")));
  EXPECT_EQ(m.stats().informed_overlapping_triggers, 3u);
  EXPECT_EQ(m.stats().overlapping_triggers, 5u);
  m.for_each_collection_stats([](const std::string&, const collection_stats& s) {
    EXPECT_EQ(s.informed_overlapping_triggers, 3u);
  });
}

TEST_F(Model, TerminalJobsExpireAfterRetention) {
  m.set_retention_ms(5000);
  const auto id = trigger();
  EXPECT_EQ(ok_view(m.describe(id, t0 + 6099)).state, job_state::completed);
  const auto e = err_of(m.describe(id, t0 + 6100));
  EXPECT_EQ(e.code, 1100);
  EXPECT_NE(e.message.find("not found"), std::string::npos);
  EXPECT_TRUE(std::get<std::vector<job_view>>(m.list(std::nullopt, "books", t0 + 6100)).empty());
  EXPECT_EQ(m.job_count(), 0u);
}

TEST_F(Model, ActiveJobsNeverExpireEvenWithZeroRetention) {
  m.set_retention_ms(0);
  const auto id = trigger();
  EXPECT_EQ(ok_view(m.describe(id, t0 + 500)).state, job_state::in_progress);
  m.sweep(t0 + 1099);
  EXPECT_EQ(m.job_count(), 1u);
  m.sweep(t0 + 1100);
  EXPECT_EQ(m.job_count(), 0u);
}

TEST_F(Model, SweepKeepsMemoryBoundedAcrossManyCollections) {
  m.set_retention_ms(1000);
  for (int i = 0; i < 200; ++i) {
    m.upsert_collection(external("c" + std::to_string(i), 0, 10));
    trigger("c" + std::to_string(i), t0 + i);
  }
  EXPECT_EQ(m.job_count(), 200u);
  m.sweep(t0 + 1000 + 10 + 99);
  EXPECT_EQ(m.job_count(), 100u);
  m.sweep(t0 + 5000);
  EXPECT_EQ(m.job_count(), 0u);
}

TEST_F(Model, MaxJobsPerCollectionDropsTheOldest) {
  m.set_max_jobs_per_collection(3);
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(trigger("books", t0 + i * 2000));
  }
  const auto jobs = std::get<std::vector<job_view>>(m.list(std::nullopt, "books", t0 + 20000));
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[0].id, ids[4]);
  EXPECT_EQ(jobs[2].id, ids[2]);
  EXPECT_EQ(err_of(m.describe(ids[0], t0 + 20000)).code, 1100);
}

TEST_F(Model, ListIsNewestFirstAndAcrossCollectionsWithoutName) {
  auto other = external("movies", 10, 10);
  other.database = "media";
  m.upsert_collection(other);
  const auto a = trigger("books", t0);
  const auto b = ok_id(m.refresh("media", "movies", std::nullopt, std::nullopt,
                                 duplicate_policy::reject_in_progress, t0 + 5));
  const auto c = trigger("books", t0 + 2000);
  auto all = std::get<std::vector<job_view>>(m.list(std::nullopt, "", t0 + 2001));
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, c);
  EXPECT_EQ(all[1].id, b);
  EXPECT_EQ(all[2].id, a);
  auto media = std::get<std::vector<job_view>>(m.list(std::string("media"), "", t0 + 2001));
  ASSERT_EQ(media.size(), 1u);
  EXPECT_EQ(media[0].id, b);
  auto books = std::get<std::vector<job_view>>(m.list(std::nullopt, "books", t0 + 2001));
  ASSERT_EQ(books.size(), 2u);
  EXPECT_EQ(books[0].id, c);
}

TEST_F(Model, ListOfCollectionWithoutJobsIsEmpty) {
  EXPECT_TRUE(std::get<std::vector<job_view>>(m.list(std::nullopt, "books", t0)).empty());
}

TEST_F(Model, UnknownCollectionIsCode100) {
  const auto e = err_of(m.refresh("default", "nope", std::nullopt, std::nullopt,
                                  duplicate_policy::reject_in_progress, t0));
  EXPECT_EQ(e.code, 100);
  EXPECT_EQ(e.message, "collection not found[collection=nope]");
  EXPECT_EQ(err_of(m.list(std::nullopt, "nope", t0)).code, 100);
}

TEST_F(Model, UnknownDatabaseIsCode800) {
  EXPECT_EQ(err_of(m.refresh("nodb", "books", std::nullopt, std::nullopt,
                             duplicate_policy::reject_in_progress, t0))
                .code,
            800);
  EXPECT_EQ(err_of(m.list(std::string("nodb"), "", t0)).code, 800);
}

TEST_F(Model, RegularCollectionIsNotExternal) {
  auto plain = external("plain");
  plain.external = false;
  m.upsert_collection(plain);
  const auto e = err_of(m.refresh("default", "plain", std::nullopt, std::nullopt,
                                  duplicate_policy::reject_in_progress, t0));
  EXPECT_NE(e.message.find("not an external collection"), std::string::npos);
  EXPECT_NE(err_of(m.list(std::nullopt, "plain", t0)).message.find("not an external collection"),
            std::string::npos);
}

TEST_F(Model, NothingPersistedNeedsBothOverrides) {
  auto deferred = external("deferred");
  deferred.source.clear();
  deferred.spec.clear();
  m.upsert_collection(deferred);
  const auto e = err_of(m.refresh("default", "deferred", std::nullopt, std::nullopt,
                                  duplicate_policy::reject_in_progress, t0));
  EXPECT_NE(e.message.find("no persisted external_source/external_spec"), std::string::npos);
  const auto id = ok_id(m.refresh("default", "deferred", std::string("s3://b/x/"),
                                  std::string(R"({"format":"vortex"})"),
                                  duplicate_policy::reject_in_progress, t0));
  const auto v = ok_view(m.describe(id, t0));
  EXPECT_EQ(v.source, "s3://b/x/");
  EXPECT_EQ(v.spec, R"({"format":"vortex"})");
}

TEST_F(Model, OverridesAreValidated) {
  auto refresh = [&](std::string src, std::string spec) {
    return err_of(
               m.refresh("default", "books", src, spec, duplicate_policy::reject_in_progress, t0))
        .message;
  };
  EXPECT_NE(refresh("file:///etc/", R"({"format":"parquet"})").find("scheme"), std::string::npos);
  EXPECT_NE(refresh("s3://ak:sk@bucket/x/", R"({"format":"parquet"})").find("credentials"),
            std::string::npos);
  EXPECT_NE(refresh("s3://bucket/x/", R"({"format":"csv"})").find("unsupported format"),
            std::string::npos);
  EXPECT_NE(refresh("s3://bucket/x/", "not json").find("JSON object"), std::string::npos);
}

TEST_F(Model, ReplacingACollectionKeepsItsJobsAndChangesLaterJobs) {
  const auto a = trigger();
  m.upsert_collection(external("books", 0, 10, true, "boom"));
  EXPECT_EQ(ok_view(m.describe(a, t0 + 1100)).state, job_state::completed);
  const auto b = trigger("books", t0 + 1100);
  EXPECT_EQ(ok_view(m.describe(b, t0 + 1110)).state, job_state::failed);
  EXPECT_EQ(m.collection_count(), 1u);
}

}  // namespace
}  // namespace refreshd::sim
