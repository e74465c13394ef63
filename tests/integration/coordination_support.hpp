#pragma once
// Real daemons coordinated through a real 3-member etcd cluster, against the simulator
// (docs/COORDINATION.md): what the coordination tests share (daemon_coordination_test.cpp,
// daemon_coordination_faults_test.cpp). Skipped, saying why, only where etcd is absent.
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

namespace refreshd::test::coordination {

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

  /// Replica `id` with its own token (the simulator tells clients apart by token);
  /// `cluster_extra`: more keys of its cluster (indented by four spaces).
  replica start(const std::string& id, const std::string& cluster_extra = {},
                const std::string* entries = nullptr, const std::string& top_extra = {}) {
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
                                                 "    max_running_jobs: 64\n" +
                                                 cluster_extra,
                                             entries != nullptr ? *entries : entries_) +
                               "coordination:\n"
                               "  replica_id: " +
                               id +
                               "\n"
                               "  etcd:\n"
                               "    endpoints: [" +
                               endpoints +
                               "]\n"
                               "    lease_ttl: 3s\n"
                               "    request_timeout: 1s\n" +
                               top_extra;
    replica r;
    r.proc = std::make_unique<child_process>(daemon_argv(dir_.write(id + ".yaml", config)));
    r.port = wait_for_listen_port(*r.proc, 10s);
    return r;
  }

  /// Until the replicas see each other and own every (`expected`) collection between them (claims
  /// are exclusive, so the sum is the number of collections only once the hand-offs are done).
  bool settle(std::vector<replica*> rs, std::chrono::milliseconds timeout,
              int expected = collections) {
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
          return sum == expected;
        },
        timeout, 50ms);
  }

  std::unique_ptr<etcd_cluster> etcd_;
  sim_process sim_;
  temp_dir dir_;
  std::string entries_;
};

/// The collections the replicas triggered since their triggers were cleared; a collection
/// triggered by two of them is a failure.
inline std::set<std::string> driven_by_one(std::initializer_list<const replica*> replicas) {
  std::set<std::string> driven;
  for (const auto* r : replicas) {
    for (const auto& [col, n] : r->log.triggers) {
      EXPECT_TRUE(driven.insert(col).second) << col << " triggered by two replicas";
    }
  }
  return driven;
}

/// The collections any of the replicas triggered since their triggers were cleared.
inline std::set<std::string> driven_by_any(std::initializer_list<const replica*> replicas) {
  std::set<std::string> driven;
  for (const auto* r : replicas) {
    for (const auto& [col, n] : r->log.triggers) {
      driven.insert(col);
    }
  }
  return driven;
}

/// `rounds` times, each replica's log read for `step` in turn (the replicas run meanwhile).
inline void drain_rounds(std::initializer_list<replica*> replicas, int rounds,
                         std::chrono::milliseconds step = std::chrono::milliseconds(25)) {
  for (int i = 0; i < rounds; ++i) {
    for (auto* r : replicas) {
      r->drain(step);
    }
  }
}

/// A replica's distinct log messages, each with its count (for failure messages).
inline std::string messages_of(const replica_log& l) {
  std::map<std::string, int> n;
  for (const auto& m : l.messages) {
    ++n[m];
  }
  std::string out;
  for (const auto& [m, k] : n) {
    out += "\n  " + std::to_string(k) + "x " + m;
  }
  return out;
}

/// How often a replica said it lost its lease (and so its claims).
inline int lease_losses(const replica_log& l) {
  return static_cast<int>(
      std::count(l.messages.begin(), l.messages.end(),
                 "coordination: lease lost; its collections are no longer driven here"));
}

inline int total(const replica_log& l) {
  int n = 0;
  for (const auto& [col, t] : l.triggers) {
    n += t;
  }
  return n;
}

// etcd's leader killed (SIGKILL): the election takes the fences of that moment a little
// longer, nothing more. No collection is driven twice and every one keeps being refreshed.

}  // namespace refreshd::test::coordination
