#pragma once
// Leader election with a Kubernetes coordination.k8s.io/v1 Lease, as client-go's
// leaderelection does it (docs/COORDINATION.md "Kubernetes Lease"): the decisions alone, pure;
// the API calls are the caller's. A candidate reads the Lease; it creates it when there is none,
// takes it over when the holder has not renewed it for leaseDurationSeconds *as observed on the
// candidate's own clock* (the holder's renewTime is another machine's clock: client-go never
// compares it with its own), and renews it while it holds it. The update carries the
// resourceVersion it read, so of two candidates only one wins (the other gets 409 Conflict).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace refreshd::coord {

/// The spec of the Lease (times as the API's RFC 3339 MicroTime text, kept as they came).
struct lease_spec {
  std::string holder;  ///< holderIdentity; empty: released, anyone may take it
  std::int64_t duration_seconds = 0;
  std::string acquire_time;
  std::string renew_time;
  std::int64_t transitions = 0;

  bool operator==(const lease_spec&) const = default;
};

/// What a candidate remembers of the Lease between attempts.
struct lease_observation {
  lease_spec spec;
  std::string resource_version;
  /// When the candidate last saw the spec change, on its own steady clock.
  std::chrono::steady_clock::time_point observed_at{};
};

struct election_step {
  enum class action {
    create,  ///< POST the Lease with `spec`
    update,  ///< PUT `spec` with `resource_version` (409: lost the race)
    wait,    ///< held by another and not expired: try again after the retry period
  };
  action what = action::wait;
  lease_spec spec;
  std::string resource_version;
};

/// One attempt of client-go's tryAcquireOrRenew. `read` is the Lease as just read (nullopt:
/// 404, none exists); `seen` is what the candidate remembered (updated here when the spec
/// changed); `now_text` is now as MicroTime text for renewTime/acquireTime.
election_step next_election_step(const std::optional<lease_observation>& read,
                                 lease_observation& seen, const std::string& me,
                                 std::chrono::seconds lease_duration,
                                 std::chrono::steady_clock::time_point now,
                                 const std::string& now_text);

/// The spec that releases a Lease this candidate holds (client-go's ReleaseOnCancel): no
/// holder, a duration of 1 s, so the next candidate takes it at once.
lease_spec released(const lease_spec& held, const std::string& now_text);

}  // namespace refreshd::coord
