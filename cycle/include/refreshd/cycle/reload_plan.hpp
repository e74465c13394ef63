#pragma once
// What a reload changes, decided before anything is touched (docs/DAEMON.md "Reload"): a pure
// comparison of the running configuration with the new one. The runtime reads the files (tokens,
// CA files) first, then applies the plan in small steps that cannot fail.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <refreshd/config/config.hpp>
#include <refreshd/cycle/slot_plan.hpp>

namespace refreshd::daemon {

/// What becomes of one cluster of the new configuration.
struct cluster_change {
  /// The running cluster (index in the old configuration) kept with its connection: same name,
  /// endpoint, TLS settings, request timeout, token source and CA file content. Its limits and
  /// token are updated in place.
  std::optional<std::size_t> reuse;
  /// Without `reuse`: the running cluster of the same name this one replaces (its request
  /// counters continue), nullopt for a new cluster.
  std::optional<std::size_t> replaces;
};

/// What becomes of one collection of the new configuration (clusters in order, then their
/// collections in order: the runtime's collection indices after the reload).
struct collection_change {
  std::size_t cluster = 0;                  ///< index in the new configuration
  const config::collection* cfg = nullptr;  ///< in the new configuration
  /// The running collection (index in the old order) with the same cluster name, database and
  /// name: it keeps its state, queue position and in-flight poll. nullopt: added.
  std::optional<std::size_t> reuse;
  /// A new slot plan (added, or a schedule setting changed).
  std::optional<slot_plan> plan;
  /// Some setting differs (cycle parameters, target, suspend are updated).
  bool settings_changed = false;
  /// The collection counts as changed (its settings, or its cluster was replaced).
  bool changed = false;
  enum class queueing : char {
    keep,        ///< its pending slot stays
    reschedule,  ///< a new first slot (new plan, or suspend changed)
    reconcile,   ///< added: startup reconciliation
  };
  queueing queue = queueing::keep;
};

struct reload_plan {
  std::vector<cluster_change> clusters;        ///< per cluster of the new configuration
  std::vector<std::size_t> retired_clusters;   ///< old clusters not reused (in old order)
  std::vector<collection_change> collections;  ///< per collection of the new configuration
  std::vector<std::size_t> removed;            ///< old collections not in the new configuration
  /// Settings only a restart applies, one line each.
  std::vector<std::string> needs_restart;
};

/// Compares `old` (the running configuration, whose clusters and collections are the runtime's in
/// the same order) with `next`. `old_ca` / `next_ca`: a fingerprint of each cluster's CA file
/// content, per cluster of each configuration (0: none), read by the caller. Throws
/// std::invalid_argument when a new or changed schedule cannot be planned (make_slot_plan).
reload_plan plan_reload(const config::config& old, const config::config& next,
                        const std::vector<std::size_t>& old_ca,
                        const std::vector<std::size_t>& next_ca);

}  // namespace refreshd::daemon
