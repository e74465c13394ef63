// The pure /proc parsers behind process_* (fixture text, no I/O) and one live reading.
#include <gtest/gtest.h>

#include <refreshd/metrics/metrics_process.hpp>

namespace refreshd::daemon {
namespace {

// A real /proc/<pid>/stat line with a command name that holds spaces and parentheses.
constexpr std::string_view stat_line =
    "26806 (my (odd) cmd) R 26803 26803 18349 0 -1 4194304 100 0 0 0 150 50 0 0 20 0 1 0 "
    "2041884 3133440 379 18446744073709551615 94794582851584 94794582871465 140727747813296 0 "
    "0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";

TEST(ProcParser, ReadsStatFieldsAfterTheLastParenthesisOfTheCommandName) {
  const auto f = parse_proc_pid_stat(stat_line);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->utime_ticks, 150u);
  EXPECT_EQ(f->stime_ticks, 50u);
  EXPECT_EQ(f->start_ticks, 2041884u);
  EXPECT_EQ(f->vsize_bytes, 3133440u);
  EXPECT_EQ(f->rss_pages, 379);
}

TEST(ProcParser, RejectsTruncatedOrNonNumericStat) {
  EXPECT_FALSE(parse_proc_pid_stat(""));
  EXPECT_FALSE(parse_proc_pid_stat("26806 cat R 1 2 3"));
  EXPECT_FALSE(parse_proc_pid_stat("26806 (cat) R 26803 26803 18349 0 -1 4194304 100 0 0 0"));
  EXPECT_FALSE(
      parse_proc_pid_stat("1 (x) R 1 1 1 0 -1 0 0 0 0 0 1x 50 0 0 20 0 1 0 2041884 3133440 379 0"));
}

TEST(ProcParser, ReadsBootTimeFromProcStat) {
  EXPECT_EQ(parse_boot_time("cpu  1 2 3\nintr 5 6\nbtime 1795317809\nprocesses 7\n"), 1795317809);
  EXPECT_EQ(parse_boot_time("btime 42"), 42);
  EXPECT_FALSE(parse_boot_time("cpu 1 2\nprocesses 7\n"));
  EXPECT_FALSE(parse_boot_time("btime x\n"));
}

TEST(ProcParser, ReadsTheSoftOpenFilesLimitAndIgnoresUnlimited) {
  constexpr std::string_view limits =
      "Limit                     Soft Limit           Hard Limit           Units     \n"
      "Max cpu time              unlimited            unlimited            seconds   \n"
      "Max open files            1024                 1048576              files     \n"
      "Max locked memory         8388608              8388608              bytes     \n";
  EXPECT_EQ(parse_max_open_files(limits), 1024u);
  EXPECT_FALSE(
      parse_max_open_files("Max open files            unlimited            unlimited "
                           "           files     \n"));
  EXPECT_FALSE(parse_max_open_files("Max cpu time              unlimited\n"));
}

TEST(ProcParser, SampleConvertsTicksPagesAndBootTime) {
  const auto s =
      make_process_sample(parse_proc_pid_stat(stat_line), 1795317809, 1024, 7, 100, 4096);
  EXPECT_DOUBLE_EQ(*s.cpu_seconds, 2.0);
  EXPECT_DOUBLE_EQ(*s.start_time_seconds, 1795317809 + 20418.84);
  EXPECT_DOUBLE_EQ(*s.resident_bytes, 379.0 * 4096);
  EXPECT_DOUBLE_EQ(*s.virtual_bytes, 3133440);
  EXPECT_DOUBLE_EQ(*s.open_fds, 7);
  EXPECT_DOUBLE_EQ(*s.max_fds, 1024);
}

TEST(ProcParser, SampleLeavesOutWhatCouldNotBeRead) {
  const auto s =
      make_process_sample(std::nullopt, std::nullopt, std::nullopt, std::nullopt, 100, 4096);
  EXPECT_FALSE(s.cpu_seconds || s.start_time_seconds || s.resident_bytes || s.virtual_bytes ||
               s.open_fds || s.max_fds);
  const auto no_boot =
      make_process_sample(parse_proc_pid_stat(stat_line), std::nullopt, std::nullopt, 3, 100, 4096);
  EXPECT_TRUE(no_boot.cpu_seconds.has_value());
  EXPECT_FALSE(no_boot.start_time_seconds.has_value());
}

TEST(ProcParser, LiveSampleOfThisProcessHasEveryValue) {
  const auto s = read_process_sample();
  ASSERT_TRUE(s.cpu_seconds && s.start_time_seconds && s.resident_bytes && s.virtual_bytes &&
              s.open_fds && s.max_fds);
  EXPECT_GT(*s.resident_bytes, 0);
  EXPECT_GE(*s.open_fds, 3);
}

}  // namespace
}  // namespace refreshd::daemon
