// The daemon against every duplicate-trigger policy of the server (api doc §5) with a concurrent
// actor, and two replicas of the daemon on one config (docs/CYCLE.md, docs/KUBERNETES.md).
//
// The invariant is checked with the simulator's informed-overlap counter: a trigger that reaches
// the server while a job is active is "informed" when its sender had already seen that job (a
// list or describe answered after the job was created). A daemon may lose a race it cannot see
// (another client starts a job between its list and its refresh: the server rejects, drops or
// merges the duplicate and the daemon adopts the job), but it must never trigger over a job it
// saw. Clients are told apart by their tokens.
#include <csignal>
#include <map>
#include <random>
#include <set>

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

constexpr int collections = 6;

/// What one daemon's JSON log said so far.
struct log_tally {
  std::map<std::string, int> adopted;  // by reason
  int triggered = 0;
  int lost = 0;
  std::set<std::int64_t> triggered_ids;

  void add(std::string_view line) {
    auto j = json::parse(line, nullptr, false);
    if (!j.is_object()) {
      return;
    }
    const auto msg = j.value("msg", "");
    if (msg == "adopted running job") {
      ++adopted[j.value("reason", "")];
    } else if (msg == "triggered refresh" || msg == "re-triggered refresh") {
      ++triggered;
      if (j.contains("job_id") && j["job_id"].is_number_integer()) {
        triggered_ids.insert(j["job_id"].get<std::int64_t>());
      }
    } else if (msg == "trigger lost: the server dropped the job") {
      ++lost;
    }
  }
  /// Reads the daemon's log for up to `d` (the pacing of the test loops).
  void drain(child_process& p, std::chrono::milliseconds d) {
    p.wait_for_err_line(
        [this](std::string_view line) {
          add(line);
          return false;
        },
        d);
  }
};

class DaemonDuplicates : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    sim_.reset();
    json list = json::array();
    for (int i = 0; i < collections; ++i) {
      list.push_back({{"name", "ext_" + std::to_string(i)},
                      {"job", {{"pending_ms", 50}, {"running_ms", 700}}}});
      entries_ += "      - name: ext_" + std::to_string(i) + "\n";
    }
    sim_.add_collection(list);
  }

  /// The daemon with its own token (the simulator accepts any token: auth_token is empty).
  std::unique_ptr<child_process> start(const std::string& token, const std::string& defaults) {
    const auto path =
        dir_.write("config-" + token + ".yaml", daemon_config(sim_, defaults,
                                                              "    token: \"" + token +
                                                                  "\"\n"
                                                                  "    rate_limit: 0\n"
                                                                  "    max_running_jobs: 32\n",
                                                              entries_));
    return std::make_unique<child_process>(daemon_argv(path));
  }
  /// A careless client: refreshes a random collection without looking first.
  void actor_trigger(std::mt19937& rng) {
    const auto name = "ext_" + std::to_string(rng() % collections);
    auto r = http_request(
        "POST", "127.0.0.1", sim_.port(), "/v2/vectordb/jobs/external_collection/refresh",
        json{{"collectionName", name}}.dump(),
        {{"Authorization", "Bearer actor"}, {"Content-Type", "application/json"}});
    ASSERT_EQ(r.status, 200) << r.body;
    ++actor_triggers_;
  }
  static int stop(child_process& d, log_tally& t) {
    d.send_signal(SIGTERM);
    auto r = d.wait(9s);
    for (std::string_view rest = d.err(); !rest.empty();) {
      const auto nl = rest.find('\n');
      t.add(rest.substr(0, nl));
      rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    }
    return r ? r->exit_code : -1;
  }

  sim_process sim_;
  temp_dir dir_;
  std::string entries_;
  int actor_triggers_ = 0;
};

// Each policy: the actor starts jobs behind the daemon's back; a 100 ms server latency widens
// the window between the daemon's list and its refresh so that races really happen. The run
// ends once the policy's race path was seen (or after 45 s).
TEST_P(DaemonDuplicates, ConcurrentActorNeverMakesTheDaemonTriggerOverASeenJob) {
  const std::string policy = GetParam();
  sim_.configure({{"duplicate_policy", policy}, {"latency_ms", 100}});
  auto d = start("daemon",
                 "  schedule: every 1s\n"
                 "  poll: {initial: 100ms, max: 500ms}\n"
                 "  retries: 0\n");
  log_tally tally;
  std::mt19937 rng(7);
  auto raced = [&] {
    if (policy == "legacy_drop") {
      // docs/CYCLE.md step 3: the dropped trigger's id is not found, the list shows the actor's
      // job, which is adopted (trigger_lost is counted only when no job is listed).
      return tally.adopted["dropped_trigger"] >= 2;
    }
    if (policy == "same_id") {
      return sim_.stats()["overlapping_triggers"].get<int>() >= 10 && tally.triggered >= 5;
    }
    return tally.adopted["duplicate"] >= 2;
  };
  const bool seen = poll_until(
      [&] {
        actor_trigger(rng);
        tally.drain(*d, 60ms);
        return raced() && tally.adopted["already_running"] >= 2;
      },
      45s, 1ms);
  EXPECT_EQ(stop(*d, tally), 0);
  const auto stats = sim_.stats();
  EXPECT_TRUE(seen) << "the race path of " << policy << " was never taken: " << stats.dump()
                    << " adopted duplicate=" << tally.adopted["duplicate"]
                    << " already_running=" << tally.adopted["already_running"]
                    << " dropped_trigger=" << tally.adopted["dropped_trigger"]
                    << " lost=" << tally.lost;
  EXPECT_EQ(stats["informed_overlapping_triggers"], 0) << stats.dump();
  EXPECT_GT(stats["overlapping_triggers"].get<int>(), 0) << "the actor never collided";
  EXPECT_GT(tally.triggered, 0);
  if (policy != "legacy_drop") {
    EXPECT_EQ(tally.lost, 0) << "only legacy servers drop triggers";
  }
  if (policy == "reject_in_progress" || policy == "reject_703") {
    EXPECT_GE(tally.adopted["duplicate"], 2);
  }
  RecordProperty("actor_triggers", actor_triggers_);
  RecordProperty("daemon_triggers", tally.triggered);
}

INSTANTIATE_TEST_SUITE_P(EveryPolicy, DaemonDuplicates,
                         ::testing::Values("reject_in_progress", "reject_703", "same_id",
                                           "legacy_drop"),
                         [](const auto& p) { return p.param; });

// Two daemons on one config (e.g. one sidecar per app pod): each lists before it triggers and
// adopts the other's job; with jitter they rarely race, and a lost race costs one rejected
// duplicate, never a second job.
TEST_F(DaemonDuplicates, TwoReplicasOnOneConfigNeverRunTwoJobsAtOnce) {
  sim_.configure({{"duplicate_policy", "reject_in_progress"}, {"latency_ms", 20}});
  const std::string defaults =
      "  schedule: every 2s\n"
      "  jitter: 500ms\n"
      "  poll: {initial: 100ms, max: 500ms}\n"
      "  retries: 0\n";
  auto a = start("replica-a", defaults);
  auto b = start("replica-b", defaults);
  log_tally ta;
  log_tally tb;
  const auto started = std::chrono::steady_clock::now();
  const bool done = poll_until(
      [&] {
        ta.drain(*a, 50ms);
        tb.drain(*b, 50ms);
        const int adopted_a = ta.adopted["already_running"] + ta.adopted["duplicate"];
        const int adopted_b = tb.adopted["already_running"] + tb.adopted["duplicate"];
        return ta.triggered >= 5 && tb.triggered >= 5 && adopted_a >= 3 && adopted_b >= 3;
      },
      45s, 1ms);
  EXPECT_EQ(stop(*a, ta), 0);
  EXPECT_EQ(stop(*b, tb), 0);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  const auto stats = sim_.stats();
  EXPECT_TRUE(done) << stats.dump();
  EXPECT_EQ(stats["informed_overlapping_triggers"], 0) << stats.dump();
  // One job per slot at most: the server holds one active job, and neither replica starts one
  // over the other's.
  const auto slots = std::chrono::duration_cast<std::chrono::seconds>(elapsed).count() / 2 + 2;
  EXPECT_LE(stats["jobs_created"].get<std::int64_t>(), slots * collections) << stats.dump();
  // Both replicas' triggers created jobs (none of them was a second job over the other's).
  std::set<std::int64_t> both;
  std::set_intersection(ta.triggered_ids.begin(), ta.triggered_ids.end(), tb.triggered_ids.begin(),
                        tb.triggered_ids.end(), std::inserter(both, both.begin()));
  EXPECT_TRUE(both.empty()) << "both replicas claim to have started the same job";
  RecordProperty("overlapping_triggers", stats["overlapping_triggers"].get<int>());
}

}  // namespace
}  // namespace refreshd::test
