#pragma once
// Routing and header parsing of the daemon's HTTP API (docs/HTTP.md): what a request target
// names, the bearer token of an Authorization header, secret comparison. Pure: no Asio, no
// runtime (the HTTP request fuzzer links just this and read_auth.cpp).

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace refreshd::daemon {

using sha256_digest = std::array<unsigned char, 32>;

/// The SHA-256 of `s`; nullopt when OpenSSL fails (so that no failure can equal another).
std::optional<sha256_digest> sha256(std::string_view s);

/// Compares two secrets in time independent of where they differ and of their lengths (both
/// are hashed with SHA-256 first, then compared with CRYPTO_memcmp).
bool constant_time_equal(std::string_view a, std::string_view b);

/// The token of "Bearer <token>" (scheme case-insensitive), or nullopt.
std::optional<std::string_view> bearer_token(std::string_view authorization);

/// Percent-decodes one path segment; nullopt on a bad escape, an empty result or a '/'.
std::optional<std::string> decode_segment(std::string_view s);

/// What a path names.
struct route_fixed {
  std::string_view path;  ///< "/", "/healthz", "/readyz", "/status", "/metrics"
};
/// POST /v1/collections/{cluster}/{database}/{name}/{action} (docs/HTTP.md "Admin").
enum class admin_action : std::uint8_t { refresh, pause, resume };
struct route_admin {
  std::string cluster, database, collection;
  admin_action action = admin_action::refresh;
};
struct route_unknown {};
struct route_malformed {
  std::string why;
};
using route = std::variant<route_fixed, route_admin, route_unknown, route_malformed>;
/// Classifies a target (the query string is ignored).
route parse_route(std::string_view target);

/// Percent-decodes `s` ('+' stays '+'); nullopt on a bad escape.
std::optional<std::string> percent_decode(std::string_view s);

/// The filters and paging of GET /status and / (docs/HTTP.md "Filters and paging").
struct status_query {
  std::string cluster;                ///< empty: every cluster
  std::string database;               ///< empty: every database
  std::vector<std::string> statuses;  ///< empty: every status (not yet checked against the set)
  std::size_t limit = 1000;           ///< 1..10000
  std::string after;                  ///< the cursor: "cluster/database/collection"; empty: start
};
inline constexpr std::size_t max_status_limit = 10000;
/// The query string of `target` read as a status_query; route_malformed naming the parameter
/// for an unknown parameter, a repeated one, a bad escape or a limit out of range.
std::variant<status_query, route_malformed> parse_status_query(std::string_view target);

}  // namespace refreshd::daemon
