// Three real daemons sharing 30 collections through a real 3-member etcd cluster, against the
// simulator (docs/COORDINATION.md): every collection is driven by exactly one replica, a replica
// killed with SIGKILL hands its collections to the others within TTL + 3 s, a stopped one hands
// them over at once, a frozen one never acts on what it lost, and scaling moves only what changes
// hands. etcd's own failures: daemon_coordination_faults_test.cpp.
#include "coordination_support.hpp"

namespace refreshd::test::coordination {
namespace {

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
  drain_rounds({&a, &b, &c}, 40, 50ms);
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

TEST_F(DaemonCoordination, APauseAskedOfAnyReplicaStopsTheReplicaThatDrivesIt) {
  const auto token_file = dir_.write("admin-token", "pause-t0ken\n");
  const std::string admin = "admin:\n  token_file: " + token_file + "\n";
  replica a = start("replica-a", {}, nullptr, admin);
  replica b = start("replica-b", {}, nullptr, admin);
  ASSERT_TRUE(settle({&a, &b}, 20s));
  // The collection ext_0 and the replica that does not drive it.
  replica* driver = nullptr;
  replica* other = nullptr;
  const json first = a.status();
  for (const auto& c : first["collections"]) {
    if (c["collection"] == "ext_0") {
      driver = c["driven_here"].get<bool>() ? &a : &b;
      other = driver == &a ? &b : &a;
    }
  }
  ASSERT_NE(driver, nullptr);
  const auto post = [&](replica& r, const std::string& action) {
    return http_request("POST", "127.0.0.1", r.port,
                        "/v1/collections/local/default/ext_0/" + action, R"({"reason":"maint"})",
                        {{"Authorization", "Bearer pause-t0ken"}});
  };
  http_reply paused;
  try {
    paused = post(*other, "pause");
  } catch (const std::exception& e) {
    other->drain(500ms);
    FAIL() << e.what() << "\n" << other->proc->err();
  }
  ASSERT_EQ(paused.status, 200) << paused.body;
  // The driver reads the pauses every TTL/3 (1 s): paused there too, then no more triggers.
  const auto paused_there = [&] {
    const json now = driver->status();
    for (const auto& c : now["collections"]) {
      if (c["collection"] == "ext_0") {
        return c["status"] == "paused" && c["pause"]["reason"] == "maint";
      }
    }
    return false;
  };
  ASSERT_TRUE(poll_until(paused_there, 10s, 100ms));
  // run --once with a replica's config reads the pauses from etcd and leaves it out.
  const auto once = run(
      {REFRESHD_DAEMON_BINARY, "run", "--once", "-c", (dir_.path() / "replica-a.yaml").string()},
      {}, 60s);
  EXPECT_EQ(once.exit_code, 0) << once.out << once.err;
  EXPECT_NE(once.out.find("29 of 29 collections completed"), std::string::npos) << once.out;
  drain_rounds({&a, &b}, 20, 50ms);  // a job started just before may still end
  driver->log.triggers.clear();
  other->log.triggers.clear();
  drain_rounds({&a, &b}, 60, 50ms);  // 3 s: a slot every 2 s
  EXPECT_EQ(driver->log.triggers["ext_0"], 0) << "paused: not triggered";
  EXPECT_EQ(other->log.triggers["ext_0"], 0);
  EXPECT_GT(driver->log.triggers["ext_1"] + other->log.triggers["ext_1"], 0);
  // Resumed through the driver this time.
  ASSERT_EQ(post(*driver, "resume").status, 200);
  ASSERT_TRUE(poll_until(
      [&] {
        drain_rounds({&a, &b}, 1, 50ms);
        return driver->log.triggers["ext_0"] > 0;
      },
      10s, 50ms));
  for (auto* r : {&a, &b}) {
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
  const int held_before = a.owned() + b.owned();
  c.proc->send_signal(SIGKILL);
  const auto killed = std::chrono::steady_clock::now();
  (void)c.proc->wait(5s);
  ASSERT_TRUE(settle({&a, &b}, ttl + 10s)) << "the survivors never owned everything";
  const int taken = a.owned() + b.owned() - held_before;
  EXPECT_EQ(taken, orphaned) << "exactly the dead replica's collections changed hands";
  a.drain(300ms);  // the claim lines (their times) may still be in the pipes
  b.drain(300ms);
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
  drain_rounds({&a, &b}, 30, 50ms);
  EXPECT_EQ(driven_by_any({&a, &b}).size(), static_cast<std::size_t>(collections));
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
  b.proc->send_signal(SIGSTOP);
  b.drain(300ms);  // what it wrote before the freeze (nothing can follow while it is stopped)
  b.log.messages.clear();
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
  // Until it triggers again (its share's next slots: every 2 s), or 10 s.
  const auto& msgs = b.log.messages;
  (void)poll_until(
      [&] {
        a.drain(25ms);
        b.drain(25ms);
        const auto claim = std::find(msgs.begin(), msgs.end(), "coordination: claimed collections");
        return std::find(claim, msgs.end(), "triggered refresh") != msgs.end();
      },
      10s, 1ms);
  // The thawed replica's acts: its lease lost, a new one, new claims, then triggers. A trigger
  // that was in flight at the freeze (fenced and sent while it owned the collection) may be
  // logged right after the thaw, before or just after the loss (whichever completion the
  // thawed loop runs first); a new one needs a fence, which needs a lease: none may be logged
  // between the new lease and the claims.
  const auto& m = b.log.messages;
  const auto find = [&](std::string_view msg, std::ptrdiff_t from = 0) {
    return std::find(m.begin() + from, m.end(), msg) - m.begin();
  };
  const auto lost = find("coordination: lease lost; its collections are no longer driven here");
  ASSERT_LT(lost, static_cast<long>(m.size())) << "the frozen replica never saw its lease lost";
  const auto claimed = find("coordination: claimed collections", lost);
  ASSERT_LT(claimed, static_cast<long>(m.size())) << "it never claimed again";
  const auto granted = find("coordination: lease granted", lost);
  EXPECT_LT(granted, claimed);
  EXPECT_EQ(find("triggered refresh", granted), find("triggered refresh", claimed))
      << "a trigger between the new lease and the new claims";
  EXPECT_LT(find("triggered refresh", claimed), static_cast<long>(m.size()))
      << "it never drove its share again";
  const auto stats = sim_.stats();
  EXPECT_EQ(stats["informed_overlapping_triggers"], 0) << stats.dump();
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

}  // namespace
}  // namespace refreshd::test::coordination
