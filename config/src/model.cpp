#include <tuple>

#include <refreshd/config/config.hpp>

namespace refreshd::config {

source_location::source_location(std::string file, int at_line, int at_column)
    : line(at_line), column(at_column), file_(std::move(file)) {}

const std::string& source_location::file() const noexcept {
  return *file_;
}

std::string_view to_string(jitter_kind k) noexcept {
  return k == jitter_kind::fixed ? "fixed" : "random";
}

std::string timing_text(const collection_settings& s) {
  if (!s.depends_on.empty()) {
    std::string text = "depends_on";
    for (const auto& u : s.depends_on) {
      text += (&u == &s.depends_on.front() ? " " : ", ") + u;
    }
    return text;
  }
  return s.target_lag.count() > 0 ? "target_lag " + format_duration(s.target_lag) : s.schedule;
}

std::string_view to_string(ready_condition r) noexcept {
  switch (r) {
    case ready_condition::indexed:
      return "indexed";
    case ready_condition::loaded:
      return "loaded";
    case ready_condition::completed:
      break;
  }
  return "completed";
}

std::string_view to_string(log_format f) noexcept {
  return f == log_format::json ? "json" : "text";
}

std::string_view to_string(log_level l) noexcept {
  switch (l) {
    case log_level::trace:
      return "trace";
    case log_level::debug:
      return "debug";
    case log_level::info:
      return "info";
    case log_level::warn:
      return "warn";
    case log_level::error:
      return "error";
    case log_level::critical:
      return "critical";
    case log_level::off:
      break;
  }
  return "off";
}

std::string to_string(const listen_address& a) {
  const bool v6 = a.host.find(':') != std::string::npos;
  return (v6 ? "[" + a.host + "]" : a.host) + ":" + std::to_string(a.port);
}

bool collection::operator==(const collection& o) const {
  return std::tie(name, database, external, suspend, settings) ==
         std::tie(o.name, o.database, o.external, o.suspend, o.settings);
}

bool cluster::operator==(const cluster& o) const {
  return std::tie(name, endpoint, token, database, tls, request_timeout, rate_limit,
                  max_running_jobs, suspend, settings, collections) ==
         std::tie(o.name, o.endpoint, o.token, o.database, o.tls, o.request_timeout, o.rate_limit,
                  o.max_running_jobs, o.suspend, o.settings, o.collections);
}

const cluster* find_cluster(const config& c, std::string_view name) noexcept {
  for (const cluster& cl : c.clusters) {
    if (cl.name == name) {
      return &cl;
    }
  }
  return nullptr;
}

const collection* find_collection(const cluster& c, std::string_view database,
                                  std::string_view name) noexcept {
  for (const collection& col : c.collections) {
    if (*col.database == database && col.name == name) {
      return &col;
    }
  }
  return nullptr;
}

}  // namespace refreshd::config
