#pragma once
// Building the simulator's replies: JSON envelopes, job-info objects, gin's plain 404.

#include <string_view>

#include <nlohmann/json.hpp>

#include <refreshd/sim/model.hpp>
#include <refreshd/sim/simulator.hpp>

namespace refreshd::sim::detail {

/// HTTP `status` with `body` as JSON; records status and the body's "code" in `rec`.
reply json_reply(int status, const nlohmann::json& body, request_record& rec);
/// Same with pre-serialised JSON text (code recorded as -1 unless it parses).
reply raw_json_reply(int status, std::string_view body, request_record& rec);
/// {"code":..,"message":..} with exactly those two keys.
reply error_reply(int status, const api_error& err, request_record& rec);
/// gin's default NoRoute answer: HTTP 404, text/plain "404 page not found".
reply gin_not_found(request_record& rec);

nlohmann::json job_id_json(std::int64_t id, bool as_string);
/// The job-info object of contract §2.4 ("reason" only when non-empty).
nlohmann::json job_json(const job_view& v, bool string_ids);

}  // namespace refreshd::sim::detail
