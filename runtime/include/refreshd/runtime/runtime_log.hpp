#pragma once
// Log lines of the runtime (docs/DAEMON.md "Logging"): one per trigger, skip, adoption, completion,
// failure, plus API failures, retries, stuck jobs and cluster-level problems. Never a secret: job
// snapshots hold no spec, API errors are scrubbed by the client.

#include <chrono>
#include <exception>
#include <string_view>

#include <refreshd/config/config.hpp>
#include <refreshd/cycle/collection_state.hpp>
#include <refreshd/cycle/cycle.hpp>
#include <refreshd/log/logging.hpp>
#include <refreshd/schedule/duration.hpp>
#include <refreshd/schedule/zone.hpp>

namespace refreshd::daemon {

/// The identifying fields of a collection's lines.
log_fields collection_fields(const config::cluster& cl, const config::collection& c);

/// One line for a cycle event (job_progress at debug level).
void log_cycle_event(const config::cluster& cl, const config::collection& c, const cycle_event& e);

/// One line for a cycle's outcome (completed / failed / idle are already logged as events).
void log_cycle_outcome(const config::cluster& cl, const config::collection& c,
                       const cycle_outcome& o);

/// A slot not triggered for a reason outside the cycle (suspended: debug; limit: info).
void log_skip(const config::cluster& cl, const config::collection& c, skip_reason why, int slots);

}  // namespace refreshd::daemon
