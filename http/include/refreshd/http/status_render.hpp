#pragma once
// The read-only views of the daemon's HTTP API (docs/HTTP.md): the /status JSON and the HTML status
// page, as pure functions of a snapshot of the runtime. No I/O, no secret: a collection's
// external_spec and the tokens are never read here.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <refreshd/config/config.hpp>
#include <refreshd/cycle/collection_state.hpp>
#include <refreshd/cycle/dependencies.hpp>
#include <refreshd/cycle/pauses.hpp>
#include <refreshd/runtime/ownership.hpp>

namespace refreshd::daemon {

/// One collection as shown by /status and the page.
struct status_row {
  const config::cluster* cluster = nullptr;
  const config::collection* collection = nullptr;
  const collection_state* state = nullptr;
  bool running = false;   ///< a cycle of the collection exists (its next_run is not known yet)
  std::size_t index = 0;  ///< in runtime_view::collections()
  bool driven = true;     ///< this replica drives it (always, without coordination)
  /// target_lag (docs/SCHEDULES.md): the expected refresh duration; none for a schedule.
  std::optional<std::chrono::milliseconds> expected{};
  /// depends_on (docs/SCHEDULES.md): where it stands, the upstream it waits for or is held by
  /// ("cluster/database/name"), and for `held` that upstream's reason; empty without depends_on.
  upstream_wait upstream = upstream_wait::ready;
  std::string upstream_key{};
  std::string upstream_reason{};
  /// Paused or quarantined (docs/OPERATIONS.md "Pause"): why and since when; null otherwise.
  const pause_record* pause = nullptr;
};

struct status_view {
  std::string_view version;
  bool ready = false;
  wall_time now{};               ///< next_run is shown only when it is after `now` and nothing runs
  std::vector<status_row> rows;  ///< one page
  /// The cursor of the next page (`after`), nullopt on the last page.
  std::optional<std::string> next;
  std::size_t matched = 0;   ///< collections the filters select (every page)
  std::size_t total = 0;     ///< collections configured
  std::size_t problems = 0;  ///< of the matched ones: failing, stuck, misconfigured, ...
  std::size_t running = 0;   ///< of the matched ones
  std::string query;         ///< the filters as a query string for the page's links ("cluster=a&")
  /// With `coordination:` (docs/COORDINATION.md): the replica's role, lease and claims; each
  /// row then says whether this replica drives it ("driven_here").
  std::optional<coordination_status> coordination;
};

/// failing, misconfigured, unsupported, auth_failed or stuck.
bool is_problem(status s);

/// The exact JSON of docs/HTTP.md: {"version","ready","collections":[{"cluster","database",
/// "collection","schedule","status","next_run","job":{"id","state","progress","start","end",
/// "reason"}|null,"last_success","last_failure","last_failure_reason",
/// "consecutive_failures"}]}. Job ids are JSON integers; times RFC 3339 UTC with milliseconds;
/// null where unknown.
std::string status_json(const status_view& v);

/// A small self-contained HTML page (inline CSS, no script, meta refresh every 10 s): one row
/// per collection with its status, a progress bar, last success, next run and failures
/// highlighted with their reason. Every value from the config or a server is escaped.
std::string status_page(const status_view& v);

/// Percent-encodes everything but RFC 3986's unreserved characters (a query value).
std::string url_encode(std::string_view s);

/// Escapes & < > " ' for HTML text and attribute values.
std::string html_escape(std::string_view text);

/// next_run as shown: nullopt while running or when not after `now`.
std::optional<wall_time> shown_next_run(const status_row& r, wall_time now);

}  // namespace refreshd::daemon
