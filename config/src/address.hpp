#pragma once
// Private: endpoint URLs, listen addresses and external_source URIs. Error messages never quote
// the input (it may hold credentials).

#include <optional>
#include <string>
#include <string_view>

#include <refreshd/config/config.hpp>

namespace refreshd::config::detail {

struct http_url {
  bool https = false;
  std::string host;  ///< IPv6 without brackets
  std::uint16_t port = 0;
  std::string path;  ///< "" or "/prefix"
};

struct url_result {
  std::optional<http_url> url;
  std::string error;
};

/// http[s]://host[:port][/prefix]; no userinfo, query or fragment.
url_result parse_endpoint(std::string_view text);

/// HOST:PORT or [IPv6]:PORT, port 0..65535.
std::optional<listen_address> parse_listen(std::string_view text, std::string& error);

/// nullopt when `text` has an explicit scheme ("s3://...") and no credentials; else the error.
std::optional<std::string> check_external_source(std::string_view text);

/// localhost, *.localhost, 127.0.0.0/8, ::1.
bool is_loopback_host(std::string_view host);

}  // namespace refreshd::config::detail
