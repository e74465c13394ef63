#pragma once
// A replica's coordination as readers see it (docs/COORDINATION.md): plain data for /status, the
// page and the metrics, filled by the daemon's binding of the coordinator.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <refreshd/cycle/time.hpp>

namespace refreshd::daemon {

/// What /status, the page and the metrics show of a replica's coordination.
struct coordination_status {
  std::string backend;  ///< "etcd"
  std::string replica_id;
  std::int64_t lease = 0;    ///< the lease in use, 0 while it has none
  bool lease_valid = false;  ///< the lease may be acted on now (before its deadline)
  std::size_t members = 0;   ///< live replicas at the last sync (this one included)
  std::size_t owned = 0;     ///< collections this replica holds a claim on
  std::uint64_t lease_grants = 0;
  std::uint64_t renewals = 0;
  std::uint64_t renewal_failures = 0;
  std::uint64_t claims = 0;    ///< collections taken over or first claimed
  std::uint64_t releases = 0;  ///< collections handed off
  std::uint64_t fence_refusals = 0;
  std::optional<wall_time> last_handoff;  ///< the last claim or release
};

}  // namespace refreshd::daemon
