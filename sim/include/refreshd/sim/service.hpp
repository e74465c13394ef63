#pragma once
// HTTP glue of the simulator: routes a request to the job endpoints (with injected latency,
// Request-Timeout → 408 and the random fault draw) or to the control API, like gin would.

#include <cstdint>

#include <refreshd/net/http_server.hpp>
#include <refreshd/sim/simulator.hpp>

namespace refreshd::sim {

/// Handler for refreshd::http_server. `sim` must outlive the returned handler; `seed` seeds
/// the fault draw (same seed + same request sequence = same faults).
///
/// Routes: POST /v2/vectordb/jobs/external_collection/{refresh,describe,list} → the simulator;
/// /_sim/... → the control API (never delayed or faulted); anything else, and any other
/// method on a job path → HTTP 404 text/plain "404 page not found" (gin's default).
http_handler make_http_handler(simulator& sim, std::uint64_t seed);

}  // namespace refreshd::sim
