#pragma once
// HTTP glue of the simulator: routes a request to the simulated endpoints (with injected latency,
// Request-Timeout → 408 and the random fault draw) or to the control API, like gin would.

#include <cstdint>

#include <refreshd/net/http_server.hpp>
#include <refreshd/sim/simulator.hpp>

namespace refreshd::sim {

/// Handler for refreshd::http_server. `sim` must outlive the returned handler; `seed` seeds
/// the fault draw (same seed + same request sequence = same faults).
///
/// Routes: POST /v2/vectordb/jobs/external_collection/{refresh,describe,list},
/// /v2/vectordb/indexes/{list,describe} and /v2/vectordb/collections/get_load_state → the
/// simulator (latency, Request-Timeout and faults apply to all six); /_sim/... → the control
/// API (never delayed or faulted); anything else, and any other method on one of those paths →
/// HTTP 404 text/plain "404 page not found" (gin's default).
http_handler make_http_handler(simulator& sim, std::uint64_t seed);

}  // namespace refreshd::sim
