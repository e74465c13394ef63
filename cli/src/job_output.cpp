#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iomanip>
#include <ostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include <refreshd/cli/job_output.hpp>
#include <refreshd/config/safe_text.hpp>
#include <refreshd/schedule/duration.hpp>
#include <refreshd/schedule/zone.hpp>

namespace refreshd::daemon {

std::string format_epoch_ms(std::int64_t ms) {
  if (ms <= 0) {
    return {};
  }
  return schedule::format_utc(
      std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(ms)));
}

std::string format_duration_ms(std::int64_t ms) {
  return schedule::format_duration(std::chrono::milliseconds(std::max<std::int64_t>(ms, 0)));
}

namespace {

nlohmann::json to_json(const client::job_info& j) {
  nlohmann::json o;
  o["job_id"] = j.id.value;
  o["collection"] = j.collection_name;
  o["state"] = std::string(client::to_string(j.state));
  o["progress"] = j.progress;
  o["external_source"] = j.external_source;
  o["start_time"] = j.start_time_ms > 0 ? nlohmann::json(format_epoch_ms(j.start_time_ms))
                                        : nlohmann::json(nullptr);
  o["end_time"] =
      j.end_time_ms > 0 ? nlohmann::json(format_epoch_ms(j.end_time_ms)) : nlohmann::json(nullptr);
  o["reason"] = j.reason ? nlohmann::json(*j.reason) : nlohmann::json(nullptr);
  return o;
}

std::string state_label(const client::job_info& j) {
  if (j.state == client::job_state::unknown && !j.state_text.empty()) {
    return safe_text(j.state_text) + " (unknown state)";
  }
  return std::string(client::to_string(j.state));
}

}  // namespace

std::string job_json(const client::job_info& job) {
  return dump_json(to_json(job));
}

void render_job(std::ostream& out, const client::job_info& j, output_format fmt) {
  if (fmt == output_format::json) {
    out << dump_json(to_json(j)) << '\n';
    return;
  }
  out << "job:        " << j.id.value << '\n'
      << "collection: " << safe_text(j.collection_name) << '\n'
      << "state:      " << state_label(j) << '\n'
      << "progress:   " << j.progress << "%\n";
  if (!j.external_source.empty()) {
    out << "source:     " << safe_text(j.external_source) << '\n';
  }
  if (j.start_time_ms > 0) {
    out << "started:    " << format_epoch_ms(j.start_time_ms) << '\n';
  }
  if (j.end_time_ms > 0) {
    out << "ended:      " << format_epoch_ms(j.end_time_ms) << '\n';
    if (j.start_time_ms > 0) {
      out << "duration:   " << format_duration_ms(j.end_time_ms - j.start_time_ms) << '\n';
    }
  }
  if (j.reason) {
    out << "reason:     " << safe_text(*j.reason) << '\n';
  }
}

void render_jobs(std::ostream& out, const std::vector<client::job_info>& jobs, output_format fmt) {
  if (fmt == output_format::json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& j : jobs) {
      arr.push_back(to_json(j));
    }
    out << dump_json(nlohmann::json{{"jobs", arr}}) << '\n';
    return;
  }
  if (jobs.empty()) {
    out << "no refresh jobs\n";
    return;
  }
  out << std::left << std::setw(21) << "JOB ID" << std::setw(24) << "COLLECTION" << std::setw(19)
      << "STATE" << std::setw(9) << "PROGRESS" << std::setw(26) << "STARTED" << std::setw(10)
      << "DURATION"
      << "REASON\n";
  for (const auto& j : jobs) {
    std::string duration = j.end_time_ms > 0 && j.start_time_ms > 0
                               ? format_duration_ms(j.end_time_ms - j.start_time_ms)
                               : "-";
    out << std::left << std::setw(20) << j.id.value << ' ' << std::setw(23)
        << safe_text(j.collection_name) << ' ' << std::setw(18) << state_label(j) << ' '
        << std::setw(8) << (std::to_string(j.progress) + "%") << ' ' << std::setw(25)
        << format_epoch_ms(j.start_time_ms) << ' ' << std::setw(9) << duration << ' '
        << safe_text(j.reason.value_or("")) << '\n';
  }
}

void progress_display::update(const client::job_info& job, std::int64_t elapsed_ms) {
  if (tty_) {
    constexpr int width = 30;
    int filled = job.progress * width / 100;
    out_ << "\r\033[K[" << std::string(static_cast<std::size_t>(filled), '#')
         << std::string(static_cast<std::size_t>(width - filled), '.') << "] " << std::setw(3)
         << std::right << job.progress << "% " << state_label(job) << "  "
         << format_duration_ms(elapsed_ms) << std::flush;
    drawn_ = true;
    return;
  }
  if (job.state != last_state_ || job.progress != last_progress_) {
    out_ << "job " << job.id.value << ": " << state_label(job) << ' ' << job.progress << "% ("
         << format_duration_ms(elapsed_ms) << ")\n"
         << std::flush;
  }
  last_state_ = job.state;
  last_progress_ = job.progress;
}

void progress_display::finish() {
  if (tty_ && drawn_) {
    out_ << '\n' << std::flush;
    drawn_ = false;
  }
}

}  // namespace refreshd::daemon
