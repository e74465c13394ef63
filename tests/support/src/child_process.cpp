#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdexcept>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <refreshd/test/child_process.hpp>

extern char** environ;

namespace refreshd::test {
namespace {

using clock = std::chrono::steady_clock;

std::vector<std::string> merged_env(const std::vector<std::string>& overrides) {
  std::map<std::string, std::string> vars;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string_view::npos) {
      vars[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
    }
  }
  for (const auto& kv : overrides) {
    auto eq = kv.find('=');
    if (eq == std::string::npos) {
      continue;
    }
    auto key = kv.substr(0, eq);
    auto value = kv.substr(eq + 1);
    if (value.empty()) {
      vars.erase(key);
    } else {
      vars[key] = value;
    }
  }
  std::vector<std::string> out;
  out.reserve(vars.size());
  for (auto& [k, v] : vars) {
    out.push_back(k + "=" + v);
  }
  return out;
}

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (auto& s : v) {
    out.push_back(s.data());
  }
  out.push_back(nullptr);
  return out;
}

}  // namespace

child_process::child_process(std::vector<std::string> argv, std::vector<std::string> env,
                             std::optional<std::string> stdin_data) {
  int out_pipe[2];
  int err_pipe[2];
  int in_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0 ||
      pipe2(in_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // The child starts with default signal dispositions and an empty mask.
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  auto envs = merged_env(env);
  auto c_argv = c_strings(argv);
  auto c_env = c_strings(envs);
  int rc = posix_spawn(&pid_, argv.at(0).c_str(), &actions, &attr, c_argv.data(), c_env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(out_pipe[1]);
  close(err_pipe[1]);
  close(in_pipe[0]);
  out_fd_ = out_pipe[0];
  err_fd_ = err_pipe[0];
  if (rc != 0) {
    close(in_pipe[1]);
    throw std::runtime_error("posix_spawn " + argv[0] + ": " + std::strerror(rc));
  }
  if (stdin_data) {
    // Small inputs only: the pipe buffer (64 KiB) holds them without blocking.
    auto n = ::write(in_pipe[1], stdin_data->data(), stdin_data->size());
    (void)n;
  }
  close(in_pipe[1]);
  fcntl(out_fd_, F_SETFL, O_NONBLOCK);
  fcntl(err_fd_, F_SETFL, O_NONBLOCK);
}

child_process::~child_process() {
  if (!exited_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    reap(true);
  }
  if (out_fd_ >= 0) {
    close(out_fd_);
  }
  if (err_fd_ >= 0) {
    close(err_fd_);
  }
}

bool child_process::pump(std::chrono::milliseconds timeout) {
  pollfd fds[2];
  int n = 0;
  if (out_fd_ >= 0) {
    fds[n++] = {out_fd_, POLLIN, 0};
  }
  if (err_fd_ >= 0) {
    fds[n++] = {err_fd_, POLLIN, 0};
  }
  if (n == 0) {
    return false;
  }
  int rc = ::poll(fds, static_cast<nfds_t>(n), static_cast<int>(timeout.count()));
  if (rc <= 0) {
    return rc == 0 ? false : errno == EINTR;
  }
  for (int i = 0; i < n; ++i) {
    if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
      continue;
    }
    int& fd = fds[i].fd == out_fd_ ? out_fd_ : err_fd_;
    std::string& buf = fds[i].fd == out_fd_ ? out_ : err_;
    char chunk[8192];
    for (;;) {
      auto got = ::read(fd, chunk, sizeof chunk);
      if (got > 0) {
        buf.append(chunk, static_cast<std::size_t>(got));
        continue;
      }
      if (got == 0) {  // EOF
        close(fd);
        fd = -1;
      }
      break;
    }
  }
  return true;
}

std::optional<std::string> child_process::find_line(
    const std::string& buf, std::size_t& scanned,
    const std::function<bool(std::string_view)>& pred) {
  for (;;) {
    auto nl = buf.find('\n', scanned);
    if (nl == std::string::npos) {
      return std::nullopt;
    }
    std::string line = buf.substr(scanned, nl - scanned);
    scanned = nl + 1;
    if (pred(line)) {
      return line;
    }
  }
}

std::optional<std::string> child_process::wait_for_line(
    const std::function<bool(std::string_view)>& pred, std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  for (;;) {
    if (auto line = find_line(out_, out_scanned_, pred)) {
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0 || (out_fd_ < 0)) {
      return std::nullopt;
    }
    pump(left);
  }
}

std::optional<std::string> child_process::wait_for_err_line(
    const std::function<bool(std::string_view)>& pred, std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  for (;;) {
    if (auto line = find_line(err_, err_scanned_, pred)) {
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0 || (err_fd_ < 0)) {
      return std::nullopt;
    }
    pump(left);
  }
}

void child_process::send_signal(int sig) {
  if (!exited_ && pid_ > 0) {
    ::kill(pid_, sig);
  }
}

bool child_process::reap(bool block) {
  if (exited_) {
    return true;
  }
  int status = 0;
  rusage usage{};
  pid_t r = ::wait4(pid_, &status, block ? 0 : WNOHANG, &usage);
  if (r != pid_) {
    return false;
  }
  process_result res;
  res.max_rss_kib = usage.ru_maxrss;
  if (WIFEXITED(status)) {
    res.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    res.term_signal = WTERMSIG(status);
  }
  exited_ = res;
  return true;
}

std::optional<process_result> child_process::wait(std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  // Output pipes close when the process (and any child holding them) exits.
  while (out_fd_ >= 0 || err_fd_ >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0) {
      return std::nullopt;
    }
    pump(left);
  }
  for (;;) {
    if (reap(false)) {
      break;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0) {
      return std::nullopt;
    }
    ::poll(nullptr, 0, 5);
  }
  process_result r = *exited_;
  r.out = out_;
  r.err = err_;
  return r;
}

process_result run(std::vector<std::string> argv, std::vector<std::string> env,
                   std::chrono::milliseconds timeout, std::optional<std::string> stdin_data) {
  child_process p(std::move(argv), std::move(env), std::move(stdin_data));
  if (auto r = p.wait(timeout)) {
    return *r;
  }
  p.send_signal(SIGKILL);
  auto r = p.wait(std::chrono::seconds(5));
  process_result killed = r.value_or(process_result{});
  killed.err += "\n[test harness: killed after timeout]";
  return killed;
}

bool poll_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval) {
  auto deadline = clock::now() + timeout;
  for (;;) {
    if (pred()) {
      return true;
    }
    if (clock::now() >= deadline) {
      return pred();
    }
    ::poll(nullptr, 0, static_cast<int>(interval.count()));
  }
}

}  // namespace refreshd::test

namespace refreshd::test {

long peak_rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      return std::stol(line.substr(6));
    }
  }
  return -1;
}

}  // namespace refreshd::test
