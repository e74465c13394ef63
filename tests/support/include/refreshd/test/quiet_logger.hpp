#pragma once
// Tests of code that logs: the default spdlog logger goes to a null sink for the lifetime of a
// quiet_logger (a fixture member), and the previous one comes back afterwards.

#include <memory>

#include <spdlog/sinks/null_sink.h>
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

}  // namespace refreshd::test
