// A cluster whose name server never answers delays no other cluster (docs/SECURITY.md). The hang is
// a getaddrinfo preloaded into the real daemon (hang_dns_preload.cpp), so the daemon's own
// resolution code runs unchanged. A per-process resolv.conf pointing at a silent name server
// would be the other honest way, but a process cannot have its own resolv.conf without a mount
// namespace, which these tests cannot rely on.
#include <csignal>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <refreshd/test/child_process.hpp>
#include <refreshd/test/sim_process.hpp>

#include "daemon_support.hpp"

namespace refreshd::test {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

std::vector<std::string> preload_env() {
  // A sanitizer build wants its runtime first in the library list; the preload comes first here.
  const char* asan = std::getenv("ASAN_OPTIONS");
  return {std::string("LD_PRELOAD=") + REFRESHD_HANG_DNS_PRELOAD,
          std::string("ASAN_OPTIONS=") + (asan != nullptr ? std::string(asan) + ":" : "") +
              "verify_asan_link_order=0"};
}

TEST(DaemonDns, AClusterWhoseNameServerNeverAnswersDelaysNoOtherCluster) {
  sim_process sim;
  sim.add_collection({{"name", "ext_ok"}, {"job", {{"pending_ms", 20}, {"running_ms", 100}}}});
  temp_dir dir;
  const auto config = dir.write("config.yaml",
                                "version: 1\n"
                                "listen: 127.0.0.1:0\n"
                                "defaults:\n"
                                "  schedule: every 1s\n"
                                "  poll: {initial: 100ms, max: 1s}\n"
                                "clusters:\n"
                                "  - name: hung\n"
                                "    endpoint: http://api.hang.invalid:19530\n"
                                "    token: \"\"\n"
                                "    rate_limit: 0\n"
                                "    collections:\n"
                                "      - name: ext_hung\n"
                                "  - name: local\n"
                                "    endpoint: http://localhost:" +
                                    std::to_string(sim.port()) +
                                    "\n"
                                    "    token: \"\"\n"
                                    "    rate_limit: 0\n"
                                    "    collections:\n"
                                    "      - name: ext_ok\n");
  child_process d(daemon_argv(config, {"--log-level", "warn"}), preload_env());

  // The hung cluster's request gives up at connect_timeout (5 s) and names the host...
  const auto line = d.wait_for_err_line(
      [](std::string_view l) {
        return l.find("resolve api.hang.invalid:19530 timed out after 5s") != std::string::npos;
      },
      20s);
  EXPECT_TRUE(line.has_value()) << d.err();
  // ...while the other cluster, resolving localhost meanwhile, refreshed on schedule.
  json stats = sim.stats();
  EXPECT_GE(stats["per_collection"]["default/ext_ok"]["triggers"].get<int>(), 2) << stats.dump();

  // Shutdown does not wait for the lookup that never ends.
  d.send_signal(SIGTERM);
  const auto done = d.wait(9s);
  ASSERT_TRUE(done.has_value()) << "the daemon did not stop within 9 s";
  EXPECT_EQ(done->exit_code, 0) << done->err;
}

}  // namespace
}  // namespace refreshd::test
