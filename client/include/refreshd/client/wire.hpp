#pragma once
// Sans-io encoding and decoding of the three refresh-job endpoints (contract §2, §3, §5, §8).
// Pure functions: request bodies in, HTTP status + body out, no sockets. Unit-tested against
// fixtures in tests/client/.

#include <refreshd/client/types.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace refreshd::client::wire {

inline constexpr std::string_view refresh_path = "/v2/vectordb/jobs/external_collection/refresh";
inline constexpr std::string_view describe_path = "/v2/vectordb/jobs/external_collection/describe";
inline constexpr std::string_view list_path = "/v2/vectordb/jobs/external_collection/list";

std::string_view path_for(operation op) noexcept;

/// {"collectionName":..,"dbName":..?,"externalSource":..?,"externalSpec":..?}
std::string build_refresh_body(const refresh_request& r);
/// {"jobId":<int64 literal>} (a quoted id only if the server sent it quoted).
std::string build_describe_body(job_id id);
/// {"dbName":..?,"collectionName":..?}; {} when both are empty.
std::string build_list_body(const list_request& r);

/// Decode an HTTP answer. `http_status` is the response status; body is the raw body.
api_result<job_id> parse_refresh_response(int http_status, std::string_view body);
api_result<job_info> parse_describe_response(int http_status, std::string_view body);
api_result<std::vector<job_info>> parse_list_response(int http_status, std::string_view body);

/// Classify a server answer that is not a success: HTTP status plus JSON code/message
/// (code 0 / empty message when the body had none). Keeps code and message verbatim.
api_error classify(operation op, int http_status, std::int64_t code, std::string_view message);

}  // namespace refreshd::client::wire
