#pragma once
// Shared pieces of the daemon integration tests: a temporary config file and the daemon
// process with JSON logs on stderr.

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <refreshd/test/child_process.hpp>
#include <refreshd/test/sim_process.hpp>

namespace refreshd::test {

/// A private directory under $TMPDIR, removed with the object.
class temp_dir {
 public:
  temp_dir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("refreshd-daemon-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  std::string write(const std::string& name, const std::string& text) const {
    const auto p = path_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

/// A config with one cluster `local` at the simulator and the given collection entries (YAML
/// list items, already indented by 6 spaces) and extra cluster keys.
inline std::string daemon_config(const sim_process& sim, const std::string& defaults,
                                 const std::string& cluster_keys, const std::string& collections) {
  return "version: 1\n"
         "listen: 127.0.0.1:0\n"
         "defaults:\n" +
         defaults +
         "clusters:\n"
         "  - name: local\n"
         "    endpoint: " +
         sim.url() + "\n" + cluster_keys + "    collections:\n" + collections;
}

inline std::vector<std::string> daemon_argv(const std::string& config,
                                            std::vector<std::string> extra = {}) {
  std::vector<std::string> argv{REFRESHD_DAEMON_BINARY, "run", "-c", config,
                                "--log-format",         "json"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

/// A predicate for wait_for_err_line: a JSON log line whose msg is `msg` and whose other keys
/// match `fields` (string values).
inline auto json_line(std::string msg, nlohmann::json fields = nlohmann::json::object()) {
  return [msg = std::move(msg), fields = std::move(fields)](std::string_view line) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object() || j.value("msg", "") != msg) {
      return false;
    }
    for (auto it = fields.begin(); it != fields.end(); ++it) {
      if (!j.contains(it.key()) || j[it.key()] != it.value()) {
        return false;
      }
    }
    return true;
  };
}

/// The environment for a child whose peak RSS a test bounds: ASan keeps freed memory in a
/// quarantine (256 MB by default) before reusing it, so everything allocated and freed would
/// count as resident. A small quarantine keeps the bound about the code under test in sanitizer
/// builds; other builds ignore the variable.
inline std::vector<std::string> small_quarantine_env() {
  const char* asan = std::getenv("ASAN_OPTIONS");
  return {std::string("ASAN_OPTIONS=") +
          (asan != nullptr && *asan != '\0' ? asan + std::string(":") : "") +
          "quarantine_size_mb=4"};
}

/// Waits for the daemon's "listening on http://127.0.0.1:PORT" line (JSON logs); the port, or
/// 0 when the line did not come within `timeout`.
inline unsigned short wait_for_listen_port(child_process& d, std::chrono::milliseconds timeout) {
  const auto line = d.wait_for_err_line(
      [](std::string_view l) {
        return l.find("\"msg\":\"listening on http://127.0.0.1:") != std::string_view::npos;
      },
      timeout);
  if (!line) {
    return 0;
  }
  const auto msg = nlohmann::json::parse(*line)["msg"].get<std::string>();
  return static_cast<unsigned short>(std::stoi(msg.substr(msg.rfind(':') + 1)));
}

/// SIGTERM, then expects the daemon to exit 0 within the drain deadline (9 s).
inline void expect_clean_stop(child_process& d) {
  d.send_signal(SIGTERM);
  const auto r = d.wait(std::chrono::seconds(9));
  EXPECT_TRUE(r && r->exit_code == 0) << "clean exit after SIGTERM";
}

}  // namespace refreshd::test
