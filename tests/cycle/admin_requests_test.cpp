// The admin "run now" requests (cycle/admin_requests.hpp): which cycle decision answers them
// and what a request that joined a running cycle answers, without an event loop.
#include <gtest/gtest.h>

#include <refreshd/cycle/admin_requests.hpp>
#include <refreshd/cycle/slot_plan.hpp>

namespace refreshd::daemon {
namespace {

using kind = admin_refresh_result::kind;

class AdminRequests : public ::testing::Test {
 protected:
  AdminRequests() {
    cfg_.name = "ext_books";
    cfg_.database = "default";
    cfg_.settings.edit().schedule = "every 1h";
    cfg_.settings.edit().timezone = "UTC";
    books_ = std::make_shared<collection_runtime>(0, cfg_, make_slot_plan("prod", cfg_), 1);
    films_ = std::make_shared<collection_runtime>(0, cfg_, make_slot_plan("prod", cfg_), 2);
  }

  admin_requests::handle add(const std::shared_ptr<collection_runtime>& c, bool joined = false) {
    return requests_.add(c, joined, [this] { ++wakes_; });
  }

  static events::triggered triggered(std::int64_t id) {
    events::triggered t;
    t.id = client::job_id{id};
    return t;
  }

  static events::adopted adopted(job_snapshot j, adopt_reason why) {
    events::adopted a;
    a.job = std::move(j);
    a.reason = why;
    return a;
  }

  static job_snapshot job(std::int64_t id, client::job_state s) {
    job_snapshot j;
    j.id = client::job_id{id};
    j.state = s;
    return j;
  }

  config::collection cfg_;
  std::shared_ptr<collection_runtime> books_;
  std::shared_ptr<collection_runtime> films_;
  admin_requests requests_;
  int wakes_ = 0;
};

TEST_F(AdminRequests, ATriggerAnswersTheRequestsOfThatCollectionOnlyAndWakesThem) {
  const auto a = add(books_);
  const auto b = add(books_);
  const auto other = add(films_);
  books_->state.job = job(4495, client::job_state::pending);
  requests_.on_event(*books_, triggered(4495));
  ASSERT_TRUE(a->result && b->result);
  EXPECT_EQ(a->result->what, kind::triggered);
  EXPECT_EQ(a->result->job->id.value, 4495);
  EXPECT_FALSE(other->result) << "another collection's request";
  EXPECT_EQ(wakes_, 2);
  requests_.on_event(*books_, triggered(4496));
  EXPECT_EQ(a->result->job->id.value, 4495) << "the first decision stays the answer";
  EXPECT_EQ(wakes_, 2);
}

TEST_F(AdminRequests, AnAdoptedJobIsAlreadyRunningUnlessItConfirmsOurAmbiguousTrigger) {
  const auto a = add(books_);
  requests_.on_event(
      *books_, adopted(job(7, client::job_state::in_progress), adopt_reason::already_running));
  EXPECT_EQ(a->result->what, kind::already_running);
  EXPECT_EQ(a->result->job->id.value, 7);
  EXPECT_NE(a->result->message.find("already running"), std::string::npos);

  const auto b = add(films_);
  requests_.on_event(*films_, adopted(job(8, client::job_state::pending), adopt_reason::ambiguous));
  EXPECT_EQ(b->result->what, kind::triggered);
  EXPECT_NE(b->result->message.find("confirmed by a list"), std::string::npos);
}

TEST_F(AdminRequests, AnApiFailureAnswersFailedAndSaysWhenTheCycleRetries) {
  const auto a = add(books_);
  events::api_failure f;
  f.op = client::operation::refresh;
  f.error.kind = client::error_class::transient;
  f.error.http_status = 503;
  f.error.message = "unavailable";
  requests_.on_event(*books_, f);
  ASSERT_TRUE(a->result);
  EXPECT_EQ(a->result->what, kind::failed);
  ASSERT_TRUE(a->result->error);
  EXPECT_EQ(a->result->error->http_status, 503);
  EXPECT_NE(a->result->message.find("retries with backoff"), std::string::npos)
      << a->result->message;

  const auto b = add(films_);
  f.error.kind = client::error_class::invalid;
  requests_.on_event(*films_, f);
  EXPECT_EQ(b->result->message.find("retries"), std::string::npos) << b->result->message;
}

TEST_F(AdminRequests, ProgressEventsAnswerNothing) {
  const auto a = add(books_);
  requests_.on_event(*books_, events::job_progress{job(7, client::job_state::in_progress)});
  EXPECT_FALSE(a->result);
  EXPECT_EQ(wakes_, 0);
}

TEST_F(AdminRequests, AnOutcomeAnswersWithItsMessageOrElseItsKind) {
  const auto a = add(books_);
  cycle_outcome o;
  o.kind = outcome_kind::unsupported;
  o.message = "HTTP 404: upgrade the cluster";
  requests_.on_outcome(*books_, o);
  EXPECT_EQ(a->result->what, kind::failed);
  EXPECT_EQ(a->result->message, "HTTP 404: upgrade the cluster");

  const auto b = add(films_);
  o.message.clear();
  requests_.on_outcome(*films_, o);
  EXPECT_EQ(b->result->message, std::string(to_string(outcome_kind::unsupported)));
}

TEST_F(AdminRequests, ResolveAnswersOnlyOpenRequestsAndRemoveForgetsOne) {
  const auto a = add(books_);
  requests_.on_event(*books_, triggered(1));
  const auto b = add(books_);
  requests_.resolve(*books_, make_admin_result(kind::failed, "removed by a reload"));
  EXPECT_EQ(a->result->what, kind::triggered) << "already answered";
  EXPECT_EQ(b->result->message, "removed by a reload");
  EXPECT_EQ(requests_.size(), 2u);
  requests_.remove(a);
  EXPECT_EQ(requests_.size(), 1u);
}

TEST_F(AdminRequests, ARequestThatJoinedARunningCycleAlwaysAnswersAlreadyRunning) {
  const auto joined = add(books_, true);
  books_->state.job = job(4495, client::job_state::pending);
  requests_.on_event(*books_, triggered(4495));
  auto r = admin_requests::answer(*joined);
  EXPECT_EQ(r.what, kind::already_running);
  EXPECT_EQ(r.job->id.value, 4495) << "its job is active";

  const auto ended = add(films_, true);
  cycle_outcome o;
  o.kind = outcome_kind::failed;
  o.message = "the job failed";
  o.job = job(9, client::job_state::failed);
  o.error = client::api_error{};
  requests_.on_outcome(*films_, o);
  r = admin_requests::answer(*ended);
  EXPECT_EQ(r.what, kind::already_running);
  EXPECT_FALSE(r.job) << "a finished job is not shown as running";
  EXPECT_FALSE(r.error) << "the joined cycle's error is not this request's";
  EXPECT_EQ(r.message, "a refresh cycle of this collection is already in progress");

  const auto own = add(books_, false);
  requests_.resolve(*books_, make_admin_result(kind::queued, "waiting"));
  EXPECT_EQ(admin_requests::answer(*own).what, kind::queued) << "not joined: as answered";
}

TEST_F(AdminRequests, WakeAllWakesEveryRequestAndAGoneCollectionMatchesNothing) {
  add(books_);
  add(films_);
  requests_.wake_all();
  EXPECT_EQ(wakes_, 2);
  const auto h = add(books_);
  books_.reset();
  requests_.on_event(*films_, triggered(3));
  EXPECT_FALSE(h->result);
  EXPECT_TRUE(h->collection.expired());
}

}  // namespace
}  // namespace refreshd::daemon
