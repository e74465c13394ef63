#pragma once
// A hanging name service for the DNS tests. fake_name_service.cpp defines getaddrinfo in the
// test executable, which interposes on the C library's (the client's resolution, Asio's or ours,
// ends in ::getaddrinfo): names under ".hang.invalid" block until release_all() (or a safety
// limit, so a broken build fails instead of hanging forever) and then answer EAI_NONAME; every
// other name goes to the real getaddrinfo. ".invalid" is reserved (RFC 2606): no real lookup
// can be affected.

#include <chrono>
#include <string>

namespace refreshd::test::fake_dns {

/// Calls to getaddrinfo for `host` so far (started, whether or not they returned).
int calls(const std::string& host);
/// Calls blocked right now, and the most that were ever blocked at once, over all hung names.
int blocked();
int max_blocked();
/// Blocks the caller (a test thread, not an io_context) until at least `n` calls are blocked;
/// false after `limit`.
bool wait_blocked(int n, std::chrono::milliseconds limit = std::chrono::seconds(10));
/// Releases every blocked call; later calls for hung names fail at once until reset().
void release_all();
/// Blocks until no call is blocked any more; false after `limit`.
bool wait_idle(std::chrono::milliseconds limit = std::chrono::seconds(10));
/// Forgets counters and makes hung names hang again. Call with nothing blocked.
void reset();

}  // namespace refreshd::test::fake_dns
