// ready_when end to end (docs/CYCLE.md "ready_when"): the real daemon against the real
// simulator, whose collections build their index and load after a completed refresh
// (sim/README.md). /status shows the phase while the data is not yet searchable, last_success is
// the moment it became so; a failed index fails the refresh with its reason; an older server
// without those routes degrades to completed, saying so once in the log and in /status.
#include <sstream>

#include <date/date.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <refreshd/test/child_process.hpp>
#include <refreshd/test/http.hpp>
#include <refreshd/test/sim_process.hpp>

#include "daemon_support.hpp"

namespace refreshd::test {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

class DaemonReadyWhen : public ::testing::Test {
 protected:
  void SetUp() override { sim_.reset(); }
  void TearDown() override {
    if (d_) {
      expect_clean_stop(*d_);
    }
  }
  /// One collection ext_a with `ready_when`, triggered once at start (every 1h, catch-up of
  /// the never-run collection), jobs of 300 ms; its index and load as given to the simulator.
  void start(const std::string& ready_when, const json& collection) {
    json c = collection;
    c["name"] = "ext_a";
    c["job"] = {{"pending_ms", 50}, {"running_ms", 300}};
    sim_.add_collection(json::array({c}));
    const auto cfg = daemon_config(sim_,
                                   "  schedule: every 1h\n"
                                   "  poll: {initial: 200ms, max: 1s}\n"
                                   "  ready_when: " +
                                       ready_when + "\n",
                                   "    token: \"\"\n    rate_limit: 0\n", "      - name: ext_a\n");
    d_ = std::make_unique<child_process>(daemon_argv(dir_.write("config.yaml", cfg)));
    port_ = wait_for_listen_port(*d_, 15s);
    ASSERT_NE(port_, 0) << d_->err();
    ASSERT_TRUE(poll_until([&] { return sim_.stats()["triggers"] == 1; }, 15s, 20ms))
        << "the first slot is due at once: " << d_->err();
  }
  json row() {
    d_->wait_for_err_line([](std::string_view) { return false; }, 1ms);
    const auto r = http_request("GET", "127.0.0.1", port_, "/status");
    return r.status == 200 ? json::parse(r.body)["collections"][0] : json();
  }
  /// Polls /status until `pred(row)`; the rows seen, in order.
  template <class Pred>
  std::vector<json> until(Pred pred, std::chrono::milliseconds limit) {
    std::vector<json> seen;
    poll_until(
        [&] {
          seen.push_back(row());
          return pred(seen.back());
        },
        limit, 50ms);
    return seen;
  }

  sim_process sim_;
  temp_dir dir_;
  std::unique_ptr<child_process> d_;
  unsigned short port_ = 0;
};

// An RFC 3339 time of /status ("2026-11-22T10:00:41.000Z").
std::optional<std::chrono::sys_time<std::chrono::milliseconds>> parse_status_time(const json& v) {
  if (!v.is_string()) {
    return std::nullopt;
  }
  std::istringstream in(v.get<std::string>());
  std::chrono::sys_time<std::chrono::milliseconds> t;
  in >> date::parse("%FT%TZ", t);
  return in.fail() ? std::nullopt : std::optional(t);
}

bool idle_with_success(const json& r) {
  return r.is_object() && r["status"] == "idle" && !r["last_success"].is_null();
}

TEST_F(DaemonReadyWhen, LoadedShowsIndexingThenLoadingAndCountsTheSearchableMoment) {
  // 1000 rows at 500 rows/s: 2 s of indexing after the job, then 1.5 s of loading.
  start("loaded", {{"rows", 1000},
                   {"index", {{"rows_per_s", 500}}},
                   {"load", {{"loaded", true}, {"load_ms", 1500}}}});
  const auto seen = until(idle_with_success, 20s);
  ASSERT_TRUE(idle_with_success(seen.back())) << seen.back().dump() << d_->err();
  bool indexing = false;
  bool loading = false;
  for (const auto& r : seen) {
    const auto phase = r.value("phase", json()).is_string() ? r["phase"].get<std::string>() : "";
    indexing = indexing || phase.starts_with("indexing ");
    loading = loading || phase.starts_with("loading ");
  }
  EXPECT_TRUE(indexing) << "/status showed the indexing phase";
  EXPECT_TRUE(loading) << "/status showed the loading phase";
  const auto& last = seen.back();
  EXPECT_EQ(last["ready_when"], "loaded");
  const auto end = parse_status_time(last["job"]["end"]);
  const auto success = parse_status_time(last["last_success"]);
  ASSERT_TRUE(end && success);
  EXPECT_GE(*success - *end, 3400ms) << "indexed (2 s) and loaded (1.5 s) after the job's end";
  const auto stats = sim_.stats()["requests"];
  EXPECT_GE(stats["index_describe"].get<int>(), 2);
  EXPECT_GE(stats["load_state"].get<int>(), 2);
  EXPECT_EQ(sim_.stats()["triggers"], 1);
}

TEST_F(DaemonReadyWhen, AFailedIndexFailsTheRefreshWithItsReason) {
  start("indexed", {{"index",
                     {{"rows_per_s", 5000},
                      {"outcome", "failed"},
                      {"reason", "dimension mismatch: 768 != 1024"}}}});
  const auto seen =
      until([](const json& r) { return r.is_object() && r["status"] == "failing"; }, 15s);
  ASSERT_EQ(seen.back()["status"], "failing") << seen.back().dump() << d_->err();
  EXPECT_EQ(seen.back()["last_failure_reason"], "dimension mismatch: 768 != 1024");
  EXPECT_TRUE(seen.back()["last_success"].is_null());
}

TEST_F(DaemonReadyWhen, AServerWithoutTheRoutesDegradesToCompletedOnce) {
  sim_.configure({{"servability_routes_absent", true}});
  start("indexed", json::object());
  const auto seen = until(idle_with_success, 15s);
  ASSERT_TRUE(idle_with_success(seen.back())) << seen.back().dump() << d_->err();
  EXPECT_EQ(seen.back()["last_success"], seen.back()["job"]["end"]) << "done at completion";
  EXPECT_NE(seen.back()["ready_when_note"].get<std::string>().find("HTTP 404"), std::string::npos);
  const std::string said = "ready_when degrades to completed on this cluster";
  EXPECT_TRUE(d_->wait_for_err_line(
      [&](std::string_view l) { return l.find(said) != std::string_view::npos; }, 5s))
      << d_->err();
  d_->wait_for_err_line([](std::string_view) { return false; }, 300ms);
  const auto& lines = d_->err();
  const auto first = lines.find(said);
  ASSERT_NE(first, std::string::npos) << lines;
  EXPECT_EQ(lines.find(said, first + 1), std::string::npos) << "said once";
  EXPECT_EQ(sim_.stats()["requests"]["index_list"], 1);
}

}  // namespace
}  // namespace refreshd::test
