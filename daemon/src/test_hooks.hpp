#pragma once
// Test hooks of `milvus-refreshd run`, set only through environment variables that no
// production unit, package or manifest sets (docs/SYSTEMD.md, "Test hook").
//
//   MILVUS_REFRESHD_TEST_PAUSE_LOOP_AFTER=<duration>  ("1500ms", "2s"): that long after start,
//       the scheduler loop stops ticking (runtime::pause_loop_for_test(true)), as a hung loop
//       would: /healthz turns 503 and the systemd watchdog pings stop. Logged at warn level.
//   MILVUS_REFRESHD_TEST_CLOCK_JUMP=<after>:<step>  ("20s:+1h", "5s:-30m"): that long after
//       start, the wall clock the scheduler sees steps by <step> (real_clock's test offset), as
//       an NTP step or a manual `date -s` would. Logged at warn level. Used by the fault soak.

#include <memory>

#include <refreshd/net/asio.hpp>
#include <refreshd/runtime/runtime.hpp>

namespace refreshd::daemon {

inline constexpr const char* pause_loop_env = "MILVUS_REFRESHD_TEST_PAUSE_LOOP_AFTER";
inline constexpr const char* clock_jump_env = "MILVUS_REFRESHD_TEST_CLOCK_JUMP";

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

/// Arms the wall-clock step when MILVUS_REFRESHD_TEST_CLOCK_JUMP is set (non-empty). Throws
/// usage_error (exit code 2) on a malformed value. The coroutine ends with the io_context.
void arm_clock_jump_hook(net::io_context& ioc);

}  // namespace refreshd::daemon
