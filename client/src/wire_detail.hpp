#pragma once
// Private helpers shared by wire.cpp (envelopes, job info), wire_list.cpp (list answers) and
// wire_errors.cpp (classification).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include <refreshd/client/types.hpp>

#include "wire_sax.hpp"

namespace refreshd::client::wire::detail {

/// Deepest bracket nesting accepted in a response; deeper bodies are bad_response.
inline constexpr int max_nesting = 64;
/// Longest server message kept in an api_error (bytes); longer ones end in " [truncated]".
inline constexpr std::size_t max_message_bytes = 4096;

/// Parses a response body, or says why it is not acceptable JSON (empty, too deep, malformed
/// or truncated). Never throws for bad input. Builds only what the readers look at (see
/// wire_sax.hpp); with `records`, the elements of `data.records` go there one at a time.
std::variant<nlohmann::json, std::string> parse_json(std::string_view body,
                                                     record_sink* records = nullptr);

/// Parses a small whole document (the servability answers, api §12) with the same checks as
/// parse_json (empty, too deep, malformed) and a size cap, building all of it.
std::variant<nlohmann::json, std::string> parse_plain_json(std::string_view body,
                                                           std::size_t max_bytes);

/// The api_error for a non-200 answer: HTTP 404 whatever the body, otherwise the status plus
/// the Milvus envelope (`code`, `message`) when the body holds one.
api_error error_from_status(operation op, int http_status, std::string_view body);

/// A JSON integer, or a string of decimal digits, as int64 (floats too when `allow_float`);
/// nullopt when it is neither or does not fit.
std::optional<std::int64_t> read_int64(const nlohmann::json& v, bool allow_float);

/// A bad_response error with this description.
api_error bad_response(int http_status, std::string what);

/// One job-info object (describe `data`, a list record) as wire.hpp describes, or why it is
/// not one. The reason and state text are scrubbed of `token` and of the job's own spec.
std::variant<job_info, std::string> read_job_info(const nlohmann::json& obj,
                                                  std::string_view token);

/// The `data` member of a success envelope, or the api_error the answer stands for.
/// With `records`, the elements of `data.records` go there one at a time (see wire_sax.hpp).
std::variant<nlohmann::json, api_error> open_envelope(operation op, int http_status,
                                                      std::string_view body,
                                                      record_sink* records = nullptr);

}  // namespace refreshd::client::wire::detail
