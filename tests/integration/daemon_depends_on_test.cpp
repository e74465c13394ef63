// depends_on end to end (docs/SCHEDULES.md "depends_on"): the real daemon against the real
// simulator refreshes a dependent after its upstream each time the upstream became ready, holds
// it visibly while the upstream fails (/status, /metrics, the log) and lets it go after the
// upstream's next success.
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

int triggers_of(sim_process& sim, const std::string& name) {
  int n = 0;
  const json stats = sim.stats();
  for (const auto& [key, s] : stats["per_collection"].items()) {
    if (key.ends_with("/" + name) || key == name) {
      n += s["triggers"].get<int>();
    }
  }
  return n;
}

json status_of(std::uint16_t port, const std::string& name) {
  const auto r = http_request("GET", "127.0.0.1", port, "/status");
  const json doc = json::parse(r.body);
  for (const auto& c : doc["collections"]) {
    if (c["collection"] == name) {
      return c;
    }
  }
  return nullptr;
}

json job(const char* outcome) {
  return {{"pending_ms", 50}, {"running_ms", 300}, {"outcome", outcome}};
}

TEST(DaemonDependsOn, RefreshesAfterTheUpstreamAndIsHeldWhileItFails) {
  sim_process sim;
  temp_dir dir;
  sim.reset();
  sim.add_collection(json::array({{{"name", "ext_up"}, {"job", job("completed")}},
                                  {{"name", "ext_down"}, {"job", job("completed")}}}));
  const auto cfg = daemon_config(sim,
                                 "  schedule: \"every 2s\"\n"
                                 "  retries: 0\n"
                                 "  poll: {initial: 100ms, max: 200ms}\n",
                                 "    token: \"\"\n    rate_limit: 0\n",
                                 "      - name: ext_up\n"
                                 "      - name: ext_down\n"
                                 "        depends_on: [ext_up]\n");
  child_process d(daemon_argv(dir.write("config.yaml", cfg)));
  const auto port = wait_for_listen_port(d, 15s);
  ASSERT_NE(port, 0) << d.err();
  ASSERT_TRUE(poll_until([&] { return triggers_of(sim, "ext_down") >= 2; }, 30s, 50ms))
      << sim.stats().dump() << d.err();
  EXPECT_LE(triggers_of(sim, "ext_down"), triggers_of(sim, "ext_up"))
      << "never more often than its upstream";
  auto c = status_of(port, "ext_down");
  EXPECT_EQ(c["schedule"], "depends_on local/default/ext_up");
  EXPECT_EQ(c["depends_on"], json::array({"local/default/ext_up"}));
  ASSERT_TRUE(c["upstream"].is_object()) << c.dump();

  // The upstream fails from now on: the dependent is held, and says by whom and why.
  sim.add_collection(json{{"name", "ext_up"},
                          {"job",
                           {{"pending_ms", 50},
                            {"running_ms", 300},
                            {"outcome", "failed"},
                            {"reason", "parquet file missing"}}}});
  ASSERT_TRUE(poll_until([&] { return status_of(port, "ext_down")["upstream"]["state"] == "held"; },
                         30s, 50ms))
      << status_of(port, "ext_down").dump() << d.err();
  c = status_of(port, "ext_down");
  EXPECT_EQ(c["upstream"]["collection"], "local/default/ext_up");
  EXPECT_NE(c["upstream"]["reason"].get<std::string>().find("parquet file missing"),
            std::string::npos)
      << c.dump();
  EXPECT_TRUE(c["next_run"].is_null()) << "no run planned while held";
  const auto page = http_request("GET", "127.0.0.1", port, "/").body;
  EXPECT_NE(page.find("held: upstream local/default/ext_up failed (parquet file missing)"),
            std::string::npos)
      << "the page's reason column";
  const int held_at = triggers_of(sim, "ext_down");
  auto metrics = http_request("GET", "127.0.0.1", port, "/metrics").body;
  EXPECT_NE(metrics.find("milvus_refresh_upstream_held{cluster=\"local\",database=\"default\","
                         "collection=\"ext_down\"} 1"),
            std::string::npos);
  const auto held_line = d.wait_for_err_line(
      [](std::string_view l) { return l.find("held: an upstream") != std::string_view::npos; }, 5s);
  ASSERT_TRUE(held_line.has_value()) << d.err();
  EXPECT_NE(held_line->find("\"upstream\":\"local/default/ext_up\""), std::string::npos)
      << *held_line;
  const int up_at = triggers_of(sim, "ext_up");
  ASSERT_TRUE(poll_until([&] { return triggers_of(sim, "ext_up") >= up_at + 2; }, 30s, 50ms));
  EXPECT_EQ(triggers_of(sim, "ext_down"), held_at) << "no refresh while held";

  // The upstream recovers: the dependent refreshes again.
  sim.add_collection(json{{"name", "ext_up"}, {"job", job("completed")}});
  ASSERT_TRUE(poll_until([&] { return triggers_of(sim, "ext_down") > held_at; }, 30s, 50ms))
      << d.err();
  metrics = http_request("GET", "127.0.0.1", port, "/metrics").body;
  EXPECT_NE(metrics.find("collection=\"ext_down\"} 0"), std::string::npos);
  EXPECT_EQ(sim.stats()["overlapping_triggers"], 0);
  expect_clean_stop(d);
}

}  // namespace
}  // namespace refreshd::test
