#pragma once
// The coordination.k8s.io/v1 Lease API of a Kubernetes API server, as client-go's resource lock
// uses it (docs/COORDINATION.md "Kubernetes Lease"): GET, create (POST) and update (PUT with the
// resourceVersion read). In a pod: the service account's token (re-read before every request:
// it rotates), its CA and its namespace.
#include <chrono>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <refreshd/client/http_client.hpp>
#include <refreshd/coord/lease_election.hpp>
#include <refreshd/net/asio.hpp>

namespace refreshd::coord {

struct kube_lease_options {
  std::string api_server;  ///< https://host:port
  std::string ca_file;     ///< the service account's ca.crt
  std::string token_file;  ///< the service account's token
  std::string lease_namespace;
  std::string name;
  std::chrono::milliseconds request_timeout{5000};
};

/// An API error (`status`: the HTTP status, 409 Conflict when another candidate won), or no
/// answer (`status` 0). The message never holds the token.
struct kube_error {
  int status = 0;
  std::string message;
  [[nodiscard]] bool conflict() const noexcept { return status == 409; }
};

/// A Lease as read or written.
struct kube_lease {
  lease_spec spec;
  std::string resource_version;
};

template <class T>
using kube_result = std::variant<T, kube_error>;

class kube_lease_client {
 public:
  /// Throws std::invalid_argument for a bad URL or CA file.
  kube_lease_client(executor ex, kube_lease_options options);
  /// nullopt: there is no such Lease (404).
  awaitable<kube_result<std::optional<kube_lease>>> get();
  awaitable<kube_result<kube_lease>> create(lease_spec spec);
  /// PUT with `resource_version`: 409 when the Lease changed since it was read.
  awaitable<kube_result<kube_lease>> update(lease_spec spec, std::string resource_version);
  [[nodiscard]] const kube_lease_options& options() const noexcept { return options_; }

 private:
  awaitable<kube_result<kube_lease>> write(client::http_method method, std::string path,
                                           std::string body);
  /// The bearer token, read now (it rotates); the error when the file cannot be read.
  std::optional<kube_error> authorization(std::vector<client::http_header>& headers) const;
  [[nodiscard]] std::string object_path() const;
  [[nodiscard]] std::string body(const lease_spec& spec, const std::string& rv) const;

  kube_lease_options options_;
  client::http_client http_;
};

/// Reads a Lease object's JSON (spec fields absent at their defaults); nullopt when it is not one.
std::optional<kube_lease> parse_lease(std::string_view json_text);

/// Now as a Kubernetes MicroTime ("2026-12-07T15:04:05.123456Z").
std::string micro_time_now();

}  // namespace refreshd::coord
