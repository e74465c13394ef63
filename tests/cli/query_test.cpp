// --query (docs/CLI.md "--query"): one value of a JSON answer, bare, or exit 2 naming the path.
#include <sstream>

#include <gtest/gtest.h>

#include <refreshd/cli/exit_codes.hpp>
#include <refreshd/cli/query.hpp>
#include <refreshd/cli/target.hpp>

namespace refreshd::daemon {
namespace {

const std::string answer =
    R"({"job_id":9223372036854775807,"state":"RefreshInProgress","progress":42,"ratio":0.25,)"
    R"("ok":true,"reason":null,"a/b":"slash","jobs":[{"state":"RefreshFailed"},{"state":"x"}],)"
    R"("empty":[],"bell":"ring\u0007")";

struct queried {
  int rc;
  std::string out;
  std::string err;
};

queried query(const std::string& path, bool tty = false, const std::string& doc = answer + "}") {
  std::ostringstream out;
  std::ostringstream err;
  const int rc = print_query(path, doc, out, err, tty);
  return {rc, out.str(), err.str()};
}

TEST(Query, PrintsValuesBare) {
  EXPECT_EQ(query("/job_id").out, "9223372036854775807\n");  // int64 exact
  EXPECT_EQ(query("/state").out, "RefreshInProgress\n");     // no quotes
  EXPECT_EQ(query("/progress").out, "42\n");
  EXPECT_EQ(query("/ratio").out, "0.25\n");
  EXPECT_EQ(query("/ok").out, "true\n");
  EXPECT_EQ(query("/reason").out, "null\n");
  EXPECT_EQ(query("/a~1b").out, "slash\n");  // RFC 6901 escape
  EXPECT_EQ(query("/jobs/1/state").out, "x\n");
  EXPECT_EQ(query("/jobs/0").out, "{\"state\":\"RefreshFailed\"}\n");  // compact JSON
  EXPECT_EQ(query("/empty").out, "[]\n");
  EXPECT_EQ(query("/bell").out, "ring\a\n") << "raw for scripts";
  EXPECT_EQ(query("/bell", true).out, "ring\\x07\n") << "never raw on a terminal";
  EXPECT_EQ(query("/progress").rc, exit_ok);
}

TEST(Query, AMissingPathIsExitTwoNamingItAndWhatIsThere) {
  auto q = query("/stat");
  EXPECT_EQ(q.rc, exit_usage);
  EXPECT_EQ(q.out, "") << "not an empty line";
  EXPECT_NE(
      q.err.find("--query /stat: not in the answer; the answer has a/b, bell, empty, job_id,"),
      std::string::npos)
      << q.err;
  EXPECT_NE(q.err.find("did you mean /state?"), std::string::npos) << q.err;
  q = query("/jobs/2/state");
  EXPECT_EQ(q.rc, exit_usage);
  EXPECT_NE(q.err.find("/jobs is an array of 2 (indexes 0 to 1)"), std::string::npos) << q.err;
  EXPECT_NE(query("/empty/0").err.find("/empty is an empty array"), std::string::npos);
  EXPECT_NE(query("/progress/x").err.find("/progress is a number"), std::string::npos);
  EXPECT_EQ(query("/jobs/99999999999999999999999").rc, exit_usage);
  EXPECT_EQ(query("/jobs/-").rc, exit_usage);
  EXPECT_EQ(query("/state", false, "not json").rc, exit_failed);
}

TEST(Query, APathThatIsNoPointerIsAUsageErrorBeforeAnything) {
  EXPECT_NO_THROW(check_query(""));  // the whole answer
  EXPECT_NO_THROW(check_query("/jobs/0/state"));
  try {
    check_query("jobs/0");
    FAIL() << "no leading /";
  } catch (const usage_error& e) {
    EXPECT_NE(std::string(e.what()).find("--query jobs/0: not a JSON Pointer (RFC 6901)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(check_query("/a~2"), usage_error);
}

TEST(Query, WithQueryKeepsTheCommandsFailure) {
  std::ostringstream out;
  std::ostringstream err;
  const auto failing = [](std::ostream& o) {
    o << R"({"job_id":5,"state":"RefreshFailed"})" << '\n';
    return int(exit_failed);
  };
  EXPECT_EQ(with_query(std::string("/state"), out, err, false, failing), exit_failed);
  EXPECT_EQ(out.str(), "RefreshFailed\n");
  out.str("");
  EXPECT_EQ(with_query(std::string("/state"), out, err, false,
                       [](std::ostream&) { return int(exit_auth); }),
            exit_auth);
  EXPECT_EQ(out.str(), "");
  EXPECT_EQ(with_query(std::nullopt, out, err, false,
                       [](std::ostream& o) {
                         o << "text";
                         return 0;
                       }),
            0);
  EXPECT_EQ(out.str(), "text");
}

}  // namespace
}  // namespace refreshd::daemon
