#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/formatter.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <refreshd/config/safe_text.hpp>
#include <refreshd/log/logging.hpp>
#include <refreshd/schedule/zone.hpp>

namespace refreshd::daemon {
namespace {

using ordered_json = nlohmann::ordered_json;

// A structured payload: this byte, then a JSON object whose first key is "msg".
constexpr char structured_marker = '\x1e';

std::string dump(const ordered_json& j) {
  // Server messages may hold invalid UTF-8 (replaced, not thrown), C1 and bidi (escaped).
  return dump_json(j);
}

std::string_view level_name(spdlog::level::level_enum l) {
  switch (l) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    case spdlog::level::err:
      return "error";
    case spdlog::level::critical:
      return "critical";
    default:
      return "off";
  }
}

// sd-daemon(3) priorities.
int journald_priority(spdlog::level::level_enum l) {
  switch (l) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return 7;
    case spdlog::level::info:
      return 6;
    case spdlog::level::warn:
      return 4;
    case spdlog::level::err:
      return 3;
    default:
      return 2;
  }
}

std::string utc_time(spdlog::log_clock::time_point t) {
  return schedule::format_utc(std::chrono::floor<std::chrono::milliseconds>(t));
}

bool needs_quotes(std::string_view v) {
  if (v.empty()) {
    return true;
  }
  for (unsigned char c : v) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\') {
      return true;
    }
  }
  return !is_safe_text(v);
}

std::string text_value(const ordered_json& v) {
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    return needs_quotes(s) ? quote_text(s) : s;
  }
  return dump(v);
}

/// The message of a text line: as it is, or quoted when it holds something a reader of the
/// line must not see raw (a reload diagnostic quoting a YAML key, a plain spdlog call).
std::string text_message(std::string_view msg) {
  return is_safe_text(msg) ? std::string(msg) : quote_text(msg);
}

class line_formatter final : public spdlog::formatter {
 public:
  explicit line_formatter(const logging_options& o) : options_(o) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    std::string line = options_.format == config::log_format::json ? json_line(msg, payload)
                                                                   : text_line(msg, payload);
    line.push_back('\n');
    dest.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<line_formatter>(options_);
  }

 private:
  std::string json_line(const spdlog::details::log_msg& msg, std::string_view payload) const {
    ordered_json head;
    head["time"] = utc_time(msg.time);
    head["level"] = level_name(msg.level);
    std::string out = dump(head);
    out.pop_back();  // '}'
    if (!payload.empty() && payload.front() == structured_marker && payload.size() > 3) {
      out += ',';
      out.append(payload.substr(2));  // the object without its '{' (already hardened)
      return out;
    }
    out += ",\"msg\":";
    out += dump(ordered_json(std::string(payload)));
    out += '}';
    return out;
  }

  std::string text_line(const spdlog::details::log_msg& msg, std::string_view payload) const {
    std::string out;
    if (options_.journald) {
      out = fmt::format("<{}>", journald_priority(msg.level));
    } else {
      out = utc_time(msg.time);
      out += ' ';
      out += level_name(msg.level);
      out += ' ';
    }
    if (!payload.empty() && payload.front() == structured_marker) {
      out += render_text_fields(payload.substr(1));
    } else {
      out += text_message(payload);
    }
    return out;
  }

  logging_options options_;
};

spdlog::level::level_enum to_spdlog(config::log_level l) {
  switch (l) {
    case config::log_level::trace:
      return spdlog::level::trace;
    case config::log_level::debug:
      return spdlog::level::debug;
    case config::log_level::info:
      return spdlog::level::info;
    case config::log_level::warn:
      return spdlog::level::warn;
    case config::log_level::error:
      return spdlog::level::err;
    case config::log_level::critical:
      return spdlog::level::critical;
    case config::log_level::off:
      break;
  }
  return spdlog::level::off;
}

}  // namespace

bool detect_journal_stream() {
  const char* v = std::getenv("JOURNAL_STREAM");
  if (v == nullptr) {
    return false;
  }
  unsigned long long dev = 0;
  unsigned long long ino = 0;
  if (std::sscanf(v, "%llu:%llu", &dev, &ino) != 2) {
    return false;
  }
  struct stat st {};
  if (::fstat(STDERR_FILENO, &st) != 0) {
    return false;
  }
  return static_cast<unsigned long long>(st.st_dev) == dev &&
         static_cast<unsigned long long>(st.st_ino) == ino;
}

namespace {

void install(const logging_options& options, spdlog::sink_ptr sink) {
  auto logger = std::make_shared<spdlog::logger>("milvus-refreshd", std::move(sink));
  logger->set_formatter(std::make_unique<line_formatter>(options));
  logger->set_level(to_spdlog(options.level));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace

void setup_logging(const logging_options& options) {
  install(options, std::make_shared<spdlog::sinks::stderr_sink_st>());
}

void setup_logging(const logging_options& options, std::ostream& out) {
  install(options, std::make_shared<spdlog::sinks::ostream_sink_st>(out));
}

void log_event(config::log_level level, std::string_view msg, const log_fields& f) {
  auto* logger = spdlog::default_logger_raw();
  const auto lvl = to_spdlog(level);
  if (level == config::log_level::off || !logger->should_log(lvl)) {
    return;
  }
  ordered_json j;
  j["msg"] = std::string(msg);
  auto put = [&](const char* key, std::string_view v) {
    if (!v.empty()) {
      j[key] = std::string(v);
    }
  };
  put("cluster", f.cluster);
  put("database", f.database);
  put("collection", f.collection);
  if (f.job_id) {
    j["job_id"] = *f.job_id;
  }
  put("state", f.state);
  if (f.progress) {
    j["progress"] = *f.progress;
  }
  for (const auto& [k, v] : f.extra) {
    j[k] = v;
  }
  for (const auto& [k, v] : f.numbers) {
    j[k] = v;
  }
  std::string payload(1, structured_marker);
  payload += dump(j);
  logger->log(lvl, "{}", payload);
}

std::string render_text_fields(std::string_view payload) {
  auto j = ordered_json::parse(payload, nullptr, false);
  if (!j.is_object()) {
    return text_message(payload);
  }
  std::string out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "msg") {
      out.insert(0, it.value().is_string() ? text_message(it.value().get<std::string>())
                                           : dump(it.value()));
      continue;
    }
    if (it.value().is_null()) {
      continue;
    }
    out += ' ';
    out += it.key();
    out += '=';
    out += text_value(it.value());
  }
  return out;
}

void log_task_failure(const char* what, std::exception_ptr e) {
  if (!e) {
    return;
  }
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    log_fields f;
    f.add("task", what).add("error", x.what());
    log_event(config::log_level::critical, "internal error (a bug)", f);
  } catch (...) {
    log_fields f;
    f.add("task", what);
    log_event(config::log_level::critical, "internal error (a bug)", f);
  }
}

}  // namespace refreshd::daemon
