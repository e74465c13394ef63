#pragma once
// The control API (sim/README.md) and scenario files. JSON in, JSON out; every bad input is
// rejected with a message naming the key (std::invalid_argument, or HTTP 400 on the wire).
//
//   POST /_sim/reset        forget collections, jobs, counters; switches back to start-up values
//   POST /_sim/collections  create or replace one collection (an array of them is accepted too)
//   POST /_sim/config       change switches; partial objects allowed; answers the full config
//   GET  /_sim/config       the full config
//   GET  /_sim/stats        counters
//   GET  /_sim/requests     the newest request-log entries (?limit=N, default 100)

#include <string>
#include <string_view>

#include <refreshd/sim/config.hpp>
#include <refreshd/sim/simulator.hpp>

namespace refreshd::sim {

/// Serves one control request; `target` is the request target (path and optional query).
reply handle_control(simulator& sim, std::string_view method, std::string_view target,
                     std::string_view body);

/// `cfg` with the partial JSON object `json_text` applied. Unknown keys and bad values throw
/// std::invalid_argument.
sim_config patch_config(sim_config cfg, std::string_view json_text);

/// One collection from its JSON object; omitted fields take their defaults (source
/// "s3://bucket/<name>/", spec {"format":"parquet"}). Throws std::invalid_argument.
collection_spec parse_collection(std::string_view json_text);

/// The full configuration as JSON text (same keys as /_sim/config accepts).
std::string config_json(const sim_config& cfg);

/// Applies {"config":{...},"collections":[...]} (both optional) to `sim`: the config patch
/// becomes the current config, the collections are added. Throws std::invalid_argument.
void apply_scenario(simulator& sim, std::string_view json_text);

}  // namespace refreshd::sim
