// docs/KUBERNETES.md "Several replicas do not double-trigger", checked with two real daemons
// sharing one config (as sidecars of two app replicas do) against the real simulator: with
// fixed jitter they converge on one job per slot, and the server never runs two at once.
#include <chrono>
#include <csignal>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <refreshd/test/child_process.hpp>
#include <refreshd/test/sim_process.hpp>

#include "manifest_support.hpp"

namespace refreshd::test::k8s {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr int collections = 4;
constexpr auto interval = 3s;

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) {
    ++n;
  }
  return n;
}

TEST(Replicas, TwoDaemonsWithOneConfigStartOneJobPerSlotAndNeverOverlap) {
  sim_process sim;
  sim.reset();
  json added = json::array();
  std::string entries;
  for (int i = 0; i < collections; ++i) {
    const auto name = "ext_" + std::to_string(i);
    // Jobs (1.4 s) shorter than the jitter window (2 s): with random jitter, the later replica
    // would often find the job finished and start a second one for the same slot; with fixed
    // jitter both replicas fire at the same moment and a replica would have to be late by the
    // whole 1.4 s to start a second job.
    added.push_back({{"name", name}, {"job", {{"pending_ms", 100}, {"running_ms", 1300}}}});
    entries += "      - name: " + name + "\n";
  }
  sim.add_collection(added);
  scratch_dir dir("replicas");
  const auto config = dir.write("config.yaml",
                                "version: 1\n"
                                "listen: 127.0.0.1:0\n"
                                "defaults:\n"
                                "  schedule: every 3s\n"
                                "  jitter: 2s\n"
                                "  jitter_mode: fixed\n"
                                "  catch_up: false\n"
                                "  poll: {initial: 200ms, max: 1s}\n"
                                "clusters:\n"
                                "  - name: local\n"
                                "    endpoint: " +
                                    sim.url() +
                                    "\n"
                                    "    token: \"\"\n"
                                    "    rate_limit: 0\n"
                                    "    collections:\n" +
                                    entries);
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::unique_ptr<child_process>> daemons;
  for (int i = 0; i < 2; ++i) {
    daemons.push_back(std::make_unique<child_process>(std::vector<std::string>{
        REFRESHD_DAEMON_BINARY, "run", "-c", config.string(), "--log-format", "json"}));
  }
  auto jobs_of = [](const json& c) {
    return c["triggers"].get<int>() - c["overlapping_triggers"].get<int>();
  };
  // Four slots of every collection (12 s), draining the daemons' logs meanwhile.
  poll_until(
      [&] {
        for (auto& d : daemons) {
          d->wait_for_err_line([](std::string_view) { return false; }, 20ms);
        }
        return std::chrono::steady_clock::now() - started >= 4 * interval;
      },
      4 * interval + 10s, 100ms);

  std::string logs;
  for (auto& d : daemons) {
    d->send_signal(SIGTERM);
    auto r = d->wait(9s);
    ASSERT_TRUE(r.has_value()) << "a daemon did not exit after SIGTERM";
    EXPECT_EQ(r->exit_code, 0) << r->err.substr(0, 4000);
    logs += r->err;
  }
  // Every trigger happened in this window (the daemons started after `started`).
  const auto elapsed = std::chrono::steady_clock::now() - started;
  const json stats = sim.stats();
  ASSERT_EQ(stats["per_collection"].size(), static_cast<std::size_t>(collections)) << stats.dump();
  // One job per slot: a window of length E holds at most floor(E / interval) + 1 slots of a
  // collection. (With random jitter this fails: about 1.6 jobs per slot.)
  const auto slots = static_cast<int>(elapsed / interval) + 1;
  for (const auto& [key, c] : stats["per_collection"].items()) {
    EXPECT_GE(jobs_of(c), 3) << key << ": " << c.dump();
    EXPECT_LE(jobs_of(c), slots) << key << ": " << c.dump() << " in "
                                 << std::chrono::duration<double>(elapsed).count() << " s";
  }
  // Every trigger the server accepted was counted by exactly one daemon; the other one of the
  // pair adopted that job (found running at its list, or its own trigger was refused).
  EXPECT_EQ(static_cast<int>(count(logs, "\"msg\":\"triggered refresh\"")),
            stats["jobs_created"].get<int>());
  EXPECT_GE(count(logs, "\"msg\":\"adopted running job\""),
            static_cast<std::size_t>(collections * 2));
}

}  // namespace
}  // namespace refreshd::test::k8s
