#include <stdexcept>

#include <refreshd/test/sim_process.hpp>

namespace refreshd::test {

#ifndef REFRESHD_SIM_BINARY
#define REFRESHD_SIM_BINARY "milvus-refresh-sim"
#endif

sim_process::sim_process(std::vector<std::string> extra_args) {
  std::vector<std::string> argv{REFRESHD_SIM_BINARY, "--listen", "127.0.0.1:0"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  proc_ = std::make_unique<child_process>(std::move(argv));
  // The simulator's first stdout line is "listening on http[s]://HOST:PORT".
  auto line = proc_->wait_for_line(
      [](std::string_view l) { return l.find("listening on ") != std::string_view::npos; },
      std::chrono::seconds(20));
  if (!line) {
    throw std::runtime_error("milvus-refresh-sim did not start: " + proc_->err());
  }
  url_ = line->substr(line->find("listening on ") + 13);
  port_ = static_cast<unsigned short>(std::stoi(url_.substr(url_.rfind(':') + 1)));
}

nlohmann::json sim_process::control(const std::string& path, const nlohmann::json& body) {
  auto r = http_request("POST", "127.0.0.1", port_, "/_sim/" + path, body.dump());
  if (r.status != 200) {
    throw std::runtime_error("/_sim/" + path + " answered " + std::to_string(r.status) + ": " +
                             r.body);
  }
  return r.body.empty() ? nlohmann::json::object() : nlohmann::json::parse(r.body);
}

nlohmann::json sim_process::stats() {
  auto r = http_request("GET", "127.0.0.1", port_, "/_sim/stats");
  if (r.status != 200) {
    throw std::runtime_error("/_sim/stats answered " + std::to_string(r.status));
  }
  return nlohmann::json::parse(r.body);
}

std::int64_t sim_process::trigger(const std::string& collection) {
  auto r = http_request("POST", "127.0.0.1", port_, "/v2/vectordb/jobs/external_collection/refresh",
                        nlohmann::json{{"collectionName", collection}}.dump());
  if (r.status != 200) {
    throw std::runtime_error("refresh of " + collection + " answered " + std::to_string(r.status) +
                             ": " + r.body);
  }
  return nlohmann::json::parse(r.body).at("data").at("jobId").get<std::int64_t>();
}

}  // namespace refreshd::test
