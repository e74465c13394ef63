// Routing and header parsing of the daemon's HTTP API (docs/HTTP.md): pure functions of the
// request's bytes, also compiled into the HTTP request fuzzer (tests/fuzz/fuzz_http_request.cpp).
#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <vector>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <refreshd/config/safe_text.hpp>
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

std::optional<std::string> percent_decode(std::string_view s) {
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
  return out;
}

std::optional<std::string> decode_segment(std::string_view s) {
  auto out = percent_decode(s);
  if (!out || out->empty() || out->find('/') != std::string::npos) {
    return std::nullopt;
  }
  return out;
}

namespace {

std::optional<std::size_t> parse_limit(std::string_view v) {
  std::size_t n = 0;
  const auto r = std::from_chars(v.data(), v.data() + v.size(), n);
  if (r.ec != std::errc() || r.ptr != v.data() + v.size() || n < 1 || n > max_status_limit) {
    return std::nullopt;
  }
  return n;
}

/// Applies one `key=value` of the query to `q`; an error message, or empty.
std::string apply_parameter(status_query& q, std::string_view key, const std::string& value) {
  if (key == "cluster") {
    q.cluster = value;
  } else if (key == "database") {
    q.database = value;
  } else if (key == "status") {
    for (std::size_t from = 0; from <= value.size();) {
      const auto comma = std::min(value.find(',', from), value.size());
      if (comma > from) {
        q.statuses.push_back(value.substr(from, comma - from));
      }
      from = comma + 1;
    }
  } else if (key == "limit") {
    const auto n = parse_limit(value);
    if (!n) {
      return "limit must be a whole number from 1 to " + std::to_string(max_status_limit);
    }
    q.limit = *n;
  } else if (key == "after") {
    q.after = value;
  } else {
    return "unknown query parameter '" + safe_text(key.substr(0, 40)) +
           "' (use cluster, database, status, limit, after)";
  }
  return {};
}

}  // namespace

std::variant<status_query, route_malformed> parse_status_query(std::string_view target) {
  status_query q;
  const auto mark = target.find('?');
  std::string_view rest =
      mark == std::string_view::npos ? std::string_view() : target.substr(mark + 1);
  std::vector<std::string_view> seen;
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const auto item = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (item.empty()) {
      continue;
    }
    const auto eq = item.find('=');
    const auto key = item.substr(0, eq);
    const auto value = percent_decode(eq == std::string_view::npos ? "" : item.substr(eq + 1));
    if (!value) {
      return route_malformed{"bad %-escape in query parameter"};
    }
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      return route_malformed{"query parameter given twice"};
    }
    seen.push_back(key);
    if (auto why = apply_parameter(q, key, *value); !why.empty()) {
      return route_malformed{std::move(why)};
    }
  }
  return q;
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
  if (parts.size() != 4) {
    return route_unknown{};
  }
  route_admin a;
  if (parts[3] == "pause") {
    a.action = admin_action::pause;
  } else if (parts[3] == "resume") {
    a.action = admin_action::resume;
  } else if (parts[3] != "refresh") {
    return route_unknown{};
  }
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
