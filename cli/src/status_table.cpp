// `milvus-refreshd status` as a table (docs/CLI.md "status"): /status's collections, failures
// first, like `systemctl list-timers`.
#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include <refreshd/cli/daemon_commands.hpp>
#include <refreshd/config/safe_text.hpp>

#include "json_field.hpp"

namespace refreshd::daemon {
namespace {

using json = nlohmann::json;
using detail::field;
using detail::text;
using std::chrono::milliseconds;
using std::chrono::system_clock;

/// "2026-12-07T21:45:00.123Z" (or without the fraction); nullopt otherwise.
std::optional<system_clock::time_point> parse_rfc3339(const json& v) {
  if (!v.is_string()) {
    return std::nullopt;
  }
  const auto s = v.get<std::string>();
  std::tm tm{};
  int ms = 0;
  char tail = 0;
  const int n = std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon,
                            &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &tail);
  if (n < 6) {
    return std::nullopt;
  }
  if (const auto dot = s.find('.'); tail == '.' && dot != std::string::npos) {
    std::sscanf(s.c_str() + dot + 1, "%3d", &ms);  // NOLINT(cert-err34-c): 0 when absent
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return system_clock::from_time_t(::timegm(&tm)) + milliseconds(ms);
}

/// Local time, like systemctl: "2026-12-07 21:45:00".
std::string local_time(system_clock::time_point t) {
  const std::time_t secs = system_clock::to_time_t(t);
  std::tm tm{};
  ::localtime_r(&secs, &tm);
  std::array<char, 32> buf{};
  std::strftime(buf.data(), buf.size(), "%Y-%m-%d %H:%M:%S", &tm);
  return buf.data();
}

int rank(const std::string& status) {
  for (const char* p : {"failing", "stuck", "misconfigured", "unsupported", "auth_failed"}) {
    if (status == p) {
      return 0;
    }
  }
  return status == "paused" ? 1 : 2;
}

const char* colour(const std::string& status) {
  if (rank(status) == 0) {
    return status == "stuck" ? "\033[33m" : "\033[31m";
  }
  if (status == "paused") {
    return "\033[33m";
  }
  if (status == "running") {
    return "\033[36m";
  }
  return status == "suspended" ? "\033[2m" : "";
}

std::string first_line(std::string text, std::size_t width) {
  text = safe_text(text.substr(0, text.find('\n')));
  if (text.size() > width) {
    text.resize(width - 3);
    text += "...";
  }
  return text;
}

/// What the collection is doing or why it does not: the one column that explains.
std::string phase_of(const json& c) {
  const std::string status = text(c, "status");
  if (const auto& p = field(c, "pause"); p.is_object()) {
    const std::string reason = text(p, "reason");
    if (field(p, "quarantined") == true) {
      return reason;
    }
    return reason.empty() ? "paused" : "paused: " + reason;
  }
  if (const auto& u = field(c, "upstream"); u.is_object()) {
    const std::string state = text(u, "state");
    if (state == "held") {
      return "held: upstream " + text(u, "collection") + " failed";
    }
    if (state == "waiting") {
      return "waiting for " + text(u, "collection");
    }
  }
  if (field(c, "phase").is_string()) {
    return text(c, "phase");
  }
  if (const auto& job = field(c, "job"); status == "running" && job.is_object()) {
    if (text(job, "state") == "RefreshPending") {
      return "pending";
    }
    const auto& progress = field(job, "progress");
    return "refreshing " +
           std::to_string(progress.is_number_integer() ? progress.get<std::int64_t>() : 0) + " %";
  }
  if (rank(status) == 0 && field(c, "message").is_string()) {
    return text(c, "message");
  }
  if (rank(status) == 0) {
    return text(c, "last_failure_reason", "-");
  }
  return "-";
}

struct row {
  int rank = 2;
  std::optional<system_clock::time_point> next;
  std::array<std::string, 7> cells;  // NEXT LEFT LAST-READY LAG STATUS PHASE COLLECTION
};

}  // namespace

std::string short_span(milliseconds d) {
  using namespace std::chrono;
  const auto s = std::max<std::int64_t>(0, duration_cast<seconds>(d).count());
  const auto part = [](std::int64_t n, const char* unit) { return std::to_string(n) + unit; };
  if (s < 60) {
    return part(s, "s");
  }
  if (s < 3600) {
    return part(s / 60, "min") + (s % 60 != 0 ? " " + part(s % 60, "s") : "");
  }
  if (s < 86400) {
    return part(s / 3600, "h") + (s % 3600 >= 60 ? " " + part(s % 3600 / 60, "min") : "");
  }
  return part(s / 86400, "d") + (s % 86400 >= 3600 ? " " + part(s % 86400 / 3600, "h") : "");
}

std::string status_table(std::string_view status_json, system_clock::time_point now, bool color) {
  const json doc = json::parse(status_json, nullptr, false);
  if (doc.is_discarded() || !field(doc, "collections").is_array()) {
    return "(the daemon's /status answer is not what this version reads)\n";
  }
  std::vector<row> rows;
  std::array<std::size_t, 7> counts{};
  for (const auto& c : field(doc, "collections")) {
    row r;
    const std::string status = text(c, "status", "?");
    r.rank = rank(status);
    r.next = parse_rfc3339(field(c, "next_run"));
    const auto ready = parse_rfc3339(field(c, "last_success"));
    r.cells = {
        r.next ? local_time(*r.next) : "-",
        r.next ? short_span(std::chrono::duration_cast<milliseconds>(*r.next - now)) : "-",
        ready ? local_time(*ready) : "-",
        ready ? short_span(std::chrono::duration_cast<milliseconds>(now - *ready)) : "-",
        status,
        first_line(phase_of(c), 48),
        safe_text(text(c, "cluster") + "/" + text(c, "database") + "/" + text(c, "collection"))};
    ++counts[static_cast<std::size_t>(r.rank)];
    rows.push_back(std::move(r));
  }
  std::stable_sort(rows.begin(), rows.end(), [](const row& a, const row& b) {
    if (a.rank != b.rank) {
      return a.rank < b.rank;
    }
    if (a.next.has_value() != b.next.has_value()) {
      return a.next.has_value();  // planned runs first, soonest first
    }
    return a.next && *a.next < *b.next;
  });
  const std::array<std::string, 7> head{"NEXT",   "LEFT",  "LAST READY", "LAG",
                                        "STATUS", "PHASE", "COLLECTION"};
  std::array<std::size_t, 7> width{};
  for (std::size_t i = 0; i < head.size(); ++i) {
    width[i] = head[i].size();
    for (const auto& r : rows) {
      width[i] = std::max(width[i], r.cells[i].size());
    }
  }
  std::ostringstream out;
  const auto line = [&](const std::array<std::string, 7>& cells, const char* status_colour) {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const bool last = i + 1 == cells.size();
      const std::string pad = last ? "" : std::string(width[i] - cells[i].size() + 2, ' ');
      if (i == 4 && color && *status_colour != '\0') {
        out << status_colour << cells[i] << "\033[0m" << pad;
      } else {
        out << cells[i] << pad;
      }
    }
    out << '\n';
  };
  line(head, "");
  for (const auto& r : rows) {
    line(r.cells, colour(r.cells[4]));
  }
  out << '\n' << rows.size() << (rows.size() == 1 ? " collection" : " collections") << " listed";
  if (counts[0] > 0) {
    out << ", " << counts[0] << " with problems";
  }
  if (counts[1] > 0) {
    out << ", " << counts[1] << " paused";
  }
  if (const auto& total = field(doc, "total");
      total.is_number_unsigned() && total.get<std::size_t>() > rows.size()) {
    out << " (of " << total.get<std::size_t>() << " configured)";
  }
  out << ".\n";
  return out.str();
}

}  // namespace refreshd::daemon
