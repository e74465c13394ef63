#pragma once
// The servability model (sim/README.md "Servability model"): index building and loading after
// completed refreshes, as closed-form functions of the clock (Unix epoch ms). Pure: no timers,
// constant state per collection (one index_build plus at most one queued completed_refresh).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <refreshd/sim/config.hpp>

namespace refreshd::sim {

/// "InProgress", "Finished", "Failed" (the proto enum names the REST API prints).
enum class index_state { in_progress, finished, failed };
std::string_view to_string(index_state s) noexcept;

/// "LoadStateNotLoad", "LoadStateLoading", "LoadStateLoaded".
enum class load_state { not_load, loading, loaded };
std::string_view to_string(load_state s) noexcept;

/// failReason of a failed build whose profile has no reason.
inline constexpr std::string_view default_index_fail_reason =
    "index build failed: simulated failure";

/// Totals saturate here, so every product below fits in 64 bits.
inline constexpr std::int64_t max_index_rows = 1'000'000'000'000'000;  // 10^15

/// A completed refresh as the index build sees it: when the job ended, and the collection's
/// rows / index / load profile when the job was created.
struct completed_refresh {
  std::int64_t end_ms = 0;
  std::int64_t rows = 0;
  index_profile index{};
  std::int64_t load_ms = 0;
};

/// The build of a collection's indexes (all of them build together with the same numbers).
/// Invariant: total_rows == indexed_before + rows.
struct index_build {
  bool refreshed = false;           ///< at least one completed refresh was folded in
  std::int64_t total_rows = 0;      ///< rows of every completed refresh so far
  std::int64_t indexed_before = 0;  ///< rows already indexed when this build started
  std::int64_t rows = 0;            ///< rows this build indexes (pendingRows at start_ms)
  std::int64_t start_ms = 0;        ///< end time of the refresh that started this build
  index_profile index{};            ///< speed and outcome of this build
  std::int64_t load_ms = 0;         ///< loading time after this build caught up

  /// When pendingRows reaches 0: start_ms + ceil(rows * 1000 / rows_per_s), start_ms when rows
  /// is 0; nullopt (never) when rows > 0 and rows_per_s is 0.
  std::optional<std::int64_t> done_ms() const noexcept;
};

/// One index as indexes/describe shows it at a moment.
struct index_progress {
  index_state state = index_state::finished;
  std::int64_t total_rows = 0;
  std::int64_t indexed_rows = 0;
  std::int64_t pending_rows = 0;
  std::string fail_reason;  ///< non-empty only when Failed
};

/// A collection's load state at a moment; progress is absent while NotLoad.
struct load_progress {
  load_state state = load_state::loaded;
  std::optional<int> progress;
};

/// The index numbers of build `b` at `now` (sim/README.md gives the formulas).
index_progress index_at(const index_build& b, std::int64_t now);
/// The build after refresh `r` completed: its rows join what is still unindexed at r.end_ms
/// (including the rows of a failed build, which are retried), and a new build starts then.
index_build after_refresh(const index_build& b, const completed_refresh& r);
/// The load state at `now`. `has_indexes` false: loading starts at the refresh's end instead of
/// when the indexes caught up.
load_progress load_at(const index_build& b, bool loaded, bool has_indexes, std::int64_t now);

}  // namespace refreshd::sim
