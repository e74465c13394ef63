// Three real daemons sharing 30 collections through a real 3-member etcd cluster, against the
// simulator (docs/COORDINATION.md): every collection is driven by exactly one replica, the
// replicas together trigger once per slot, a replica killed with SIGKILL hands its collections
// to the others within TTL + 3 s, and a stopped one hands them over at once. Skipped, saying
// why, only where the etcd binary is absent.
#include <algorithm>
#include <csignal>
#include <filesystem>
#include <map>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <refreshd/test/child_process.hpp>
#include <refreshd/test/etcd_cluster.hpp>
#include <refreshd/test/http.hpp>
#include <refreshd/test/sim_process.hpp>

#include "daemon_support.hpp"

namespace refreshd::test {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr int collections = 30;
constexpr auto ttl = 3s;

/// What one replica's JSON log said so far.
struct replica_log {
  std::map<std::string, int> triggers;  // by collection
  int claimed = 0;                      // collections, summed over the claim lines
  int released = 0;
  std::vector<std::chrono::steady_clock::time_point> claim_times;
  std::vector<std::string> messages;  // every line's msg, in order

  void add(std::string_view line) {
    auto j = json::parse(line, nullptr, false);
    if (!j.is_object()) {
      return;
    }
    const auto msg = j.value("msg", "");
    messages.push_back(msg);
    if (msg == "triggered refresh" || msg == "re-triggered refresh") {
      ++triggers[j.value("collection", "")];
    } else if (msg == "coordination: claimed collections") {
      claimed += j.value("collections", 0);
      claim_times.push_back(std::chrono::steady_clock::now());
    } else if (msg == "coordination: released collections (handed off)") {
      released += j.value("collections", 0);
    }
  }
};

struct replica {
  std::unique_ptr<child_process> proc;
  unsigned short port = 0;
  replica_log log;

  void drain(std::chrono::milliseconds d) {
    proc->wait_for_err_line(
        [this](std::string_view line) {
          log.add(line);
          return false;
        },
        d);
  }
  json status() const {
    const auto r = http_request("GET", "127.0.0.1", port, "/status?limit=1000");
    return r.status == 200 ? json::parse(r.body, nullptr, false) : json();
  }
  /// Collections owned, when this replica sees `members` live replicas (else -1).
  int owned(int members) const {
    const auto s = status();
    if (!s.is_object() || !s.contains("coordination") ||
        s["coordination"]["members"].get<int>() != members) {
      return -1;
    }
    return s["coordination"]["owned_collections"].get<int>();
  }
  int owned() const {
    const auto s = status();
    return s.is_object() && s.contains("coordination")
               ? s["coordination"]["owned_collections"].get<int>()
               : -1;
  }
};

class DaemonCoordination : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!etcd_cluster::binary()) {
      GTEST_SKIP() << etcd_cluster::missing;
    }
    etcd_ = std::make_unique<etcd_cluster>(3);
    sim_.reset();
    json list = json::array();
    for (int i = 0; i < collections; ++i) {
      list.push_back({{"name", "ext_" + std::to_string(i)},
                      {"job", {{"pending_ms", 50}, {"running_ms", 300}}}});
      entries_ += "      - name: ext_" + std::to_string(i) + "\n";
    }
    sim_.add_collection(list);
  }

  /// Replica `id` with its own token (the simulator tells clients apart by token).
  replica start(const std::string& id) {
    std::string endpoints;
    for (const auto& u : etcd_->client_urls()) {
      endpoints += (endpoints.empty() ? "" : ", ") + u;
    }
    const std::string config = daemon_config(sim_,
                                             "  schedule: every 2s\n"
                                             "  poll: {initial: 100ms, max: 500ms}\n"
                                             "  retries: 0\n",
                                             "    token: \"" + id +
                                                 "\"\n"
                                                 "    rate_limit: 0\n"
                                                 "    max_running_jobs: 64\n",
                                             entries_) +
                               "coordination:\n"
                               "  replica_id: " +
                               id +
                               "\n"
                               "  etcd:\n"
                               "    endpoints: [" +
                               endpoints +
                               "]\n"
                               "    lease_ttl: 3s\n"
                               "    request_timeout: 1s\n";
    replica r;
    r.proc = std::make_unique<child_process>(daemon_argv(dir_.write(id + ".yaml", config)));
    r.port = wait_for_listen_port(*r.proc, 10s);
    return r;
  }

  /// Until the replicas see each other and own every collection between them (claims are
  /// exclusive, so the sum is the number of collections only once the hand-offs are done).
  bool settle(std::vector<replica*> rs, std::chrono::milliseconds timeout) {
    return poll_until(
        [&] {
          int sum = 0;
          for (auto* r : rs) {
            r->drain(20ms);
            const int n = r->owned(static_cast<int>(rs.size()));
            if (n < 0) {
              return false;
            }
            sum += n;
          }
          return sum == collections;
        },
        timeout, 50ms);
  }

  std::unique_ptr<etcd_cluster> etcd_;
  sim_process sim_;
  temp_dir dir_;
  std::string entries_;
};

TEST_F(DaemonCoordination, ThreeReplicasDriveEachCollectionFromExactlyOneOfThem) {
  replica a = start("replica-a");
  replica b = start("replica-b");
  replica c = start("replica-c");
  ASSERT_TRUE(settle({&a, &b, &c}, 20s));
  for (auto* r : {&a, &b, &c}) {
    EXPECT_GT(r->owned(), 0) << "rendezvous hashing gives every replica a share";
  }
  // Watch several slots once settled: each collection triggered by one replica only.
  for (auto* r : {&a, &b, &c}) {
    r->log.triggers.clear();
  }
  for (int i = 0; i < 40; ++i) {
    for (auto* r : {&a, &b, &c}) {
      r->drain(50ms);
    }
  }
  std::map<std::string, std::set<std::string>> drivers;
  int total = 0;
  for (auto [r, name] : {std::pair{&a, "a"}, {&b, "b"}, {&c, "c"}}) {
    for (const auto& [col, n] : r->log.triggers) {
      drivers[col].insert(name);
      total += n;
    }
  }
  EXPECT_EQ(drivers.size(), static_cast<std::size_t>(collections)) << "every collection driven";
  for (const auto& [col, who] : drivers) {
    EXPECT_EQ(who.size(), 1u) << col << " triggered by more than one replica";
  }
  // About one trigger per collection per 2 s slot in the 6 s window (three replicas, not 3x).
  EXPECT_LE(total, collections * 4) << "the replicas share the slots instead of repeating them";
  const auto after = sim_.stats();
  EXPECT_EQ(after["informed_overlapping_triggers"], 0) << after.dump();
  const auto status = a.status();
  ASSERT_TRUE(status.contains("coordination")) << status.dump();
  EXPECT_EQ(status["coordination"]["replica_id"], "replica-a");
  EXPECT_EQ(status["coordination"]["members"], 3);
  EXPECT_TRUE(status["coordination"]["lease_valid"].get<bool>());
  int driven_here = 0;
  for (const auto& col : status["collections"]) {
    driven_here += col["driven_here"].get<bool>() ? 1 : 0;
  }
  EXPECT_EQ(driven_here, status["coordination"]["owned_collections"].get<int>());
  const auto metrics = http_request("GET", "127.0.0.1", a.port, "/metrics");
  EXPECT_NE(metrics.body.find("milvus_refresh_coordination_owned_collections " +
                              std::to_string(driven_here)),
            std::string::npos);
  EXPECT_NE(metrics.body.find("milvus_refresh_coordination_members 3"), std::string::npos);
  for (auto* r : {&a, &b, &c}) {
    expect_clean_stop(*r->proc);
  }
}

TEST_F(DaemonCoordination, AKilledReplicasCollectionsAreDrivenAgainWithinTheTtlPlusThreeSeconds) {
  replica a = start("replica-a");
  replica b = start("replica-b");
  replica c = start("replica-c");
  ASSERT_TRUE(settle({&a, &b, &c}, 20s));
  const int orphaned = c.owned();
  ASSERT_GT(orphaned, 0);
  const int claimed_before = a.log.claimed + b.log.claimed;
  c.proc->send_signal(SIGKILL);
  const auto killed = std::chrono::steady_clock::now();
  (void)c.proc->wait(5s);
  ASSERT_TRUE(settle({&a, &b}, ttl + 10s)) << "the survivors never owned everything";
  const int taken = a.log.claimed + b.log.claimed - claimed_before;
  EXPECT_EQ(taken, orphaned) << "exactly the dead replica's collections changed hands";
  auto last_claim = killed;
  for (auto* r : {&a, &b}) {
    for (auto t : r->log.claim_times) {
      last_claim = std::max(last_claim, t);
    }
  }
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(last_claim - killed);
  EXPECT_LE(took, ttl + 3s) << "taken over in " << took.count() << " ms";
  RecordProperty("takeover_ms", static_cast<int>(took.count()));
  // The new owners trigger them.
  for (auto* r : {&a, &b}) {
    r->log.triggers.clear();
  }
  for (int i = 0; i < 30; ++i) {
    a.drain(50ms);
    b.drain(50ms);
  }
  std::set<std::string> driven;
  for (auto* r : {&a, &b}) {
    for (const auto& [col, n] : r->log.triggers) {
      driven.insert(col);
    }
  }
  EXPECT_EQ(driven.size(), static_cast<std::size_t>(collections));
  EXPECT_EQ(sim_.stats()["informed_overlapping_triggers"], 0);
  expect_clean_stop(*a.proc);
  expect_clean_stop(*b.proc);
}

TEST_F(DaemonCoordination, AStoppedReplicaHandsItsCollectionsOverAtOnce) {
  replica a = start("replica-a");
  replica b = start("replica-b");
  ASSERT_TRUE(settle({&a, &b}, 20s));
  const int held = b.owned();
  ASSERT_GT(held, 0);
  const auto stopped = std::chrono::steady_clock::now();
  expect_clean_stop(*b.proc);  // revokes its lease: its claims go at once
  ASSERT_TRUE(settle({&a}, 10s));
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - stopped);
  EXPECT_LT(took, ttl) << "a graceful stop does not wait for the lease to expire";
  EXPECT_EQ(a.owned(), collections);
  expect_clean_stop(*a.proc);
}

// A replica frozen (SIGSTOP) longer than the TTL loses its share to the other; thawed, it must
// not act on what it held: it stops at its own deadline, takes a new lease and claims again
// before any trigger, and no collection ever has two jobs at once.
TEST_F(DaemonCoordination, AFrozenReplicaNeverTriggersOnTheClaimsItLostWhileFrozen) {
  replica a = start("replica-a");
  replica b = start("replica-b");
  ASSERT_TRUE(settle({&a, &b}, 20s));
  ASSERT_GT(b.owned(), 0);
  b.drain(300ms);  // what it wrote before the freeze
  b.log.messages.clear();
  b.proc->send_signal(SIGSTOP);
  ASSERT_TRUE(poll_until(
      [&] {
        a.drain(20ms);
        return a.owned(1) == collections;
      },
      ttl + 10s, 50ms))
      << "the other replica never took the frozen one's share";
  for (int i = 0; i < 20; ++i) {
    a.drain(50ms);  // its new share runs a few slots
  }
  b.proc->send_signal(SIGCONT);
  ASSERT_TRUE(settle({&a, &b}, 20s)) << "the thawed replica never rejoined";
  for (int i = 0; i < 20; ++i) {
    a.drain(50ms);
    b.drain(50ms);
  }
  // The thawed replica's first acts: its lease is gone, a new one, new claims, then triggers.
  const auto& m = b.log.messages;
  const auto first = [&](std::string_view msg) {
    return std::find(m.begin(), m.end(), msg) - m.begin();
  };
  const auto trigger = first("triggered refresh");
  ASSERT_LT(trigger, static_cast<long>(m.size())) << "it never drove its share again";
  EXPECT_LT(first("coordination: lease granted"), trigger);
  EXPECT_LT(first("coordination: claimed collections"), trigger);
  const auto stats = sim_.stats();
  EXPECT_EQ(stats["informed_overlapping_triggers"], 0) << stats.dump();
  expect_clean_stop(*a.proc);
  expect_clean_stop(*b.proc);
}

int total(const replica_log& l) {
  int n = 0;
  for (const auto& [col, t] : l.triggers) {
    n += t;
  }
  return n;
}

// etcd's leader killed (SIGKILL): the election takes the fences of that moment a little
// longer, nothing more. No collection is driven twice and every one keeps being refreshed.
TEST_F(DaemonCoordination, AnEtcdLeaderKillLosesNoTriggerAndDoublesNone) {
  replica a = start("replica-a");
  replica b = start("replica-b");
  ASSERT_TRUE(settle({&a, &b}, 20s));
  const int leader = etcd_->leader();
  ASSERT_GE(leader, 0);
  a.log.triggers.clear();
  b.log.triggers.clear();
  const int released_before = a.log.released + b.log.released;
  etcd_->kill(leader);
  for (int i = 0; i < 60; ++i) {  // three seconds: an election, then slots as usual
    a.drain(25ms);
    b.drain(25ms);
  }
  std::set<std::string> driven;
  for (auto* r : {&a, &b}) {
    for (const auto& [col, n] : r->log.triggers) {
      EXPECT_TRUE(driven.insert(col).second) << col << " triggered by both replicas";
    }
  }
  EXPECT_EQ(driven.size(), static_cast<std::size_t>(collections)) << "every collection driven";
  const auto lost = [](const replica_log& l) {
    return std::count(l.messages.begin(), l.messages.end(),
                      "coordination: lease lost; its collections are no longer driven here");
  };
  EXPECT_EQ(a.log.released + b.log.released, released_before)
      << "no ownership moved; leases lost: " << lost(a.log) << " + " << lost(b.log);
  const auto stats = sim_.stats();
  EXPECT_EQ(stats["informed_overlapping_triggers"], 0) << stats.dump();
  etcd_->restart(leader);
  expect_clean_stop(*a.proc);
  expect_clean_stop(*b.proc);
}

// Two of three etcd members stopped (no quorum) for longer than the TTL: from the cut on no
// replica triggers anything (every trigger needs a fence etcd cannot give), then a clean resume.
TEST_F(DaemonCoordination, WithoutAnEtcdQuorumNothingIsTriggeredThenEverythingResumes) {
  replica a = start("replica-a");
  replica b = start("replica-b");
  ASSERT_TRUE(settle({&a, &b}, 20s));
  const int keep = etcd_->leader() >= 0 ? etcd_->leader() : 0;
  std::vector<int> stopped;
  for (int i = 0; i < etcd_->size(); ++i) {
    if (i != keep) {
      etcd_->pause(i);
      stopped.push_back(i);
    }
  }
  a.drain(300ms);  // a trigger whose fence passed just before the cut may still be logged
  b.drain(300ms);
  const int before = total(a.log) + total(b.log);
  for (int i = 0; i < 2 * static_cast<int>(ttl / 50ms); ++i) {  // twice the TTL
    a.drain(25ms);
    b.drain(25ms);
  }
  EXPECT_EQ(total(a.log) + total(b.log), before) << "a trigger without an etcd quorum";
  EXPECT_EQ(a.owned(), 0) << "past its deadline a replica drives nothing";
  for (const int i : stopped) {
    etcd_->resume(i);
  }
  ASSERT_TRUE(settle({&a, &b}, 30s)) << "no clean resume";
  a.log.triggers.clear();
  b.log.triggers.clear();
  for (int i = 0; i < 60; ++i) {
    a.drain(25ms);
    b.drain(25ms);
  }
  EXPECT_GE(total(a.log) + total(b.log), collections) << "refreshing again";
  EXPECT_EQ(sim_.stats()["informed_overlapping_triggers"], 0);
  expect_clean_stop(*a.proc);
  expect_clean_stop(*b.proc);
}

// Scaling 1 -> 3 -> 2: rendezvous hashing moves only what changes hands, about 1/N of the
// collections each time, and every collection stays owned exactly once.
TEST_F(DaemonCoordination, ScalingOneToThreeToTwoMovesAboutAThirdEachTime) {
  replica a = start("replica-a");
  ASSERT_TRUE(settle({&a}, 20s));
  EXPECT_EQ(a.owned(), collections);
  const int released_alone = a.log.released;
  replica b = start("replica-b");
  replica c = start("replica-c");
  ASSERT_TRUE(settle({&a, &b, &c}, 20s));
  a.drain(200ms);
  const int moved_up = a.log.released - released_alone;  // a held everything before
  EXPECT_EQ(moved_up, b.owned() + c.owned());
  EXPECT_GE(moved_up, collections / 3) << "about two thirds move to the two new replicas";
  EXPECT_LE(moved_up, collections * 5 / 6);
  const int a_before = a.owned();
  const int b_before = b.owned();
  const int held_by_c = c.owned();
  expect_clean_stop(*c.proc);
  ASSERT_TRUE(settle({&a, &b}, 20s));
  // Only c's collections moved: a and b kept theirs and took c's between them.
  EXPECT_EQ(a.owned() + b.owned(), collections);
  EXPECT_GE(a.owned(), a_before);
  EXPECT_GE(b.owned(), b_before);
  EXPECT_EQ(a.owned() - a_before + b.owned() - b_before, held_by_c);
  EXPECT_EQ(sim_.stats()["informed_overlapping_triggers"], 0);
  expect_clean_stop(*a.proc);
  expect_clean_stop(*b.proc);
}

// The etcd leader frozen (SIGSTOP) rather than killed: its connections stay open and never
// answer; requests time out and go to the other members. No collection is driven twice and
// every one keeps being refreshed.
TEST_F(DaemonCoordination, AFrozenEtcdLeaderDoublesNothingAndLosesNothing) {
  replica a = start("replica-a");
  replica b = start("replica-b");
  ASSERT_TRUE(settle({&a, &b}, 20s));
  const int leader = etcd_->leader();
  ASSERT_GE(leader, 0);
  a.log.triggers.clear();
  b.log.triggers.clear();
  etcd_->pause(leader);
  // Eight seconds: requests to the frozen member time out (1 s) before the next is tried, and
  // with a 3 s TTL a replica may lose its lease meanwhile and claim again: every collection
  // is still driven within the window, by one replica.
  for (int i = 0; i < 160; ++i) {
    a.drain(25ms);
    b.drain(25ms);
  }
  std::set<std::string> driven;
  for (auto* r : {&a, &b}) {
    for (const auto& [col, n] : r->log.triggers) {
      EXPECT_TRUE(driven.insert(col).second) << col << " triggered by both replicas";
    }
  }
  EXPECT_EQ(driven.size(), static_cast<std::size_t>(collections)) << "every collection driven";
  EXPECT_EQ(sim_.stats()["informed_overlapping_triggers"], 0);
  etcd_->resume(leader);
  expect_clean_stop(*a.proc);
  expect_clean_stop(*b.proc);
}

// The Kubernetes Lease backend: two real daemons electing a leader through fake-kube-api (the
// Lease endpoints of an API server over TLS, tests/support; no real API server can be installed
// here). Only the leader drives; after its kill -9 the standby drives every collection within the
// lease duration and a retry period.
TEST(DaemonLeaseElection, TheStandbyDrivesWithinTheLeaseDurationOfTheLeadersDeath) {
  sim_process sim;
  temp_dir dir;
  const auto made = run({"/bin/bash", REFRESHD_CERT_SCRIPT, (dir.path() / "certs").string()});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const auto sa = dir.path() / "serviceaccount";
  std::filesystem::create_directories(sa);
  std::filesystem::copy_file(dir.path() / "certs" / "ca.pem", sa / "ca.crt");
  dir.write("serviceaccount/token", "sa-token\n");
  dir.write("serviceaccount/namespace", "team-a\n");
  child_process api({REFRESHD_FAKE_KUBE_API_BINARY, (dir.path() / "certs" / "server.pem").string(),
                     (dir.path() / "certs" / "server.key").string(), (sa / "token").string()});
  const auto listening =
      api.wait_for_err_line([](std::string_view l) { return l.starts_with("listening on "); }, 10s);
  ASSERT_TRUE(listening) << api.err();
  const std::string api_url = listening->substr(std::string_view("listening on ").size());
  sim.reset();
  json list = json::array();
  std::string entries;
  for (int i = 0; i < 10; ++i) {
    list.push_back(
        {{"name", "ext_" + std::to_string(i)}, {"job", {{"pending_ms", 50}, {"running_ms", 300}}}});
    entries += "      - name: ext_" + std::to_string(i) + "\n";
  }
  sim.add_collection(list);
  const auto start = [&](const std::string& id) {
    const std::string config =
        daemon_config(sim, "  schedule: every 1s\n  poll: {initial: 100ms, max: 500ms}\n",
                      "    token: \"" + id + "\"\n    rate_limit: 0\n", entries) +
        "coordination:\n  replica_id: " + id +
        "\n  kubernetes_lease:\n    lease_duration: 3s\n    renew_deadline: 2s\n"
        "    retry_period: 500ms\n    api_server: " +
        api_url + "\n    service_account_dir: " + sa.string() + "\n";
    replica r;
    r.proc = std::make_unique<child_process>(daemon_argv(dir.write(id + ".yaml", config)));
    r.port = wait_for_listen_port(*r.proc, 10s);
    return r;
  };
  const auto leads = [](const replica& r) {
    const auto s = r.status();
    return s.is_object() && s.contains("coordination") &&
           s["coordination"]["lease_valid"].get<bool>();
  };
  replica a = start("replica-a");
  ASSERT_TRUE(poll_until([&] { return leads(a); }, 10s, 50ms)) << "alone, a leads";
  replica b = start("replica-b");
  for (int i = 0; i < 40; ++i) {
    a.drain(25ms);
    b.drain(25ms);
    ASSERT_FALSE(leads(b)) << "two leaders";
  }
  EXPECT_GE(total(a.log), 10) << "the leader drives";
  EXPECT_EQ(total(b.log), 0) << "a standby triggers nothing";
  const auto status = b.status();
  EXPECT_EQ(status["coordination"]["backend"], "kubernetes_lease");
  EXPECT_EQ(status["coordination"]["owned_collections"], 0);
  a.proc->send_signal(SIGKILL);
  const auto killed = std::chrono::steady_clock::now();
  ASSERT_TRUE(poll_until([&] { return leads(b); }, 10s, 20ms)) << "the standby never led";
  const auto took = std::chrono::steady_clock::now() - killed;
  EXPECT_LE(took, 3s + 500ms + 1s) << "the lease duration and a retry period (+1 s of slack)";
  RecordProperty(
      "takeover_ms",
      static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
  b.log.triggers.clear();
  for (int i = 0; i < 60; ++i) {
    b.drain(25ms);
  }
  EXPECT_EQ(b.log.triggers.size(), 10u) << "the new leader drives every collection";
  EXPECT_EQ(sim.stats()["informed_overlapping_triggers"], 0);
  expect_clean_stop(*b.proc);
}

}  // namespace
}  // namespace refreshd::test
