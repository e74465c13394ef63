#pragma once
// Tests of code that logs: the default spdlog logger goes to a null sink for the lifetime of a
// quiet_logger (a fixture member), or to a string for that of a captured_log, and the previous
// one comes back afterwards.

#include <memory>
#include <sstream>
#include <string>

#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

namespace refreshd::test {

class quiet_logger {
 public:
  quiet_logger() : previous_(spdlog::default_logger()) {
    spdlog::set_default_logger(
        std::make_shared<spdlog::logger>("null", std::make_shared<spdlog::sinks::null_sink_st>()));
  }
  ~quiet_logger() { spdlog::set_default_logger(previous_); }
  quiet_logger(const quiet_logger&) = delete;
  quiet_logger& operator=(const quiet_logger&) = delete;

 private:
  std::shared_ptr<spdlog::logger> previous_;
};

/// Captures the log (info and up; text lines, whatever the format) for the lifetime of the
/// object. Thread-safe sink: some tests log from a server thread too.
class captured_log {
 public:
  captured_log() : previous_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>(
        "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(out_));
    logger->set_level(spdlog::level::info);
    spdlog::set_default_logger(logger);
  }
  ~captured_log() { spdlog::set_default_logger(previous_); }
  captured_log(const captured_log&) = delete;
  captured_log& operator=(const captured_log&) = delete;
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace refreshd::test
