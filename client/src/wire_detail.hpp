#pragma once
// Private helpers shared by wire.cpp (envelopes, job info) and wire_errors.cpp (classification).

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

/// The api_error for a non-200 answer: HTTP 404 whatever the body, otherwise the status plus
/// the Milvus envelope (`code`, `message`) when the body holds one.
api_error error_from_status(operation op, int http_status, std::string_view body);

}  // namespace refreshd::client::wire::detail
