#pragma once
// depends_on among the runtime's collections (docs/SCHEDULES.md "depends_on"): who waits for
// whom, by collection index, and whether a dependent may refresh now. Pure: the runtime hands in
// the states.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <refreshd/cycle/collection_state.hpp>

namespace refreshd::daemon {

/// Where a dependent stands: `ready` when every upstream became ready since it last refreshed;
/// `waiting` for one that has not; `held` by one whose latest refresh failed.
enum class upstream_wait : std::uint8_t { ready, waiting, held };
std::string_view to_string(upstream_wait w) noexcept;

struct upstream_gate {
  upstream_wait wait = upstream_wait::ready;
  std::size_t upstream = 0;  ///< which upstream (position in the span checked) it waits for
};

/// When a dependent last took its upstreams' data: the server's start of its newest job (triggered
/// here, or listed at startup), else the local trigger time while that job has no start; none
/// before any.
maybe_time consumed_at(const collection_state& s) noexcept;

/// `held` when an upstream's status says its last refresh failed (failing, misconfigured,
/// unsupported, auth_failed, or paused with failures in a row: quarantined); else `waiting` when
/// one has not become ready after `consumed`; else `ready`. The first held upstream wins over
/// the first waiting one.
upstream_gate check_upstreams(maybe_time consumed,
                              std::span<const collection_state* const> upstreams) noexcept;

/// The edges by collection index, only for the collections in the graph (a config without
/// depends_on costs nothing), and which dependents were last seen held (logged once).
class dependency_links {
 public:
  /// `keys[i]` is collection i's "cluster/database/name", `depends[i]` its depends_on (null or
  /// empty: none). Upstreams that are not configured are left out (the loader rejects them).
  void build(const std::vector<std::string>& keys,
             const std::vector<const std::vector<std::string>*>& depends);
  void clear();
  [[nodiscard]] bool empty() const noexcept { return up_.empty(); }
  [[nodiscard]] std::span<const std::size_t> upstreams(std::size_t dependent) const noexcept;
  [[nodiscard]] std::span<const std::size_t> dependents(std::size_t upstream) const noexcept;
  /// Every collection that has dependents.
  [[nodiscard]] std::vector<std::size_t> upstreams_of_any() const;
  /// Records whether `dependent` is held now; true when that changed (log it).
  bool note_held(std::size_t dependent, bool held);

 private:
  std::unordered_map<std::size_t, std::vector<std::size_t>> up_;
  std::unordered_map<std::size_t, std::vector<std::size_t>> down_;
  std::unordered_set<std::size_t> held_;
};

}  // namespace refreshd::daemon
