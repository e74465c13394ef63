#pragma once
// Starts the real milvus-refresh-sim on 127.0.0.1:0 and talks to its control API.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <refreshd/test/child_process.hpp>
#include <refreshd/test/http.hpp>

namespace refreshd::test {

class sim_process {
 public:
  /// Extra command-line arguments are appended (e.g. --tls-cert F --tls-key F).
  explicit sim_process(std::vector<std::string> extra_args = {});

  unsigned short port() const noexcept { return port_; }
  /// "http://127.0.0.1:PORT" (or https:// in TLS mode).
  const std::string& url() const noexcept { return url_; }

  /// POST /_sim/<path> with a JSON body; throws unless HTTP 200. Plain HTTP only: TLS-mode
  /// simulators are driven with their defaults.
  nlohmann::json control(const std::string& path, const nlohmann::json& body);
  void reset() { control("reset", nlohmann::json::object()); }
  void add_collection(const nlohmann::json& c) { control("collections", c); }
  void configure(const nlohmann::json& c) { control("config", c); }
  nlohmann::json stats();
  /// Starts a job of `collection` (default database) as another actor would, through the
  /// refresh endpoint; returns its id. Throws unless the answer is HTTP 200.
  std::int64_t trigger(const std::string& collection);

  child_process& process() noexcept { return *proc_; }

 private:
  std::unique_ptr<child_process> proc_;
  unsigned short port_ = 0;
  std::string url_;
};

}  // namespace refreshd::test
