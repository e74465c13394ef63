#pragma once
// Private: the parsed base URL of an http_client and small text helpers shared by its .cpp files.

#include <chrono>
#include <string>
#include <string_view>

namespace refreshd::client::detail {

struct endpoint {
  bool tls = false;
  bool host_is_ip = false;
  std::string host;         ///< for resolution, SNI and verification (IPv6 without brackets)
  std::string port;         ///< decimal
  std::string prefix;       ///< "" or "/a/b" (no trailing slash), still percent-encoded
  std::string authority;    ///< host:port, for messages and logs
  std::string host_header;  ///< value of the Host header (port only when not the default)
};

/// Parses http[s]://host[:port][/prefix]. Throws std::invalid_argument with a message that
/// never repeats userinfo.
endpoint parse_endpoint(std::string_view url);

/// True when `s` holds CR, LF or NUL (header injection).
bool has_line_break(std::string_view s) noexcept;

}  // namespace refreshd::client::detail
