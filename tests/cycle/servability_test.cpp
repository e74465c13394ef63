// ready_when's wait for servability (docs/CYCLE.md "ready_when"), as a pure state machine:
// indexes listed then described until each is Finished with no pending rows, then the load
// state for `loaded`; a failed index ends it with its reason verbatim; HTTP 404 degrades;
// retryable errors back off; polling follows the describe policy; the timeout gives up.
#include <gtest/gtest.h>

#include <refreshd/cycle/servability.hpp>

namespace refreshd::daemon {
namespace {

using namespace std::chrono_literals;
using client::index_info;
using client::index_state;
using kind = servability_result::kind;

const steady_time t0{std::chrono::hours(5)};

instant at(std::chrono::milliseconds d) {
  return instant{t0 + d, wall_time(std::chrono::milliseconds(1795341600000) + d)};
}

index_info index(std::string name, index_state s, std::optional<std::int64_t> pending,
                 std::string reason = {}) {
  index_info i;
  i.name = std::move(name);
  i.state = s;
  i.total_rows = 1000;
  i.pending_rows = pending;
  if (pending) {
    i.indexed_rows = 1000 - *pending;
  }
  i.fail_reason = std::move(reason);
  return i;
}

servability_params params(config::ready_condition until) {
  servability_params p;
  p.until = until;
  p.poll = poll_bounds{1s, 8s};
  p.timeout = 10min;
  return p;
}

client::api_error error(client::error_class k, int http = 200) {
  client::api_error e;
  e.kind = k;
  e.http_status = http;
  e.message = "scripted";
  return e;
}

template <class T>
const T& as(const servability_action& a) {
  const T* p = std::get_if<T>(&a);
  if (p == nullptr) {
    throw std::runtime_error("unexpected action, index " + std::to_string(a.index()));
  }
  return *p;
}

using index_list = client::api_result<std::vector<std::string>>;
using described = client::api_result<std::vector<index_info>>;

TEST(Servability, IndexedWaitsForEveryIndexToFinishWithNoPendingRows) {
  servability_check s({"db", "ext_books"}, params(config::ready_condition::indexed));
  EXPECT_EQ(as<index_list_action>(s.start(at(0ms))).target.collection, "ext_books");
  auto a = s.on_index_list(index_list(std::vector<std::string>{"vec", "text"}), at(10ms));
  EXPECT_EQ(as<index_describe_action>(a).index, "vec");
  a = s.on_index_describe(described(std::vector{index("vec", index_state::in_progress, 600)}),
                          at(20ms));
  EXPECT_EQ(as<index_describe_action>(a).index, "text") << "every index of the round";
  a = s.on_index_describe(described(std::vector{index("text", index_state::finished, 0)}),
                          at(30ms));
  EXPECT_EQ(s.phase(), servability_phase::indexing);
  EXPECT_EQ(s.progress(), 70) << "(400 + 1000) of 2000 rows";
  const auto wait = as<servability_wait>(a);
  EXPECT_EQ(wait.until, at(30ms).steady + 1s) << "polled like describe: poll.initial first";
  a = s.on_timer(at(1030ms));
  EXPECT_EQ(as<index_describe_action>(a).index, "vec") << "only what has not caught up";
  // Finished, yet rows pending (a later refresh's rows): not yet.
  a = s.on_index_describe(described(std::vector{index("vec", index_state::finished, 5)}),
                          at(1040ms));
  (void)as<servability_wait>(a);
  a = s.on_index_describe(described(std::vector{index("vec", index_state::finished, 0)}),
                          at(4000ms));
  EXPECT_EQ(as<servability_result>(a).what, kind::ready);
}

TEST(Servability, LoadedThenWaitsForTheLoadStateWithItsProgress) {
  servability_check s({"", "ext_books"}, params(config::ready_condition::loaded));
  (void)s.start(at(0ms));
  auto a = s.on_index_list(index_list(std::vector<std::string>{}), at(5ms));
  (void)as<load_state_action>(a);  // no index: loading at once
  EXPECT_EQ(s.phase(), servability_phase::loading);
  client::load_info loading{client::load_state::loading, "LoadStateLoading", 40};
  a = s.on_load_state(client::api_result<client::load_info>(loading), at(10ms));
  (void)as<servability_wait>(a);
  EXPECT_EQ(s.progress(), 40);
  (void)as<load_state_action>(s.on_timer(at(2s)));
  client::load_info loaded{client::load_state::loaded, "LoadStateLoaded", std::nullopt};
  a = s.on_load_state(client::api_result<client::load_info>(loaded), at(2010ms));
  EXPECT_EQ(as<servability_result>(a).what, kind::ready);
}

TEST(Servability, AFailedIndexEndsItWithTheReasonVerbatim) {
  servability_check s({"", "ext_books"}, params(config::ready_condition::loaded));
  (void)s.start(at(0ms));
  (void)s.on_index_list(index_list(std::vector<std::string>{"vec"}), at(1ms));
  auto a = s.on_index_describe(
      described(std::vector{index("vec", index_state::failed, 10, "dim mismatch: 768 != 1024")}),
      at(2ms));
  const auto& r = as<servability_result>(a);
  EXPECT_EQ(r.what, kind::failed);
  EXPECT_EQ(r.message, "dim mismatch: 768 != 1024");
}

TEST(Servability, NotFoundRoutesDegradeAndOtherErrorsBackOffOrGiveUp) {
  servability_check s({"", "ext_books"}, params(config::ready_condition::indexed));
  (void)s.start(at(0ms));
  auto a = s.on_index_list(index_list(error(client::error_class::unsupported, 404)), at(1ms));
  EXPECT_EQ(as<servability_result>(a).what, kind::degraded);

  servability_check t({"", "ext_books"}, params(config::ready_condition::indexed));
  (void)t.start(at(0ms));
  a = t.on_index_list(index_list(error(client::error_class::transient)), at(1ms));
  EXPECT_EQ(as<servability_wait>(a).until, at(1ms).steady + 1s);
  (void)as<index_list_action>(t.on_timer(at(1001ms)));
  a = t.on_index_list(index_list(error(client::error_class::rate_limited)), at(1002ms));
  EXPECT_EQ(as<servability_wait>(a).until, at(1002ms).steady + 2s) << "doubling";
  a = t.on_index_list(index_list(error(client::error_class::not_found)), at(3002ms));
  EXPECT_EQ(as<servability_result>(a).what, kind::gave_up) << "not retryable";
}

TEST(Servability, ACollectionThatIsNotLoadedIsSaidSoAtOnce) {
  servability_check s({"", "ext_books"}, params(config::ready_condition::loaded));
  (void)s.start(at(0ms));
  (void)s.on_index_list(index_list(std::vector<std::string>{}), at(1ms));
  client::load_info released{client::load_state::not_load, "LoadStateNotLoad", std::nullopt};
  const auto a = s.on_load_state(client::api_result<client::load_info>(released), at(2ms));
  const auto& r = as<servability_result>(a);
  EXPECT_EQ(r.what, kind::not_loaded);
  EXPECT_NE(r.message.find("LoadStateNotLoad"), std::string::npos) << r.message;
}

TEST(Servability, NoProgressUntilTheTimeoutGivesUp) {
  auto p = params(config::ready_condition::indexed);
  p.timeout = 30s;
  servability_check s({"", "ext_books"}, p);
  (void)s.start(at(0ms));
  (void)s.on_index_list(index_list(std::vector<std::string>{"vec"}), at(1ms));
  servability_action a;
  std::chrono::milliseconds t = 2ms;
  for (int i = 0; i < 100 && !std::holds_alternative<servability_result>(a); ++i) {
    a = s.on_index_describe(described(std::vector{index("vec", index_state::in_progress, 500)}),
                            at(t));
    if (const auto* w = std::get_if<servability_wait>(&a)) {
      t = std::chrono::duration_cast<std::chrono::milliseconds>(w->until - t0);
      a = s.on_timer(at(t));
    }
  }
  const auto& r = as<servability_result>(a);
  EXPECT_EQ(r.what, kind::gave_up);
  EXPECT_NE(r.message.find("30s"), std::string::npos) << r.message;
  EXPECT_LE(t, 38s) << "gave up at the first decision past the timeout";
}

TEST(Servability, StateSpellingsVaryByServerVersion) {
  EXPECT_EQ(client::parse_index_state("Finished"), index_state::finished);
  EXPECT_EQ(client::parse_index_state("IndexStateFinished"), index_state::finished);
  EXPECT_EQ(client::parse_index_state("inprogress"), index_state::in_progress);
  EXPECT_EQ(client::parse_index_state("IndexStateNone"), index_state::none);
  EXPECT_EQ(client::parse_index_state("Failed"), index_state::failed);
  EXPECT_EQ(client::parse_index_state("Sideways"), index_state::unknown);
  EXPECT_EQ(client::parse_load_state("LoadStateLoaded"), client::load_state::loaded);
  EXPECT_EQ(client::parse_load_state("loading"), client::load_state::loading);
  EXPECT_EQ(client::parse_load_state("LoadStateNotLoad"), client::load_state::not_load);
}

}  // namespace
}  // namespace refreshd::daemon
