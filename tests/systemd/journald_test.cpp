// Logging under systemd (docs/DAEMON.md "Logging", docs/SYSTEMD.md "journald"): when
// $JOURNAL_STREAM names the daemon's stderr, text lines start with a "<N>" priority (sd-daemon(3))
// instead of a time stamp; otherwise, and for json lines, nothing changes. The real daemon, the
// real simulator.
#include <csignal>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "systemd_support.hpp"

namespace refreshd::test {
namespace {

using namespace std::chrono_literals;

// systemd sets JOURNAL_STREAM=<st_dev>:<st_ino> of the stream it connected to stdout/stderr.
// A shell puts the same in front of the daemon for the pipe the test reads.
constexpr const char* as_journal_stream =
    "JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2); export JOURNAL_STREAM; "
    "exec \"$0\" \"$@\"";

class Journald : public ::testing::Test {
 protected:
  void SetUp() override {
    sim_.reset();
    sim_.add_collection({{"name", "ext_a"}});
    // An external_spec format the loader does not know: a config warning, logged at startup at
    // warn level (the text test checks its journald priority).
    config_ = dir_.write("config.yaml",
                         daemon_config(sim_, "  schedule: \"@daily\"\n", "    token: \"\"\n",
                                       "      - name: ext_a\n"
                                       "        external_source: s3://bucket/books/\n"
                                       "        external_spec: '{\"format\":\"csv\"}'\n"));
  }
  /// Runs the daemon until ready, stops it and returns its stderr lines.
  std::vector<std::string> run_daemon(const std::string& format, bool journal_stream,
                                      std::vector<std::string> env = {}) {
    std::vector<std::string> argv{REFRESHD_DAEMON_BINARY, "run",  "-c",          config_,
                                  "--log-format",         format, "--log-level", "debug"};
    if (journal_stream) {
      argv.insert(argv.begin(), {"/bin/sh", "-c", as_journal_stream});
    }
    env.insert(env.begin(), {"NOTIFY_SOCKET=", "JOURNAL_STREAM="});
    child_process d(argv, env);
    const bool ready = poll_until(
        [&] {
          d.wait_for_err_line([](std::string_view) { return false; }, 5ms);  // reads what is there
          return d.err().find("startup reconciliation done; ready") != std::string::npos;
        },
        15s);
    EXPECT_TRUE(ready) << d.err();
    d.send_signal(SIGTERM);
    auto r = d.wait(9s);
    EXPECT_TRUE(r && r->exit_code == 0) << d.err();
    std::vector<std::string> lines;
    std::istringstream in(r ? r->err : d.err());
    for (std::string line; std::getline(in, line);) {
      lines.push_back(line);
    }
    EXPECT_GE(lines.size(), 4u) << d.err();
    return lines;
  }
  static const std::string* find(const std::vector<std::string>& lines, std::string_view text) {
    for (const auto& l : lines) {
      if (l.find(text) != std::string::npos) {
        return &l;
      }
    }
    return nullptr;
  }

  sim_process sim_;
  temp_dir dir_;
  std::string config_;
};

TEST_F(Journald, TextLinesStartWithTheirPriorityInsteadOfATimeStamp) {
  const auto lines = run_daemon("text", true);
  const std::regex prefixed("<[2-7]>[^<\\s].*");
  for (const auto& l : lines) {
    EXPECT_TRUE(std::regex_match(l, prefixed)) << l;
  }
  const auto* starting = find(lines, "milvus-refreshd starting");
  ASSERT_NE(starting, nullptr);
  EXPECT_EQ(starting->rfind("<6>milvus-refreshd starting ", 0), 0u) << *starting;  // info
  const auto* warning = find(lines, "external_spec \"format\" is not one of");
  ASSERT_NE(warning, nullptr);
  EXPECT_EQ(warning->rfind("<4>", 0), 0u) << *warning;  // warn
  const auto* listing = find(lines, "startup: listing jobs");
  ASSERT_NE(listing, nullptr);
  EXPECT_EQ(listing->rfind("<7>", 0), 0u) << *listing;  // debug
}

TEST_F(Journald, JournalStreamOfAnotherFileKeepsTheTimeStamps) {
  const auto lines = run_daemon("text", false, {"JOURNAL_STREAM=1:1"});
  const std::regex stamped(
      "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z "
      "(trace|debug|info|warn|error|critical) .*");
  for (const auto& l : lines) {
    EXPECT_TRUE(std::regex_match(l, stamped)) << l;
  }
}

TEST_F(Journald, JsonLinesAreUnchangedUnderTheJournal) {
  const auto lines = run_daemon("json", true);
  for (const auto& l : lines) {
    const auto j = nlohmann::json::parse(l, nullptr, false);
    ASSERT_TRUE(j.is_object()) << l;
    EXPECT_TRUE(j.contains("time") && j.contains("level") && j.contains("msg")) << l;
  }
}

}  // namespace
}  // namespace refreshd::test
