// The state file of pauses (daemon/pause_store.hpp, docs/OPERATIONS.md "Pause"): what save()
// writes load() reads back; a change replaces the file whole; an unwritable state_dir is an error
// that changes nothing; a damaged file is refused with its name and the problem.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <refreshd/daemon/pause_store.hpp>

namespace refreshd::daemon {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class PauseStore : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("refreshd-pauses-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::optional<std::string> save(file_pause_store& s, const std::string& key,
                                  std::optional<pause_record> r) {
    net::io_context ioc;
    std::optional<std::optional<std::string>> out;
    net::co_spawn(ioc, s.save(key, std::move(r)),
                  [&](std::exception_ptr e, std::optional<std::string> v) {
                    if (e) {
                      std::rethrow_exception(e);
                    }
                    out = std::move(v);
                  });
    ioc.run();
    return out.value();
  }
  std::string file_text() const {
    std::ifstream in(dir_ / "pauses.json");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  fs::path dir_;
};

const pause_record migration{"lake migration \"v2\"", wall_time(1'795'341'600'123ms), false};
const pause_record quarantine{"quarantined after 3 failed refreshes in a row; last: x",
                              wall_time(1'795'341'700'000ms), true};

TEST_F(PauseStore, WhatIsSavedIsLoadedBack) {
  file_pause_store s(dir_);
  EXPECT_TRUE(s.load().empty()) << "no file yet: nothing paused";
  ASSERT_FALSE(save(s, "prod/default/a", migration));
  ASSERT_FALSE(save(s, "prod/hr/b", quarantine));
  file_pause_store again(dir_);
  const auto book = again.load();
  ASSERT_EQ(book.size(), 2U);
  EXPECT_EQ(book.at("prod/default/a"), migration);
  EXPECT_EQ(book.at("prod/hr/b"), quarantine);
  EXPECT_NE(file_text().find("\"at\": \"2026-11-22T10:00:00.123Z\""), std::string::npos)
      << file_text();
  ASSERT_FALSE(save(again, "prod/default/a", std::nullopt));
  EXPECT_EQ(file_pause_store(dir_).load().size(), 1U);
  EXPECT_FALSE(fs::exists(dir_ / ".pauses.json.tmp")) << "no temporary file left";
}

TEST_F(PauseStore, AReasonThatIsNotUtf8IsSavedReplacedNotThrown) {
  file_pause_store s(dir_);
  pause_record r = quarantine;
  r.reason = "last: bad \xff\xfe bytes";
  ASSERT_FALSE(save(s, "prod/default/a", r));
  const auto book = file_pause_store(dir_).load();
  EXPECT_EQ(book.at("prod/default/a").reason, "last: bad \ufffd\ufffd bytes");
  EXPECT_NE(pause_record_json(r).find("\ufffd"), std::string::npos) << pause_record_json(r);
}

TEST_F(PauseStore, AStateDirThatCannotBeWrittenIsAnErrorThatChangesNothing) {
  // A regular file where the directory should be: refused even to root (CI runs as root).
  file_pause_store s(dir_);
  ASSERT_FALSE(save(s, "prod/default/a", migration));
  fs::rename(dir_ / "pauses.json", dir_ / "kept.json");
  std::ofstream(dir_ / ".pauses.json.tmp");    // a stale temporary file is replaced
  fs::create_directory(dir_ / "pauses.json");  // the rename over it fails (EISDIR)
  const auto error = save(s, "prod/default/b", migration);
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find(dir_.string()), std::string::npos) << *error;
  EXPECT_NE(error->find("rename"), std::string::npos) << *error;
  EXPECT_FALSE(fs::exists(dir_ / ".pauses.json.tmp")) << "the temporary file is removed";
  fs::remove(dir_ / "pauses.json");
  ASSERT_FALSE(save(s, "prod/default/c", migration)) << "the failed change was not kept";
  const auto book = file_pause_store(dir_).load();
  EXPECT_TRUE(book.contains("prod/default/a"));
  EXPECT_FALSE(book.contains("prod/default/b"));
  EXPECT_TRUE(book.contains("prod/default/c"));
}

TEST_F(PauseStore, AMissingStateDirIsAnErrorNamingIt) {
  file_pause_store s(dir_ / "absent" / "deeper");
  EXPECT_TRUE(s.load().empty());
  const auto error = save(s, "prod/default/a", migration);
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find("absent/deeper"), std::string::npos) << *error;
  EXPECT_NE(error->find("state_dir must be a directory the daemon can write"), std::string::npos);
}

TEST_F(PauseStore, ADamagedFileIsRefusedWithItsNameAndTheProblem) {
  const auto refused = [&](const std::string& text, const std::string& problem) {
    std::ofstream(dir_ / "pauses.json") << text;
    try {
      file_pause_store(dir_).load();
      ADD_FAILURE() << "accepted: " << text;
    } catch (const std::runtime_error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find((dir_ / "pauses.json").string()), std::string::npos) << what;
      EXPECT_NE(what.find(problem), std::string::npos) << what;
    }
  };
  refused("{\"version\": 1, \"paused\": {", "not valid JSON");
  refused("[]", "expected {\"version\": 1");
  refused("{\"version\": 2, \"paused\": {}}", "expected {\"version\": 1");
  refused(R"({"version":1,"paused":{"p/d/a":{"reason":3,"at_ms":1}}})",
          "paused.p/d/a: 'reason' must be a string");
  refused(R"({"version":1,"paused":{"p/d/a":{"reason":"x"}}})", "'at_ms' must be an integer");
  refused(R"({"version":1,"paused":{"p/d/a":{"reason":"x","at_ms":1,"quarantined":"yes"}}})",
          "'quarantined' must be true or false");
  refused(R"({"version":1,"paused":{"p/d/a":{"reason":")" + std::string(2000, 'x') +
              R"(","at_ms":1}}})",
          "longer than 1024");
}

}  // namespace
}  // namespace refreshd::daemon
