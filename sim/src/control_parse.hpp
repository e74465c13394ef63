#pragma once
// JSON ↔ config structs for the control API and scenario files. Errors throw
// std::invalid_argument with the key path ("config.rate_limit.rps: ...").

#include <string_view>

#include <nlohmann/json.hpp>

#include <refreshd/sim/config.hpp>

namespace refreshd::sim::detail {

nlohmann::json parse_json(std::string_view text, std::string_view what);
void patch_config_json(sim_config& cfg, const nlohmann::json& patch);
collection_spec collection_from_json(const nlohmann::json& doc);
nlohmann::json config_to_json(const sim_config& cfg);

}  // namespace refreshd::sim::detail
