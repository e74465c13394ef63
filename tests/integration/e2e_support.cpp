#include "e2e_support.hpp"

#include <arpa/inet.h>
#include <fstream>
#include <netinet/in.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

#include <refreshd/test/http.hpp>

namespace refreshd::test {

unsigned short free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    throw std::runtime_error("socket failed");
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  auto* sa = reinterpret_cast<sockaddr*>(&addr);  // NOLINT: the sockets API
  if (::bind(fd, sa, sizeof(addr)) != 0 || ::getsockname(fd, sa, &len) != 0) {
    ::close(fd);
    throw std::runtime_error("bind 127.0.0.1:0 failed");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

unsigned short wait_for_http_port(child_process& daemon, std::chrono::milliseconds timeout) {
  constexpr std::string_view prefix = "listening on http";  // http:// or https://
  auto line = daemon.wait_for_err_line(
      [&](std::string_view l) {
        const auto j = nlohmann::json::parse(l, nullptr, false);
        return j.is_object() && j.value("msg", "").starts_with(prefix);
      },
      timeout);
  if (!line) {
    return 0;
  }
  const auto msg = nlohmann::json::parse(*line).at("msg").get<std::string>();
  return static_cast<unsigned short>(std::stoi(msg.substr(msg.rfind(':') + 1)));
}

std::string url_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) != 0 || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out += ch;
    } else {
      out += '%';
      out += hex[c >> 4U];
      out += hex[c & 15U];
    }
  }
  return out;
}

prometheus_process::prometheus_process(const std::filesystem::path& dir, const std::string& target,
                                       const std::vector<std::string>& rule_files,
                                       const std::string& job_extra) {
  if (tools::prometheus().empty()) {
    throw std::runtime_error("prometheus is not installed: run scripts/setup.sh");
  }
  std::string config =
      "global:\n"
      "  scrape_interval: 1s\n"
      "  scrape_timeout: 900ms\n"
      "  evaluation_interval: 1s\n"
      "rule_files:\n";
  for (const auto& f : rule_files) {
    config += "  - " + f + "\n";
  }
  config +=
      "scrape_configs:\n"
      "  - job_name: milvus-refreshd\n"
      "    static_configs:\n"
      "      - targets: ['" +
      target + "']\n" + job_extra;
  const auto config_path = dir / "prometheus.yml";
  std::ofstream(config_path) << config;
  port_ = free_port();
  proc_ = std::make_unique<child_process>(std::vector<std::string>{
      tools::prometheus(), "--config.file=" + config_path.string(),
      "--storage.tsdb.path=" + (dir / "tsdb").string(),
      "--web.listen-address=127.0.0.1:" + std::to_string(port_), "--log.level=warn"});
}

bool prometheus_process::wait_ready(std::chrono::milliseconds timeout) {
  return poll_until(
      [&] {
        drain();
        try {
          return http_request("GET", "127.0.0.1", port_, "/-/ready").status == 200;
        } catch (const std::exception&) {
          return false;  // not listening yet
        }
      },
      timeout, std::chrono::milliseconds(100));
}

nlohmann::json prometheus_process::api(const std::string& path_and_query) {
  const auto r = http_request("GET", "127.0.0.1", port_, "/api/v1/" + path_and_query);
  const auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (!j.is_object() || j.value("status", "") != "success") {
    throw std::runtime_error("/api/v1/" + path_and_query + " answered " + std::to_string(r.status) +
                             ": " + r.body);
  }
  return j.at("data");
}

nlohmann::json prometheus_process::query(const std::string& promql) {
  auto data = api("query?query=" + url_encode(promql));
  return data.at("result");
}

void prometheus_process::drain() {
  proc_->wait_for_err_line([](std::string_view) { return false; }, std::chrono::milliseconds(1));
}

const std::string& prometheus_process::log() const {
  return proc_->err();
}

}  // namespace refreshd::test
