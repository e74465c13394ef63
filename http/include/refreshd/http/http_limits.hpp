#pragma once
// The limits of the daemon's HTTP listener (docs/HTTP.md), apart from the listener so that the
// HTTP request fuzzer (tests/fuzz/fuzz_http_request.cpp) serves with exactly the same ones.

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace refreshd {
struct http_server_limits;
}

namespace refreshd::daemon {

/// Limits of the daemon's server (docs/HTTP.md, "The server and its limits"). Headers larger than
/// max_header_bytes get 431, bodies larger than max_body_bytes 413; a request must arrive
/// completely within read_timeout of its first byte, an idle keep-alive connection is closed after
/// idle_timeout; a new connection over max_connections (or its client's share) closes the
/// connection idle longest, or, when all are handling requests, gets 503 and is closed unread.
struct http_listener_limits {
  std::uint32_t max_header_bytes = 8 * 1024;
  std::uint64_t max_body_bytes = 64 * 1024;
  /// Unparsed bytes per connection (head, one chunk-size line, trailer section); over → 431/413.
  std::size_t max_buffer_bytes = 16 * 1024;
  std::chrono::milliseconds read_timeout{5000};
  /// A new connection's first request head must arrive within this time of the accept.
  std::chrono::milliseconds header_timeout{3000};
  std::chrono::milliseconds idle_timeout{30000};
  std::chrono::milliseconds write_timeout{10000};
  std::size_t max_connections = 128;
  /// One client address's share of max_connections (Prometheus, kubelet and an attacker each
  /// get their own); over a cap, the connection idle longest gives way (docs/HTTP.md).
  std::size_t max_connections_per_client = 32;
};

/// The same as net::http_server limits (http_limits.cpp; includes Beast).
http_server_limits to_server_limits(const http_listener_limits& limits);

}  // namespace refreshd::daemon
