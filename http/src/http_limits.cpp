#include <refreshd/http/http_limits.hpp>
#include <refreshd/net/http_server.hpp>

namespace refreshd::daemon {

http_server_limits to_server_limits(const http_listener_limits& limits) {
  http_server_limits out;
  out.max_header_bytes = limits.max_header_bytes;
  out.max_body_bytes = limits.max_body_bytes;
  out.max_buffer_bytes = limits.max_buffer_bytes;
  out.read_timeout = limits.read_timeout;
  out.header_timeout = limits.header_timeout;
  out.idle_timeout = limits.idle_timeout;
  out.write_timeout = limits.write_timeout;
  out.max_connections = limits.max_connections;
  out.max_connections_per_client = limits.max_connections_per_client;
  return out;
}

}  // namespace refreshd::daemon
