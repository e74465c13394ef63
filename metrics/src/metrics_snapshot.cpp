// The snapshot of a scrape and the text of its sample lines (metrics_snapshot.hpp).
#include "metrics_snapshot.hpp"

#include <algorithm>
#include <charconv>

#include <refreshd/config/safe_text.hpp>

namespace refreshd::daemon::metrics_detail {

namespace {

double seconds(const std::optional<wall_time>& t) {
  return t ? static_cast<double>(t->time_since_epoch().count()) / 1000.0 : 0.0;
}

/// Printable ASCII without a backslash or a double quote: written as it is (every name the
/// config validates is), with no temporary string; a scrape writes 12 label blocks a collection.
bool plain_label(std::string_view value) {
  return std::all_of(value.begin(), value.end(),
                     [](char c) { return c >= 0x20 && c < 0x7f && c != '\\' && c != '"'; });
}

void append_label(std::string& out, std::string_view name, std::string_view value) {
  if (!out.empty()) {
    out += ',';
  }
  out += name;
  out += "=\"";
  if (plain_label(value)) {
    out += value;
  } else {
    out += escape_label(safe_text(value));
  }
  out += '"';
}

template <class T>
void append_line(std::string& out, std::string_view name, std::string_view label_text,
                 std::string_view extra, T value) {
  out += name;
  if (!label_text.empty() || !extra.empty()) {
    out += '{';
    out += label_text;
    if (!label_text.empty() && !extra.empty()) {
      out += ',';
    }
    out += extra;
    out += '}';
  }
  out += ' ';
  append_number(out, value);
  out += '\n';
}

}  // namespace

void append_number(std::string& out, double value) {
  std::array<char, 32> buf{};
  const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  out.append(buf.data(), r.ptr);
}

void append_number(std::string& out, std::uint64_t value) {
  std::array<char, 32> buf{};
  const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  out.append(buf.data(), r.ptr);
}

std::string escape_label(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void make_label_block(label_block& b, const config::cluster& cluster,
                      const config::collection& collection, bool with_info) {
  b.base.clear();
  append_label(b.base, "cluster", cluster.name);
  append_label(b.base, "database", *collection.database);
  append_label(b.base, "collection", collection.name);
  if (!with_info) {
    return;
  }
  b.info = b.base;
  append_label(b.info, "schedule", config::timing_text(*collection.settings));
  append_label(b.info, "timezone", collection.settings->timezone);
}

collection_values values_of(const collection_runtime& c, const config::cluster& cluster) {
  const auto& s = c.state;
  collection_values v;
  v.cluster = &cluster;
  v.collection = c.cfg;
  v.progress = s.job ? std::clamp(static_cast<double>(s.job->progress) / 100.0, 0.0, 1.0) : 0.0;
  v.last_success = seconds(s.last_success);
  v.last_failure = seconds(s.last_failure);
  v.last_trigger = seconds(s.last_trigger);
  v.next_run = seconds(s.next_run);
  v.freshness_target = static_cast<double>(c.cfg->settings->freshness_target.count()) / 1000.0;
  v.last_job_duration =
      s.last_job_duration ? static_cast<double>(s.last_job_duration->count()) / 1000.0 : 0.0;
  v.completed = s.counters.finished.completed;
  v.failed = s.counters.finished.failed;
  v.triggers = s.counters.triggers;
  v.triggers_lost = s.counters.triggers_lost;
  v.skipped = {s.counters.skipped.already_running, s.counters.skipped.suspended,
               s.counters.skipped.limit};
  v.consecutive_failures = static_cast<std::uint32_t>(std::max(s.consecutive_failures, 0));
  v.current = s.current;
  return v;
}

void append_sample(std::string& out, std::string_view name, std::string_view label_text,
                   std::string_view extra, double value) {
  append_line(out, name, label_text, extra, value);
}

void append_sample(std::string& out, std::string_view name, std::string_view label_text,
                   std::string_view extra, std::uint64_t value) {
  append_line(out, name, label_text, extra, value);
}

void append_header(std::string& out, std::string_view name, std::string_view help,
                   std::string_view type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

}  // namespace refreshd::daemon::metrics_detail
