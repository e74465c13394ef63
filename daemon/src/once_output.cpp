// `run --once`: its summary table and exit code (docs/DAEMON.md "run --once").
#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <refreshd/cli/exit_codes.hpp>
#include <refreshd/config/safe_text.hpp>
#include <refreshd/daemon/run_command.hpp>
#include <refreshd/schedule/duration.hpp>

namespace refreshd::daemon {
namespace {

std::string job_duration(const once_result& r) {
  if (!r.outcome.job || !r.outcome.job->start || !r.outcome.job->end) {
    return "-";
  }
  return schedule::format_duration(*r.outcome.job->end - *r.outcome.job->start);
}

}  // namespace

int once_exit_code(const std::vector<once_result>& results) {
  bool auth = false;
  bool unsupported = false;
  bool failed = false;
  for (const auto& r : results) {
    auth = auth || r.outcome.kind == outcome_kind::auth_failed;
    unsupported = unsupported || r.outcome.kind == outcome_kind::unsupported;
    failed = failed || r.outcome.kind != outcome_kind::completed;
  }
  return auth ? exit_auth : unsupported ? exit_unsupported : failed ? exit_failed : exit_ok;
}

std::string once_summary(const std::vector<once_result>& results) {
  std::vector<std::array<std::string, 7>> rows;
  rows.push_back({"CLUSTER", "DATABASE", "COLLECTION", "RESULT", "JOB", "DURATION", "MESSAGE"});
  int completed = 0;
  for (const auto& r : results) {
    completed += r.outcome.kind == outcome_kind::completed ? 1 : 0;
    rows.push_back({safe_text(r.cluster->name), safe_text(*r.collection->database),
                    safe_text(r.collection->name), std::string(to_string(r.outcome.kind)),
                    r.outcome.job ? std::to_string(r.outcome.job->id.value) : "-", job_duration(r),
                    safe_text(r.outcome.message)});
  }
  std::array<std::size_t, 7> width{};
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      width[i] = std::max(width[i], row[i].size());
    }
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += i + 1 < row.size() ? fmt::format("{:<{}}  ", row[i], width[i]) : row[i];
    }
    while (!line.empty() && line.back() == ' ') {
      line.pop_back();
    }
    out += line + '\n';
  }
  out += fmt::format("{} of {} collections completed\n", completed, results.size());
  return out;
}

std::string once_summary_json(const std::vector<once_result>& results) {
  nlohmann::json list = nlohmann::json::array();
  int completed = 0;
  for (const auto& r : results) {
    completed += r.outcome.kind == outcome_kind::completed ? 1 : 0;
    const auto duration = job_duration(r);
    list.push_back(
        {{"cluster", r.cluster->name},
         {"database", *r.collection->database},
         {"collection", r.collection->name},
         {"result", std::string(to_string(r.outcome.kind))},
         {"job_id", r.outcome.job ? nlohmann::json(r.outcome.job->id.value) : nlohmann::json()},
         {"duration", duration == "-" ? nlohmann::json() : nlohmann::json(duration)},
         {"message", r.outcome.message}});
  }
  return dump_json(nlohmann::json{
             {"completed", completed}, {"total", results.size()}, {"collections", list}}) +
         "\n";
}

}  // namespace refreshd::daemon
