#include "address.hpp"

#include <charconv>

#include "reader.hpp"

namespace refreshd::config::detail {
namespace {

bool host_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

bool ipv6_char(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
         c == '.';
}

bool has_control_or_space(std::string_view s) noexcept {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) {
      return true;
    }
  }
  return false;
}

bool iequals_prefix(std::string_view s, std::string_view prefix) noexcept {
  if (s.size() < prefix.size()) {
    return false;
  }
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    if (c != prefix[i]) {
      return false;
    }
  }
  return true;
}

std::optional<std::uint16_t> parse_port(std::string_view s, int min) {
  unsigned v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() ||
      v < static_cast<unsigned>(min) || v > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(v);
}

// Splits "host[:port]" / "[v6][:port]" into host and port text; false on a malformed host.
bool split_host_port(std::string_view authority, std::string& host, std::string_view& port,
                     bool& has_port) {
  has_port = false;
  if (authority.starts_with('[')) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos || close == 1) {
      return false;
    }
    host = authority.substr(1, close - 1);
    for (char c : host) {
      if (!ipv6_char(c)) {
        return false;
      }
    }
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return false;
      }
      has_port = true;
      port = rest.substr(1);
    }
    return true;
  }
  const std::size_t colon = authority.rfind(':');
  host = authority.substr(0, colon);
  if (colon != std::string_view::npos) {
    has_port = true;
    port = authority.substr(colon + 1);
  }
  if (host.empty()) {
    return false;
  }
  for (char c : host) {
    if (!host_char(c)) {
      return false;
    }
  }
  return true;
}

}  // namespace

url_result parse_endpoint(std::string_view text) {
  url_result r;
  http_url u;
  std::string_view rest;
  if (iequals_prefix(text, "https://")) {
    u.https = true;
    rest = text.substr(8);
  } else if (iequals_prefix(text, "http://")) {
    rest = text.substr(7);
  } else {
    r.error = "endpoint must be an http:// or https:// URL (e.g. https://host:19530)";
    return r;
  }
  const std::size_t end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, end);
  if (authority.find('@') != std::string_view::npos) {
    r.error =
        "endpoint must not contain credentials (user:password@host); use token_file, "
        "token_env or token";
    return r;
  }
  if (has_control_or_space(text)) {
    r.error = "endpoint must not contain spaces or control characters";
    return r;
  }
  std::string_view path = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  if (path.find_first_of("?#") != std::string_view::npos) {
    r.error = "endpoint must not have a query (?...) or fragment (#...)";
    return r;
  }
  std::string_view port_text;
  bool has_port = false;
  if (!split_host_port(authority, u.host, port_text, has_port)) {
    r.error = "endpoint has an invalid or empty host";
    return r;
  }
  const auto port =
      has_port ? parse_port(port_text, 1) : std::optional<std::uint16_t>(u.https ? 443 : 80);
  if (!port) {
    r.error = "endpoint has an invalid port (expected 1..65535)";
    return r;
  }
  u.port = *port;
  while (path.ends_with('/')) {
    path.remove_suffix(1);
  }
  u.path = path;
  r.url = std::move(u);
  return r;
}

std::optional<listen_address> parse_listen(std::string_view text, std::string& error) {
  std::string host;
  std::string_view port_text;
  bool has_port = false;
  if (has_control_or_space(text) || !split_host_port(text, host, port_text, has_port)) {
    error = "invalid listen address " + quote(text) +
            ": expected HOST:PORT (e.g. 127.0.0.1:9748, 0.0.0.0:9748 or [::1]:9748)";
    return std::nullopt;
  }
  const auto port = has_port ? parse_port(port_text, 0) : std::nullopt;
  if (!port) {
    error = "invalid or missing port in listen address (expected HOST:PORT, port 0..65535)";
    return std::nullopt;
  }
  return listen_address{host, *port};
}

std::optional<std::string> check_external_source(std::string_view text) {
  std::size_t i = 0;
  const auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  while (i < text.size() &&
         (alpha(text[i]) || (i > 0 && ((text[i] >= '0' && text[i] <= '9') || text[i] == '+' ||
                                       text[i] == '-' || text[i] == '.')))) {
    ++i;
  }
  if (i == 0 || text.substr(i, 3) != "://") {
    return "external_source needs an explicit scheme (s3://, gs://, volume://, ...)";
  }
  const std::string_view rest = text.substr(i + 3);
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) {
    return "external_source must not embed credentials (scheme://user:secret@...); put them in "
           "the cluster's storage configuration or external_spec";
  }
  if (rest.empty()) {
    return "external_source has nothing after the scheme";
  }
  if (has_control_or_space(text)) {
    return "external_source must not contain spaces or control characters";
  }
  return std::nullopt;
}

bool is_loopback_host(std::string_view host) {
  if (iequals_prefix(host, "localhost") && host.size() == 9) {
    return true;
  }
  if (host.size() > 10 && host.ends_with(".localhost")) {
    return true;
  }
  if (host == "::1" || host == "0:0:0:0:0:0:0:1") {
    return true;
  }
  if (!host.starts_with("127.")) {
    return false;
  }
  int dots = 0;
  for (char c : host) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3;
}

}  // namespace refreshd::config::detail
