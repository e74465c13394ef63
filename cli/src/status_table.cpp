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

namespace refreshd::daemon {
namespace {

using json = nlohmann::json;
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
  if (tail == '.') {
    std::sscanf(s.c_str() + 20, "%3d", &ms);
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
  const std::string status = c.value("status", "");
  if (c.contains("pause") && c["pause"].is_object()) {
    const std::string reason = c["pause"].value("reason", "");
    if (c["pause"].value("quarantined", false)) {
      return reason;
    }
    return reason.empty() ? "paused" : "paused: " + reason;
  }
  if (c.contains("upstream") && c["upstream"].is_object()) {
    const auto& u = c["upstream"];
    const std::string state = u.value("state", "");
    const std::string up = u["collection"].is_string() ? u["collection"].get<std::string>() : "";
    if (state == "held") {
      return "held: upstream " + up + " failed";
    }
    if (state == "waiting") {
      return "waiting for " + up;
    }
  }
  if (c.contains("phase") && c["phase"].is_string()) {
    return c["phase"].get<std::string>();
  }
  if (status == "running" && c["job"].is_object()) {
    const std::string state = c["job"].value("state", "");
    if (state == "RefreshPending") {
      return "pending";
    }
    return "refreshing " + std::to_string(c["job"].value("progress", 0)) + " %";
  }
  if (rank(status) == 0 && c.contains("message") && c["message"].is_string()) {
    return c["message"].get<std::string>();
  }
  if (rank(status) == 0 && c["last_failure_reason"].is_string()) {
    return c["last_failure_reason"].get<std::string>();
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
  if (doc.is_discarded() || !doc.is_object() || !doc["collections"].is_array()) {
    return "(the daemon's /status answer is not what this version reads)\n";
  }
  std::vector<row> rows;
  std::array<std::size_t, 7> counts{};
  for (const auto& c : doc["collections"]) {
    row r;
    const std::string status = c.value("status", "?");
    r.rank = rank(status);
    r.next = parse_rfc3339(c["next_run"]);
    const auto ready = parse_rfc3339(c["last_success"]);
    r.cells = {r.next ? local_time(*r.next) : "-",
               r.next ? short_span(std::chrono::duration_cast<milliseconds>(*r.next - now)) : "-",
               ready ? local_time(*ready) : "-",
               ready ? short_span(std::chrono::duration_cast<milliseconds>(now - *ready)) : "-",
               status,
               first_line(phase_of(c), 48),
               safe_text(c.value("cluster", "") + "/" + c.value("database", "") + "/" +
                         c.value("collection", ""))};
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
  if (doc.value("total", rows.size()) > rows.size()) {
    out << " (of " << doc.value("total", rows.size()) << " configured)";
  }
  out << ".\n";
  return out.str();
}

}  // namespace refreshd::daemon
