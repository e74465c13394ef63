// Routing and header parsing of the daemon's HTTP API (docs/HTTP.md): pure functions of the
// request's bytes, also compiled into the HTTP request fuzzer (tests/fuzz/fuzz_http_request.cpp).
#include <array>
#include <cctype>
#include <vector>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <refreshd/http/http_route.hpp>

namespace refreshd::daemon {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

}  // namespace

std::optional<sha256_digest> sha256(std::string_view s) {
  sha256_digest md{};
  unsigned int size = 0;
  if (EVP_Digest(s.data(), s.size(), md.data(), &size, EVP_sha256(), nullptr) != 1 ||
      size != md.size()) {
    return std::nullopt;
  }
  return md;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  const auto da = sha256(a);
  const auto db = sha256(b);
  // Equal-length digests: the comparison time does not depend on the secrets.
  return da && db && CRYPTO_memcmp(da->data(), db->data(), da->size()) == 0;
}

std::optional<std::string_view> bearer_token(std::string_view h) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
      s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
      s.remove_suffix(1);
    }
    return s;
  };
  h = trim(h);
  constexpr std::string_view scheme = "bearer";
  if (h.size() <= scheme.size() || (h[scheme.size()] != ' ' && h[scheme.size()] != '\t')) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(h[i])) != scheme[i]) {
      return std::nullopt;
    }
  }
  const auto token = trim(h.substr(scheme.size()));
  if (token.empty()) {
    return std::nullopt;
  }
  return token;
}

std::optional<std::string> decode_segment(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) {
      return std::nullopt;
    }
    const int hi = hex_value(s[i + 1]);
    const int lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) {
      return std::nullopt;
    }
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  if (out.empty() || out.find('/') != std::string::npos) {
    return std::nullopt;
  }
  return out;
}

route parse_route(std::string_view target) {
  if (target.empty() || target.front() != '/') {
    return route_malformed{"request target must be a path"};
  }
  const auto path = target.substr(0, target.find_first_of("?#"));
  for (std::string_view p : {"/", "/healthz", "/readyz", "/status", "/metrics"}) {
    if (path == p) {
      return route_fixed{p};
    }
  }
  constexpr std::string_view prefix = "/v1/collections/";
  if (path.substr(0, prefix.size()) != prefix) {
    return route_unknown{};
  }
  std::vector<std::string_view> parts;
  for (auto rest = path.substr(prefix.size());;) {
    const auto slash = rest.find('/');
    parts.push_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(slash + 1);
  }
  if (parts.size() != 4 || parts[3] != "refresh") {
    return route_unknown{};
  }
  route_admin a;
  auto cluster = decode_segment(parts[0]);
  auto database = decode_segment(parts[1]);
  auto name = decode_segment(parts[2]);
  if (!cluster || !database || !name) {
    return route_malformed{"bad path segment (empty, '/' or a bad %-escape)"};
  }
  a.cluster = std::move(*cluster);
  a.database = std::move(*database);
  a.collection = std::move(*name);
  return a;
}

}  // namespace refreshd::daemon
