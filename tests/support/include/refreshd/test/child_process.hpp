#pragma once
// Run the real binaries from tests: capture stdout/stderr through pipes, wait with deadlines.
// Waiting is event-driven (poll(2) on the pipes), never a fixed sleep.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace refreshd::test {

struct process_result {
  int exit_code = -1;  ///< -1 when killed by a signal
  int term_signal = 0;
  long max_rss_kib = 0;  ///< peak resident set size (getrusage ru_maxrss)
  std::string out;
  std::string err;
};

class child_process {
 public:
  /// Starts argv[0] (a path) with the given arguments. `env` entries "K=V" are added to (or
  /// replace entries of) the current environment; "K=" with an empty value removes K.
  explicit child_process(std::vector<std::string> argv, std::vector<std::string> env = {},
                         std::optional<std::string> stdin_data = std::nullopt);
  ~child_process();  // SIGKILL and reap if still running
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const noexcept { return pid_; }

  /// Reads output until a complete stdout line satisfies `pred`; returns it, or nullopt at
  /// the deadline or when the process exits first.
  std::optional<std::string> wait_for_line(const std::function<bool(std::string_view)>& pred,
                                           std::chrono::milliseconds timeout);
  /// Same, on stderr (where the daemon logs).
  std::optional<std::string> wait_for_err_line(const std::function<bool(std::string_view)>& pred,
                                               std::chrono::milliseconds timeout);

  void send_signal(int sig);
  /// Waits for the exit; nullopt at the deadline (the process keeps running).
  std::optional<process_result> wait(std::chrono::milliseconds timeout);

  const std::string& out() const noexcept { return out_; }
  const std::string& err() const noexcept { return err_; }

 private:
  bool pump(std::chrono::milliseconds timeout);  // read what is available; false on deadline
  std::optional<std::string> find_line(const std::string& buf, std::size_t& scanned,
                                       const std::function<bool(std::string_view)>& pred);
  bool reap(bool block);

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_;
  std::string err_;
  std::size_t out_scanned_ = 0;
  std::size_t err_scanned_ = 0;
  std::optional<process_result> exited_;
};

/// The peak resident set size of a running process (VmHWM in /proc/PID/status), in KiB; -1 when
/// it cannot be read.
long peak_rss_kib(pid_t pid);

/// Runs a command to completion (killed at the deadline) and returns its result.
process_result run(std::vector<std::string> argv, std::vector<std::string> env = {},
                   std::chrono::milliseconds timeout = std::chrono::seconds(60),
                   std::optional<std::string> stdin_data = std::nullopt);

/// Calls `pred` until it returns true or the deadline passes, waiting `interval` between
/// calls (on poll(2), so no wall-clock sleeping is hidden in test bodies). Returns the last
/// value of `pred`.
bool poll_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval = std::chrono::milliseconds(20));

}  // namespace refreshd::test
