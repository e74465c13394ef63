#pragma once
// Leader election with a Kubernetes Lease (docs/COORDINATION.md "Kubernetes Lease"): the leader
// drives every collection, the others are hot standbys (config loaded, /status served).
#include <memory>

#include <refreshd/config/config.hpp>
#include <refreshd/daemon/replica_coordination.hpp>

namespace refreshd::daemon {

/// Throws std::invalid_argument when the service account's files or the API server's address
/// are missing.
std::shared_ptr<replica_coordination> make_lease_coordination(
    executor ex, const config::coordination_settings& s);

}  // namespace refreshd::daemon
