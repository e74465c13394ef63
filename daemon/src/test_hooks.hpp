#pragma once
// Test hooks of `milvus-refreshd run`, set only through environment variables that no
// production unit, package or manifest sets (docs/SYSTEMD.md, "Test hook").
//
//   MILVUS_REFRESHD_TEST_PAUSE_LOOP_AFTER=<duration>  ("1500ms", "2s"): that long after start,
//       the scheduler loop stops ticking (runtime::pause_loop_for_test(true)), as a hung loop
//       would: /healthz turns 503 and the systemd watchdog pings stop. Logged at warn level.

#include <memory>

#include <refreshd/daemon/runtime.hpp>
#include <refreshd/net/asio.hpp>

namespace refreshd::daemon {

inline constexpr const char* pause_loop_env = "MILVUS_REFRESHD_TEST_PAUSE_LOOP_AFTER";

class loop_pause_hook {
 public:
  /// Arms the pause when the variable is set (non-empty): a coroutine on `ioc` waits, then
  /// pauses the runtime's loop unless the runtime is gone or stopping. It holds the runtime
  /// weakly and ends with the io_context. Throws usage_error (exit code 2) on a bad duration.
  loop_pause_hook(net::io_context& ioc, std::shared_ptr<runtime> rt);
  bool armed() const noexcept { return armed_; }

 private:
  bool armed_ = false;
};

}  // namespace refreshd::daemon
