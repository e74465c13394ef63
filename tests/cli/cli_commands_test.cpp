// The trigger / describe / list commands against a scripted fake API.
#include <sstream>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <refreshd/cli/api_commands.hpp>
#include <refreshd/cli/exit_codes.hpp>
#include <refreshd/cli/target.hpp>
#include <refreshd/test/fake_api.hpp>

namespace refreshd::daemon {
namespace {

using client::error_class;
using client::job_state;
using client::operation;
using test::fake_api;
using test::make_error;
using test::make_job;

class CliCommands : public ::testing::Test {
 protected:
  template <class Fn>
  int run(Fn fn) {
    net::io_context ioc;
    int rc = -1;
    net::co_spawn(
        ioc, [&]() -> awaitable<void> { rc = co_await fn(); },
        [](std::exception_ptr e) {
          if (e) {
            std::rethrow_exception(e);
          }
        });
    ioc.run();
    return rc;
  }
  int trigger(trigger_args args) {
    return run([&] { return run_trigger(api_, args, io()); });
  }
  static trigger_args args(bool wait = false, output_format fmt = output_format::text) {
    trigger_args a;
    a.request.collection = "ext_books";
    a.wait = wait;
    a.format = fmt;
    a.poll.poll_initial = std::chrono::milliseconds(1);
    a.poll.poll_max = std::chrono::milliseconds(4);
    return a;
  }
  cli_io io() { return cli_io{out_, err_, false}; }
  static list_args listing(std::string name, output_format fmt) {
    list_args a;
    a.request = {"", std::move(name)};
    a.format = fmt;
    return a;
  }

  fake_api api_;
  std::ostringstream out_;
  std::ostringstream err_;
};

constexpr std::int64_t big_id = 449503829274509311;

TEST_F(CliCommands, TriggerPrintsJobIdAfterConfirmingIt) {
  api_.list_answers.push_back(std::vector<client::job_info>{});  // nothing running
  api_.refresh_answers.push_back(client::job_id{big_id, false});
  api_.describe_answers.push_back(make_job(big_id, "ext_books", job_state::pending));
  EXPECT_EQ(trigger(args()), exit_ok);
  EXPECT_EQ(out_.str(), "triggered refresh of default/ext_books: job 449503829274509311\n");
  ASSERT_EQ(api_.calls.size(), 3u);
  EXPECT_EQ(api_.calls[0].op, operation::list);
  EXPECT_EQ(api_.calls[0].list.collection, "ext_books");
  EXPECT_EQ(api_.calls[1].refresh.collection, "ext_books");
  EXPECT_EQ(api_.calls[2].job.value, big_id);
}

TEST_F(CliCommands, TriggerJsonPrintsIntegerJobId) {
  api_.list_answers.push_back(std::vector<client::job_info>{});  // nothing running
  api_.refresh_answers.push_back(client::job_id{9223372036854775807, false});
  api_.describe_answers.push_back(make_job(9223372036854775807, "ext_books", job_state::pending));
  EXPECT_EQ(trigger(args(false, output_format::json)), exit_ok);
  EXPECT_EQ(out_.str(), "{\"job_id\":9223372036854775807}\n");
}

TEST_F(CliCommands, TriggerWaitFollowsJobToCompletion) {
  api_.list_answers.push_back(std::vector<client::job_info>{});  // nothing running
  api_.refresh_answers.push_back(client::job_id{big_id, false});
  api_.describe_answers.push_back(make_job(big_id, "ext_books", job_state::pending));
  api_.describe_answers.push_back(make_job(big_id, "ext_books", job_state::pending));
  api_.describe_answers.push_back(make_job(big_id, "ext_books", job_state::in_progress, 40));
  api_.describe_answers.push_back(make_job(big_id, "ext_books", job_state::completed, 100));
  EXPECT_EQ(trigger(args(true)), exit_ok);
  auto out = out_.str();
  EXPECT_NE(out.find("job 449503829274509311: RefreshInProgress 40%"), std::string::npos) << out;
  EXPECT_NE(out.find("state:      RefreshCompleted"), std::string::npos) << out;
  EXPECT_EQ(api_.count(operation::describe), 4u);
}

TEST_F(CliCommands, TriggerWaitOnFailedJobPrintsReasonVerbatimAndExitsOne) {
  api_.list_answers.push_back(std::vector<client::job_info>{});  // nothing running
  const std::string reason = "no files found in external source: s3://bucket/bad/ \"quoted\"";
  api_.refresh_answers.push_back(client::job_id{big_id, false});
  api_.describe_answers.push_back(make_job(big_id, "ext_books", job_state::pending));
  api_.describe_answers.push_back(make_job(big_id, "ext_books", job_state::failed, 60, reason));
  EXPECT_EQ(trigger(args(true)), exit_failed);
  EXPECT_NE(err_.str().find("failed: " + reason + "\n"), std::string::npos) << err_.str();
  EXPECT_NE(out_.str().find("reason:     " + reason + "\n"), std::string::npos) << out_.str();
}

TEST_F(CliCommands, RunningJobFoundByListIsAdoptedWithoutTriggering) {
  api_.list_answers.push_back(std::vector{make_job(7, "ext_books", job_state::in_progress, 50)});
  api_.describe_answers.push_back(make_job(7, "ext_books", job_state::completed, 100));
  EXPECT_EQ(trigger(args(true)), exit_ok);
  EXPECT_EQ(api_.count(operation::refresh), 0u);
  EXPECT_NE(err_.str().find("already running: job 7"), std::string::npos) << err_.str();
}

TEST_F(CliCommands, ListFailureBeforeTriggerIsReported) {
  api_.list_answers.push_back(make_error(error_class::unsupported, "404 page not found", 0, 404));
  EXPECT_EQ(trigger(args()), exit_unsupported);
  EXPECT_EQ(api_.count(operation::refresh), 0u);
}

TEST_F(CliCommands, DuplicateRejectionAdoptsRunningJobWhenWaiting) {
  api_.list_answers.push_back(std::vector<client::job_info>{});  // nothing running
  api_.refresh_answers.push_back(
      make_error(error_class::duplicate, "refresh job 7 is already in progress", 1100));
  api_.list_answers.push_back(std::vector{make_job(7, "ext_books", job_state::in_progress, 50),
                                          make_job(6, "ext_books", job_state::completed, 100)});
  api_.describe_answers.push_back(make_job(7, "ext_books", job_state::completed, 100));
  EXPECT_EQ(trigger(args(true)), exit_ok);
  EXPECT_NE(err_.str().find("already running: job 7"), std::string::npos) << err_.str();
  EXPECT_EQ(api_.count(operation::refresh), 1u);
  EXPECT_EQ(api_.calls[3].job.value, 7);
}

TEST_F(CliCommands, DuplicateRejectionWithoutWaitExitsOneAndNamesRunningJob) {
  api_.list_answers.push_back(std::vector<client::job_info>{});  // nothing running
  api_.refresh_answers.push_back(make_error(error_class::duplicate, "task duplicates", 703));
  api_.list_answers.push_back(std::vector{make_job(7, "ext_books", job_state::pending)});
  EXPECT_EQ(trigger(args(false)), exit_failed);
  EXPECT_NE(err_.str().find("already running: job 7"), std::string::npos) << err_.str();
  EXPECT_EQ(api_.count(operation::refresh), 1u);
}

TEST_F(CliCommands, SilentlyDroppedTriggerIsReplacedByTheActiveJob) {
  api_.list_answers.push_back(std::vector<client::job_info>{});  // nothing running
  api_.refresh_answers.push_back(client::job_id{99, false});
  api_.describe_answers.push_back(
      make_error(error_class::job_not_found, "refresh job 99 not found"));
  api_.list_answers.push_back(std::vector{make_job(42, "ext_books", job_state::in_progress, 10)});
  api_.describe_answers.push_back(make_job(42, "ext_books", job_state::completed, 100));
  EXPECT_EQ(trigger(args(true)), exit_ok);
  EXPECT_EQ(api_.calls.back().job.value, 42);
  EXPECT_EQ(api_.count(operation::refresh), 1u);
}

TEST_F(CliCommands, LostTriggerWithNoActiveJobExitsOne) {
  api_.list_answers.push_back(std::vector<client::job_info>{});  // nothing running
  api_.refresh_answers.push_back(client::job_id{99, false});
  api_.describe_answers.push_back(make_error(error_class::job_not_found, "not found"));
  api_.list_answers.push_back(std::vector<client::job_info>{});
  EXPECT_EQ(trigger(args(true)), exit_failed);
  EXPECT_NE(err_.str().find("trigger lost"), std::string::npos) << err_.str();
}

TEST_F(CliCommands, UnsupportedClusterExitsThreeWithUpgradeHint) {
  api_.list_answers.push_back(std::vector<client::job_info>{});  // nothing running
  api_.refresh_answers.push_back(
      make_error(error_class::unsupported, "404 page not found", 0, 404));
  EXPECT_EQ(trigger(args()), exit_unsupported);
  EXPECT_NE(err_.str().find("upgrade the cluster"), std::string::npos) << err_.str();
}

TEST_F(CliCommands, AuthenticationFailureExitsFour) {
  api_.list_answers.push_back(std::vector<client::job_info>{});  // nothing running
  api_.refresh_answers.push_back(
      make_error(error_class::unauthenticated, "user hasn't authenticated", 1800, 401));
  EXPECT_EQ(trigger(args()), exit_auth);
  EXPECT_NE(err_.str().find("hasn't authenticated"), std::string::npos);
}

TEST_F(CliCommands, WaitRetriesTransientDescribeErrors) {
  api_.list_answers.push_back(std::vector<client::job_info>{});  // nothing running
  api_.refresh_answers.push_back(client::job_id{5, false});
  api_.describe_answers.push_back(make_job(5, "ext_books", job_state::pending));
  api_.describe_answers.push_back(make_error(error_class::transient, "HTTP 503", 0, 503));
  api_.describe_answers.push_back(make_error(error_class::transient, "reset"));
  api_.describe_answers.push_back(make_job(5, "ext_books", job_state::completed, 100));
  EXPECT_EQ(trigger(args(true)), exit_ok);
}

TEST_F(CliCommands, WaitGivesUpAfterNonRetryableDescribeError) {
  api_.list_answers.push_back(std::vector<client::job_info>{});  // nothing running
  api_.refresh_answers.push_back(client::job_id{5, false});
  api_.describe_answers.push_back(make_job(5, "ext_books", job_state::pending));
  api_.describe_answers.push_back(make_error(error_class::invalid, "bad", 1801));
  EXPECT_EQ(trigger(args(true)), exit_failed);
}

TEST_F(CliCommands, DescribeJsonKeepsFullInt64Precision) {
  api_.describe_answers.push_back(
      make_job(9223372036854775807, "ext_books", job_state::failed, 60, "boom"));
  int rc = run([&] {
    return run_describe(api_, client::job_id{9223372036854775807, false}, output_format::json,
                        io());
  });
  EXPECT_EQ(rc, exit_ok);
  EXPECT_NE(out_.str().find("\"job_id\":9223372036854775807"), std::string::npos) << out_.str();
  auto j = nlohmann::json::parse(out_.str());
  EXPECT_EQ(j["job_id"].get<std::int64_t>(), 9223372036854775807);
  EXPECT_EQ(j["reason"], "boom");
  EXPECT_EQ(j["state"], "RefreshFailed");
  EXPECT_FALSE(j.contains("external_spec"));
}

TEST_F(CliCommands, DescribeUnknownJobExitsOne) {
  api_.describe_answers.push_back(
      make_error(error_class::job_not_found, "refresh job 1 not found"));
  int rc = run([&] {
    return run_describe(api_, client::job_id{1, false}, output_format::text, io());
  });
  EXPECT_EQ(rc, exit_failed);
  EXPECT_NE(err_.str().find("not found"), std::string::npos);
}

TEST_F(CliCommands, ListRendersTableAndJson) {
  std::vector jobs{make_job(big_id, "ext_books", job_state::in_progress, 42),
                   make_job(big_id - 1, "ext_books", job_state::failed, 10, "bucket missing")};
  api_.list_answers.push_back(jobs);
  int rc = run([&] { return run_list(api_, listing("ext_books", output_format::text), io()); });
  EXPECT_EQ(rc, exit_ok);
  EXPECT_NE(out_.str().find("449503829274509311"), std::string::npos);
  EXPECT_NE(out_.str().find("bucket missing"), std::string::npos);
  out_.str("");
  api_.list_answers.push_back(jobs);
  rc = run([&] { return run_list(api_, listing("ext_books", output_format::json), io()); });
  auto j = nlohmann::json::parse(out_.str());
  ASSERT_EQ(j["jobs"].size(), 2u);
  EXPECT_EQ(j["jobs"][0]["job_id"].get<std::int64_t>(), big_id);
  EXPECT_TRUE(j["jobs"][0]["end_time"].is_null());
}

TEST_F(CliCommands, EmptyListSaysSo) {
  api_.list_answers.push_back(std::vector<client::job_info>{});
  run([&] { return run_list(api_, listing("", output_format::text), io()); });
  EXPECT_EQ(out_.str(), "no refresh jobs\n");
}

TEST_F(CliCommands, ListFiltersByStateThenLimitsNewestFirst) {
  api_.list_answers.push_back(std::vector{
      make_job(9, "a", job_state::completed, 100), make_job(8, "b", job_state::in_progress, 5),
      make_job(7, "c", job_state::pending), make_job(6, "d", job_state::in_progress, 50),
      make_job(5, "e", job_state::failed, 1, "x")});
  auto a = listing("", output_format::json);
  a.states = parse_state_filter("Pending,InProgress");
  a.limit = 2;
  ASSERT_EQ(run([&] { return run_list(api_, a, io()); }), exit_ok);
  auto j = nlohmann::json::parse(out_.str());
  ASSERT_EQ(j["jobs"].size(), 2u) << out_.str();
  EXPECT_EQ(j["jobs"][0]["job_id"], 8);
  EXPECT_EQ(j["jobs"][1]["job_id"], 7);
}

TEST(StateFilter, TakesTheServersNamesWithOrWithoutPrefixAndRefusesOthers) {
  EXPECT_EQ(parse_state_filter("Pending,InProgress"),
            (std::vector{job_state::pending, job_state::in_progress}));
  EXPECT_EQ(parse_state_filter("RefreshCompleted,failed"),
            (std::vector{job_state::completed, job_state::failed}));
  try {
    parse_state_filter("Pending,Done");
    FAIL() << "Done is no state";
  } catch (const usage_error& e) {
    EXPECT_NE(std::string(e.what()).find("--state Done: not a job state"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(parse_state_filter(""), usage_error);
  EXPECT_THROW(parse_state_filter("Pending,"), usage_error);
}

TEST_F(CliCommands, WaitGivesUpAtTheTotalTimeoutAndPrintsTheRunningJob) {
  api_.list_answers.push_back(std::vector<client::job_info>{});  // nothing running
  api_.refresh_answers.push_back(client::job_id{big_id, false});
  for (int i = 0; i < 10000; ++i) {  // far more than 50 ms of 1 ms polls can use
    api_.describe_answers.push_back(make_job(big_id, "ext_books", job_state::in_progress, 42));
  }
  auto a = args(true, output_format::json);
  a.timeout_total = std::chrono::milliseconds(50);
  a.progress = false;
  EXPECT_EQ(trigger(a), exit_failed);
  auto j = nlohmann::json::parse(out_.str());  // one document: the job as last seen
  EXPECT_EQ(j["job_id"].get<std::int64_t>(), big_id);
  EXPECT_EQ(j["state"], "RefreshInProgress");
  EXPECT_NE(err_.str().find("gave up waiting after 50ms (--timeout-total): job "
                            "449503829274509311 of default/ext_books is RefreshInProgress (42%) "
                            "and keeps running on the server"),
            std::string::npos)
      << err_.str();
  EXPECT_EQ(err_.str().find("job 449503829274509311: RefreshInProgress"), std::string::npos)
      << "no progress lines when switched off";
  EXPECT_LT(api_.count(operation::describe), 10000u);
}

TEST_F(CliCommands, NotFoundGetsTheContextsHint) {
  api_.list_answers.push_back(make_error(error_class::not_found, "collection not found", 100));
  auto hinted = io();
  hinted.not_found_hint =
      "ext_bokos is not in the config either; did you mean x/default/ext_books?";
  const auto a = args();  // outlives the coroutine, which holds a reference
  EXPECT_EQ(run([&] { return run_trigger(api_, a, hinted); }), exit_failed);
  EXPECT_NE(err_.str().find("hint: ext_bokos is not in the config either; did you mean "
                            "x/default/ext_books?\n"),
            std::string::npos)
      << err_.str();
}

TEST(Render, FormatsEpochMillisecondsAsRfc3339Utc) {
  EXPECT_EQ(format_epoch_ms(1'795'000'000'123), "2026-11-18T11:06:40.123Z");
  EXPECT_EQ(format_epoch_ms(0), "");
}

TEST(Render, FormatsDurations) {
  EXPECT_EQ(format_duration_ms(850), "850ms");
  EXPECT_EQ(format_duration_ms(12'345), "12s345ms");
  EXPECT_EQ(format_duration_ms(3'723'000), "1h2m3s");
  EXPECT_EQ(format_duration_ms(125'000), "2m5s");
}

TEST(Render, ProgressLinesOnlyOnChangeWithoutTty) {
  std::ostringstream out;
  progress_display bar(out, false);
  auto j = make_job(1, "c", job_state::in_progress, 10);
  bar.update(j, 100);
  bar.update(j, 200);
  j.progress = 20;
  bar.update(j, 300);
  EXPECT_EQ(out.str(),
            "job 1: RefreshInProgress 10% (100ms)\njob 1: RefreshInProgress 20% (300ms)\n");
}

TEST(Render, ProgressBarRedrawsOnTty) {
  std::ostringstream out;
  progress_display bar(out, true);
  bar.update(make_job(1, "c", job_state::in_progress, 50), 1000);
  bar.finish();
  EXPECT_NE(out.str().find("\r\033[K[###############...............]  50% RefreshInProgress"),
            std::string::npos)
      << out.str();
  EXPECT_EQ(out.str().back(), '\n');
}

}  // namespace
}  // namespace refreshd::daemon
