#pragma once
// The test hook of `milvus-refreshd run`, set only through an environment variable that no
// production unit, package or manifest sets (docs/SYSTEMD.md, "Test hook").
//
//   MILVUS_REFRESHD_TEST_CLOCK_JUMP=<after>:<step>  ("20s:+1h", "5s:-30m"): that long after
//       start, the wall clock the scheduler sees steps by <step> (real_clock's test offset), as
//       an NTP step or a manual `date -s` would. Logged at warn level. Used by the fault soak.

#include <memory>

#include <refreshd/net/asio.hpp>
#include <refreshd/runtime/runtime.hpp>

namespace refreshd::daemon {

inline constexpr const char* clock_jump_env = "MILVUS_REFRESHD_TEST_CLOCK_JUMP";

/// Arms the wall-clock step when MILVUS_REFRESHD_TEST_CLOCK_JUMP is set (non-empty). Throws
/// usage_error (exit code 2) on a malformed value. The coroutine ends with the io_context.
void arm_clock_jump_hook(net::io_context& ioc);

}  // namespace refreshd::daemon
