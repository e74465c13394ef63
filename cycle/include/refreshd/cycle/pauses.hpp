#pragma once
// Operator intent (docs/OPERATIONS.md "Pause"): which collections are paused, why and since
// when, by key ("cluster/database/name"). Plain data: the runtime keeps it, the daemon stores it.

#include <functional>
#include <map>
#include <string>

#include <refreshd/cycle/time.hpp>

namespace refreshd::daemon {

struct pause_record {
  std::string reason;        ///< as given (may be empty), or the quarantine's
  wall_time at{};            ///< when it was paused
  bool quarantined = false;  ///< paused by quarantine_after, not by an operator
  /// False while a quarantine's save has not completed (or failed): not in the store's book yet,
  /// so a book read from the store does not drop it. Not stored.
  bool saved = true;

  bool operator==(const pause_record&) const = default;
};

using pause_book = std::map<std::string, pause_record, std::less<>>;

/// The longest reason kept (longer ones are refused by the admin API).
inline constexpr std::size_t max_pause_reason = 1024;

}  // namespace refreshd::daemon
