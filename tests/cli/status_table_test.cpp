// `status` as a table (cli/daemon_commands.hpp): failures first, then by next run; the phase
// column explains; colours only when asked; spans like systemctl's.
#include <cstdlib>

#include <gtest/gtest.h>

#include <refreshd/cli/daemon_commands.hpp>

namespace refreshd::daemon {
namespace {

using namespace std::chrono_literals;

// 2026-11-22T10:00:00Z.
const auto now = std::chrono::system_clock::time_point(1'795'341'600s);

const char* const doc = R"({"version":"0.1.0","ready":true,"total":6,"matched":5,"next":null,
 "collections":[
  {"cluster":"prod","database":"default","collection":"idle_one","status":"idle",
   "next_run":"2026-11-22T10:30:00.000Z","last_success":"2026-11-22T09:58:00.000Z","job":null},
  {"cluster":"prod","database":"default","collection":"soon","status":"idle",
   "next_run":"2026-11-22T10:00:45.000Z","last_success":null,"job":null},
  {"cluster":"prod","database":"default","collection":"broken","status":"failing",
   "next_run":"2026-11-22T11:00:00.000Z","last_success":null,"job":null,
   "last_failure_reason":"no parquet files under s3://lake/b/\nsecond line"},
  {"cluster":"prod","database":"default","collection":"busy","status":"running",
   "next_run":null,"last_success":null,"job":{"state":"RefreshInProgress","progress":42}},
  {"cluster":"prod","database":"hr","collection":"held","status":"idle","next_run":null,
   "last_success":null,"job":null,"upstream":{"state":"held","collection":"prod/default/broken"}},
  {"cluster":"prod","database":"hr","collection":"off","status":"paused","next_run":null,
   "last_success":null,"job":null,"pause":{"reason":"lake migration","quarantined":false}}
 ]})";

TEST(StatusTable, FailuresFirstThenPausedThenBySoonestRun) {
  ::setenv("TZ", "UTC", 1);
  const auto text = status_table(doc, now, false);
  const auto at = [&](const char* s) { return text.find(s); };
  ASSERT_NE(at("NEXT"), std::string::npos) << text;
  EXPECT_LT(at("prod/default/broken"), at("prod/hr/off"));
  EXPECT_LT(at("prod/hr/off"), at("prod/default/soon"));
  EXPECT_LT(at("prod/default/soon"), at("prod/default/idle_one"));
  EXPECT_LT(at("prod/default/idle_one"), at("prod/default/busy")) << "no planned run: last";
  EXPECT_NE(at("2026-11-22 10:00:45  45s"), std::string::npos) << text;
  EXPECT_NE(at("2026-11-22 09:58:00  2min"), std::string::npos) << text;
  EXPECT_NE(at("no parquet files under s3://lake/b/ "), std::string::npos) << "first line only";
  EXPECT_EQ(at("second line"), std::string::npos);
  EXPECT_NE(at("refreshing 42 %"), std::string::npos);
  EXPECT_NE(at("held: upstream prod/default/broken failed"), std::string::npos);
  EXPECT_NE(at("paused: lake migration"), std::string::npos);
  EXPECT_NE(at("6 collections listed, 1 with problems, 1 paused."), std::string::npos) << text;
  EXPECT_EQ(at("\033["), std::string::npos) << "no colour unless asked";
}

TEST(StatusTable, ColoursTheStatusColumnOnly) {
  const auto text = status_table(doc, now, true);
  EXPECT_NE(text.find("\033[31mfailing\033[0m"), std::string::npos) << text;
  EXPECT_NE(text.find("\033[36mrunning\033[0m"), std::string::npos);
  EXPECT_NE(text.find("\033[33mpaused\033[0m"), std::string::npos);
  // Columns stay aligned: the padding follows the reset, not the escape codes.
  const auto line_of = [&](const std::string& name) {
    const auto end = text.find(name);
    return text.substr(text.rfind('\n', end) + 1, end - text.rfind('\n', end) - 1);
  };
  const auto plain = status_table(doc, now, false);
  const auto plain_line = [&](const std::string& name) {
    const auto end = plain.find(name);
    return plain.substr(plain.rfind('\n', end) + 1, end - plain.rfind('\n', end) - 1);
  };
  EXPECT_EQ(line_of("prod/default/broken").size(),
            plain_line("prod/default/broken").size() + std::string("\033[31m\033[0m").size());
}

TEST(StatusTable, AnAnswerItCannotReadIsSaidSo) {
  EXPECT_NE(status_table("not json", now, false).find("not what this version reads"),
            std::string::npos);
  EXPECT_NE(status_table(R"({"collections":{}})", now, false).find("not what this version reads"),
            std::string::npos);
}

TEST(StatusTable, MembersOfTheWrongTypeOrMissingAreShownAsUnknownNotACrash) {
  const auto text = status_table(
      R"({"total":"x","collections":[3, null, {"status": 7, "next_run": 5, "job": [],
          "pause": {"reason": 1, "quarantined": "yes"}, "upstream": {"state": "held"},
          "cluster": {}}, {"status":"running","job":{"progress":"a"}}, {"status":"failing"}]})",
      now, false);
  EXPECT_NE(text.find("5 collections listed"), std::string::npos) << text;
  EXPECT_NE(text.find("refreshing 0 %"), std::string::npos) << text;
}

TEST(StatusTable, SpansReadLikeSystemctls) {
  EXPECT_EQ(short_span(-5s), "0s");
  EXPECT_EQ(short_span(59s), "59s");
  EXPECT_EQ(short_span(60s), "1min");
  EXPECT_EQ(short_span(125s), "2min 5s");
  EXPECT_EQ(short_span(3600s + 180s), "1h 3min");
  EXPECT_EQ(short_span(2 * 86400s + 4 * 3600s + 5s), "2d 4h");
}

}  // namespace
}  // namespace refreshd::daemon
