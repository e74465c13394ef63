// `milvus-refreshd status`, `pause`, `resume` and `refresh` against a real daemon and the
// simulator (docs/CLI.md "The daemon's commands"): the daemon found through
// $MILVUS_REFRESHD_CONFIG alone, JSON for scripts, clear errors and exit codes, and the table in a
// real terminal (tmux): colours, failures first, and --watch redrawing in place.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

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

/// A loopback port free now (the daemon's config names it: the CLI finds the daemon there).
std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

class CliStatus : public ::testing::Test {
 protected:
  void SetUp() override {
    sim_.reset();
    sim_.add_collection(json::array(
        {{{"name", "ext_ok"}, {"job", {{"running_ms", 100}}}},
         {{"name", "ext_bad"},
          {"job", {{"running_ms", 50}, {"outcome", "failed"}, {"reason", "no parquet files"}}}},
         {{"name", "ext_dep"}, {"job", {{"running_ms", 50}}}}}));
    port_ = free_port();
    auto cfg = daemon_config(sim_,
                             "  schedule: \"@hourly\"\n  retries: 0\n"
                             "  poll: {initial: 100ms, max: 200ms}\n",
                             "    token: \"\"\n    rate_limit: 0\n",
                             "      - name: ext_ok\n      - name: ext_bad\n"
                             "      - name: ext_dep\n        depends_on: [ext_bad]\n");
    cfg.replace(cfg.find("listen: 127.0.0.1:0"), 19, "listen: 127.0.0.1:" + std::to_string(port_));
    const auto token = dir_.write("admin-token", "cli-admin-t0ken\n");
    cfg.insert(cfg.find("defaults:"),
               "admin:\n  token_file: " + token + "\nstate_dir: " + dir_.path().string() + "\n");
    config_ = dir_.write("config.yaml", cfg);
    d_ = std::make_unique<child_process>(daemon_argv(config_));
    ASSERT_EQ(wait_for_listen_port(*d_, 15s), port_) << d_->err();
    // The catch-up of the 10:00 slot ran: ext_bad has failed once.
    ASSERT_TRUE(poll_until([&] { return status_of("ext_bad") == "failing"; }, 15s, 50ms));
  }
  void TearDown() override {
    if (d_) {
      expect_clean_stop(*d_);
    }
    std::ignore = run({REFRESHD_TMUX, "-L", socket_, "kill-server"}, {}, 10s);
  }
  /// The CLI with $MILVUS_REFRESHD_CONFIG as its only hint.
  process_result cli(std::vector<std::string> args) {
    std::vector<std::string> argv{REFRESHD_DAEMON_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(std::move(argv), {"MILVUS_REFRESHD_CONFIG=" + config_}, 30s);
  }
  std::string status_of(const std::string& name) {
    const auto r = http_request("GET", "127.0.0.1", port_, "/status");
    const json doc = json::parse(r.body);
    for (const auto& c : doc["collections"]) {
      if (c["collection"] == name) {
        return c["status"];
      }
    }
    return {};
  }
  std::string pane() {
    return run({REFRESHD_TMUX, "-L", socket_, "capture-pane", "-p", "-e", "-t", "cli"}, {}, 10s)
        .out;
  }

  sim_process sim_;
  temp_dir dir_;
  std::unique_ptr<child_process> d_;
  std::uint16_t port_ = 0;
  std::string config_;
  std::string socket_ = "refreshd-cli-" + std::to_string(::getpid());
};

TEST_F(CliStatus, JsonAndTheVerbsWithTheConfigAsTheOnlyHint) {
  auto r = cli({"status", "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto doc = json::parse(r.out);
  ASSERT_EQ(doc["collections"].size(), 3U) << r.out;
  r = cli({"status"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("\033["), std::string::npos) << "no colour when not a terminal";
  EXPECT_LT(r.out.find("local/default/ext_bad"), r.out.find("local/default/ext_ok"))
      << "failures first\n"
      << r.out;
  EXPECT_NE(r.out.find("no parquet files"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("held: upstream local/default/ext_bad failed"), std::string::npos);

  r = cli({"pause", "--name", "ext_ok", "--reason", "lake migration"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "paused local/default/ext_ok: lake migration\n");
  r = cli({"status", "--status", "paused", "--output", "json"});
  doc = json::parse(r.out);
  ASSERT_EQ(doc["collections"].size(), 1U) << r.out;
  EXPECT_EQ(doc["collections"][0]["pause"]["reason"], "lake migration");
  r = cli({"refresh", "--name", "ext_ok"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.err.find("collection is paused"), std::string::npos) << r.err;
  r = cli({"resume", "--name", "ext_ok", "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out), json::parse(R"({"paused":false})"));
  r = cli({"refresh", "--name", "ext_ok"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("refresh of local/default/ext_ok: job "), std::string::npos) << r.out;

  // --query (docs/CLI.md "--query") on each of them: one bare value for scripts.
  r = cli({"pause", "--name", "ext_ok", "--reason", "backfill", "--query", "/reason"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "backfill\n");
  r = cli({"status", "--status", "paused", "--query", "/collections/0/pause/reason"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "backfill\n");
  r = cli({"status", "--query", "/collections/9/status"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("--query /collections/9/status: not in the answer; /collections is an "
                       "array of 3"),
            std::string::npos)
      << r.err;
  r = cli({"resume", "--name", "ext_ok", "--query", "/paused"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "false\n");
  r = cli({"refresh", "--name", "ext_dep", "--query", "/job_id"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const bool id_or_null =
      r.out == "null\n" || (r.out.size() > 1 && r.out.back() == '\n' &&
                            r.out.find_first_not_of("0123456789") == r.out.size() - 1);
  EXPECT_TRUE(id_or_null) << "a job id, or null when queued: " << r.out;
  // A config named by the variable that is not there does not stop --url (nor its message).
  r = run({REFRESHD_DAEMON_BINARY, "status", "--url", "http://127.0.0.1:" + std::to_string(port_),
           "--query", "/collections/0/cluster"},
          {"MILVUS_REFRESHD_CONFIG=" + dir_.path().string() + "/nowhere.yaml"}, 30s);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "local\n");
  r = cli({"pause", "--name", "ext_nope", "--cluster", "local"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.find("give --cluster"), std::string::npos)
      << "advice that cannot work: " << r.err;
  r = cli({"status", "--watch", "--query", "/next"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("does not go with --watch"), std::string::npos) << r.err;

  // Mistakes say what to do, with their exit code.
  r = cli({"pause", "--name", "ext_nope"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no collection ext_nope in the config"), std::string::npos) << r.err;
  r = cli({"pause", "--name", "ext_dpe"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("did you mean local/default/ext_dep?"), std::string::npos) << r.err;
  r = cli({"pause", "--name", "ext_ok", "--admin-token-file", dir_.write("bad", "wrong\n")});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("refused the admin token"), std::string::npos) << r.err;
  r = cli({"status", "--url", "http://127.0.0.1:1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot reach the daemon at http://127.0.0.1:1"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("cli-admin-t0ken"), std::string::npos) << "never the token";
}

TEST_F(CliStatus, ATerminalGetsColoursAndWatchRedrawsInPlace) {
  const std::string command = std::string("MILVUS_REFRESHD_CONFIG=") + config_ + " TZ=UTC " +
                              REFRESHD_DAEMON_BINARY + " status --watch --interval 300ms";
  auto r = run({REFRESHD_TMUX, "-L", socket_, "new-session", "-d", "-s", "cli", "-x", "180", "-y",
                "30", command},
               {}, 10s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(poll_until([&] { return pane().find("NEXT") != std::string::npos; }, 10s, 50ms))
      << pane();
  auto screen = pane();
  EXPECT_NE(screen.find("status of http://127.0.0.1:" + std::to_string(port_)), std::string::npos)
      << screen;
  EXPECT_NE(screen.find("\033[31mfailing"), std::string::npos) << "red on a terminal\n" << screen;
  EXPECT_LT(screen.find("ext_bad"), screen.find("ext_ok")) << screen;
  // A change shows up in the same place: one table on the screen, never a scrolled second one.
  ASSERT_EQ(cli({"pause", "--name", "ext_ok", "--reason", "maint"}).exit_code, 0);
  ASSERT_TRUE(
      poll_until([&] { return pane().find("paused: maint") != std::string::npos; }, 10s, 50ms))
      << pane();
  screen = pane();
  EXPECT_EQ(screen.find("NEXT"), screen.rfind("NEXT")) << "redrawn in place\n" << screen;
  // Ctrl-C ends it cleanly: the session (its only window) goes away.
  run({REFRESHD_TMUX, "-L", socket_, "send-keys", "-t", "cli", "C-c"}, {}, 10s);
  EXPECT_TRUE(poll_until(
      [&] {
        return run({REFRESHD_TMUX, "-L", socket_, "has-session", "-t", "cli"}, {}, 10s).exit_code !=
               0;
      },
      10s, 50ms));
}

}  // namespace
}  // namespace refreshd::test
