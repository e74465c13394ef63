#include "endpoint.hpp"

#include <charconv>
#include <stdexcept>
#include <system_error>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <fmt/format.h>

namespace refreshd::client::detail {
namespace {

namespace urls = boost::urls;

// A URL that failed to parse may still carry user:password@; echo it only without '@'.
std::string shown(std::string_view url) {
  if (url.find('@') != std::string_view::npos) {
    return "(redacted: it contains '@')";
  }
  return fmt::format("'{}'", url);
}

[[noreturn]] void fail(std::string_view url, std::string_view why) {
  throw std::invalid_argument(fmt::format("endpoint {}: {}", shown(url), why));
}

std::string scheme_of(const urls::url_view& u, std::string_view url) {
  if (u.scheme_id() == urls::scheme::http) {
    return "http";
  }
  if (u.scheme_id() == urls::scheme::https) {
    return "https";
  }
  fail(url, fmt::format("unsupported scheme '{}' (expected http:// or https://)",
                        std::string_view(u.scheme())));
}

std::string prefix_of(const urls::url_view& u) {
  std::string path(u.encoded_path());
  while (!path.empty() && path.back() == '/') {
    path.pop_back();
  }
  return path;
}

// url_view::port_number() wraps values above 65535; parse the digits here.
unsigned short port_of(std::string_view digits, std::string_view url) {
  unsigned value = 0;
  const auto* end = digits.data() + digits.size();
  const auto [ptr, ec] = std::from_chars(digits.data(), end, value);
  if (digits.empty() || ec != std::errc() || ptr != end || value == 0 || value > 65535) {
    fail(url, "invalid port (expected 1-65535)");
  }
  return static_cast<unsigned short>(value);
}

}  // namespace

endpoint parse_endpoint(std::string_view url) {
  auto parsed = urls::parse_uri(url);
  if (!parsed) {
    fail(url, fmt::format("not a valid URL ({}); expected http[s]://host[:port][/prefix]",
                          parsed.error().message()));
  }
  const urls::url_view& u = *parsed;
  endpoint ep;
  ep.tls = scheme_of(u, url) == "https";
  if (u.has_userinfo()) {
    // Never echo the URL here: the userinfo is most likely a password.
    throw std::invalid_argument(
        "endpoint URL must not contain credentials (user:password@host); "
        "configure the token through token_file, token_env or token instead");
  }
  if (!u.has_authority() || u.encoded_host().empty()) {
    fail(url, "missing host");
  }
  if (u.has_query() || u.has_fragment()) {
    fail(url, "a query or fragment is not allowed in an endpoint");
  }
  ep.host_is_ip = u.host_type() == urls::host_type::ipv4 || u.host_type() == urls::host_type::ipv6;
  if (u.host_type() == urls::host_type::ipvfuture) {
    fail(url, "unsupported IP literal");
  }
  ep.host = u.host_type() == urls::host_type::name ? u.host_name() : u.host_address();
  const unsigned short default_port = ep.tls ? 443 : 80;
  unsigned short port = default_port;
  if (u.has_port()) {
    port = port_of(u.port(), url);
  }
  ep.port = std::to_string(port);
  std::string bracketed(u.encoded_host());
  ep.authority = bracketed + ":" + ep.port;
  ep.host_header = port == default_port ? bracketed : ep.authority;
  ep.prefix = prefix_of(u);
  return ep;
}

bool has_line_break(std::string_view s) noexcept {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

}  // namespace refreshd::client::detail
