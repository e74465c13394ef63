#pragma once
// Pieces of the end-to-end tests (label e2e): a free loopback port, the daemon's HTTP port from
// its "listening on" log line, URL encoding, and a real Prometheus server scraping the daemon.

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <refreshd/test/child_process.hpp>

namespace refreshd::test {

/// A loopback TCP port that was free a moment ago (bound to 127.0.0.1:0, then closed).
unsigned short free_port();

/// Reads the daemon's JSON log until "listening on http[s]://HOST:PORT"; returns PORT, or 0 when
/// the line does not come within `timeout` (or the daemon exits first).
unsigned short wait_for_http_port(child_process& daemon, std::chrono::milliseconds timeout);

/// Percent-encodes everything but unreserved characters (RFC 3986), for query strings.
std::string url_encode(std::string_view text);

/// Path of an installed tool, as found by CMake at configure time; empty when it was missing.
/// A missing tool makes the calling test fail with a message naming scripts/setup.sh.
struct tools {
  static std::string prometheus() { return REFRESHD_PROMETHEUS_BINARY; }
  static std::string promtool() { return REFRESHD_PROMTOOL_BINARY; }
  static std::string chromium() { return REFRESHD_CHROMIUM_BINARY; }
};

/// The real Prometheus server on 127.0.0.1:<free port>, scraping `target` (HOST:PORT) every
/// second as job "milvus-refreshd", evaluating `rule_files` every second, with its TSDB in
/// `dir`. `job_extra`: more keys of the scrape job (YAML lines indented by 4 spaces: scheme,
/// tls_config, authorization), and more jobs after it (indented by 2). Killed with the object.
class prometheus_process {
 public:
  prometheus_process(const std::filesystem::path& dir, const std::string& target,
                     const std::vector<std::string>& rule_files, const std::string& job_extra = {});

  unsigned short port() const noexcept { return port_; }
  /// True once GET /-/ready answers 200 within `timeout`.
  bool wait_ready(std::chrono::milliseconds timeout);
  /// GET /api/v1/<path_and_query>: the `data` member; throws unless status is "success".
  nlohmann::json api(const std::string& path_and_query);
  /// An instant query: `data.result` (a vector); throws on a query error.
  nlohmann::json query(const std::string& promql);
  /// Reads what Prometheus logged so far, so its pipes never fill.
  void drain();
  const std::string& log() const;

 private:
  std::unique_ptr<child_process> proc_;
  unsigned short port_ = 0;
};

}  // namespace refreshd::test
