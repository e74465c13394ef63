// run --once: the exit-code precedence and the summary table.
#include <gtest/gtest.h>

#include <refreshd/daemon/run_command.hpp>

namespace refreshd::daemon {
namespace {

class OnceSummary : public ::testing::Test {
 protected:
  OnceSummary() {
    cluster_.name = "prod";
    for (const char* name : {"ext_a", "ext_b", "ext_c"}) {
      auto& c = collections_.emplace_back();
      c.name = name;
      c.database = "default";
    }
  }
  once_result result(std::size_t i, outcome_kind k, std::string message = {}) {
    once_result r;
    r.cluster = &cluster_;
    r.collection = &collections_[i];
    r.outcome.kind = k;
    r.outcome.message = std::move(message);
    return r;
  }

  config::cluster cluster_;
  std::vector<config::collection> collections_;
};

TEST_F(OnceSummary, ExitCodePrecedenceIsAuthThenUnsupportedThenFailure) {
  using k = outcome_kind;
  EXPECT_EQ(once_exit_code({}), 0);
  EXPECT_EQ(once_exit_code({result(0, k::completed), result(1, k::completed)}), 0);
  EXPECT_EQ(once_exit_code({result(0, k::completed), result(1, k::failed)}), 1);
  EXPECT_EQ(once_exit_code({result(0, k::misconfigured)}), 1);
  EXPECT_EQ(once_exit_code({result(0, k::gave_up)}), 1);
  EXPECT_EQ(once_exit_code({result(0, k::failed), result(1, k::unsupported)}), 3);
  EXPECT_EQ(
      once_exit_code({result(0, k::unsupported), result(1, k::auth_failed), result(2, k::failed)}),
      4);
}

TEST_F(OnceSummary, TableHasOneAlignedRowPerCollectionAndACount) {
  auto a = result(0, outcome_kind::completed);
  a.outcome.job = job_snapshot{};
  a.outcome.job->id = client::job_id{449503829274509311, false};
  a.outcome.job->start = wall_time(std::chrono::milliseconds(1'000'000));
  a.outcome.job->end = wall_time(std::chrono::milliseconds(1'090'000));
  auto text = once_summary({a, result(1, outcome_kind::failed, "no files found")});
  EXPECT_EQ(
      text,
      "CLUSTER  DATABASE  COLLECTION  RESULT     JOB                 DURATION  MESSAGE\n"
      "prod     default   ext_a       completed  449503829274509311  1m30s\n"
      "prod     default   ext_b       failed     -                   -         no files found\n"
      "1 of 2 collections completed\n");
}

TEST_F(OnceSummary, JsonHasTheSameRowsWithNullsWhereTheTableHasDashes) {
  auto a = result(0, outcome_kind::completed);
  a.outcome.job = job_snapshot{};
  a.outcome.job->id = client::job_id{9223372036854775807, false};
  a.outcome.job->start = wall_time(std::chrono::milliseconds(1'000'000));
  a.outcome.job->end = wall_time(std::chrono::milliseconds(1'090'000));
  EXPECT_EQ(once_summary_json({a, result(1, outcome_kind::failed, "no files found")}),
            R"({"collections":[{"cluster":"prod","collection":"ext_a","database":"default",)"
            R"("duration":"1m30s","job_id":9223372036854775807,"message":"","result":"completed"},)"
            R"({"cluster":"prod","collection":"ext_b","database":"default","duration":null,)"
            R"("job_id":null,"message":"no files found","result":"failed"}],"completed":1,)"
            R"("total":2})"
            "\n");
}

}  // namespace
}  // namespace refreshd::daemon
