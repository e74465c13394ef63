#pragma once
// Sans-io encoding and decoding of the three refresh-job endpoints (contract §2, §3, §5, §8).
// Pure functions: request bodies in, HTTP status + body out, no sockets. Unit-tested against
// fixtures in tests/client/.

#include <string>
#include <string_view>
#include <vector>

#include <refreshd/client/types.hpp>

namespace refreshd::client::wire {

inline constexpr std::string_view refresh_path = "/v2/vectordb/jobs/external_collection/refresh";
inline constexpr std::string_view describe_path = "/v2/vectordb/jobs/external_collection/describe";
inline constexpr std::string_view list_path = "/v2/vectordb/jobs/external_collection/list";

inline constexpr std::string_view index_list_path = "/v2/vectordb/indexes/list";
inline constexpr std::string_view index_describe_path = "/v2/vectordb/indexes/describe";
inline constexpr std::string_view load_state_path = "/v2/vectordb/collections/get_load_state";
std::string_view path_for(operation op) noexcept;

/// {"collectionName":..,"dbName":..?,"externalSource":..?,"externalSpec":..?}
std::string build_refresh_body(const refresh_request& r);
/// {"jobId":<int64 literal>} (a quoted id only if the server sent it quoted).
std::string build_describe_body(job_id id);
/// {"dbName":..?,"collectionName":..?}; {} when both are empty.
std::string build_list_body(const list_request& r);

/// What is kept of a list answer (docs/SECURITY.md: memory follows what is kept, not the body). The
/// body is read as a stream, one record at a time, and every record is still checked; at most
/// `max_records` are kept, chosen in this order: records of `collection` (or without a
/// collection name; all records when `collection` is empty) before others, non-terminal
/// (Pending, InProgress, unknown) before terminal, later startTime first, then answer order.
/// The kept records come out in answer order. So a daemon asking about one collection always
/// keeps its active jobs and its newest terminal ones, however long the answer.
///
/// With `only` (sorted, unique names; `collection` empty): a database-wide list read for those
/// collections, as the daemon's startup does (docs/DAEMON.md "Startup reconciliation"). Of each
/// named collection the newest active record (Pending, InProgress, unknown) and the newest
/// record (by startTime, then answer order) are kept, at most two; records of other or no
/// collections are dropped. Memory is bounded by the names, not by the answer.
struct list_keep {
  std::string_view collection;
  std::size_t max_records = default_list_records;
  std::string_view token;  ///< scrubbed from reasons and state text (see scrub.hpp)
  const std::vector<std::string>* only = nullptr;
};

/// A list answer as kept: `dropped` records were read and checked but not kept.
struct list_answer {
  std::vector<job_info> jobs;
  std::size_t dropped = 0;
};

/// Decode an HTTP answer. `http_status` is the response status; body is the raw body.
/// Never throws on bad input. Success needs HTTP 200 and `{"code":0,"data":...}`; a non-zero
/// `code` goes through classify(); HTTP 404 (any body) is `unsupported`; other non-200 statuses
/// are classified by status (see classify). An empty, non-JSON, truncated, deeper than 64
/// levels, or wrongly shaped body (not an object, `code` missing or not an integer, success
/// without `data`) is `bad_response`; for refresh a bad_response has `maybe_sent` set.
///
/// jobId: a JSON integer in 1..INT64_MAX, or a string of decimal digits (then `quoted`);
/// floats, 0, negatives, 2^63 and beyond are bad_response.
/// Job info (describe `data`, every list record): jobId and state required (state: a string,
/// parsed leniently, or the proto enum number 0..3); every other key optional: progress
/// missing → 0 and clamped to 0..100; startTime/endTime missing → 0, negative → 0; numbers
/// may be sent as decimal strings and progress/times as floats; an empty `reason` → nullopt;
/// `externalSpec` sent as a JSON object is kept as its JSON text; unknown keys are ignored.
/// describe with `data: {}` is bad_response ("empty job info"). list: `records` missing or
/// null → no jobs (the server always sends an array); one bad record, however far down the
/// answer, → bad_response naming its index; see list_keep for the records kept.
/// `reason` and the state text are scrubbed of `token` and of the job's own externalSpec, then
/// capped (max_reason_bytes, max_state_bytes; see scrub.hpp) before they are kept.
/// Only what these readers look at is ever built from the body (wire_sax.hpp): unknown keys
/// and the content of containers where a scalar is expected cost no memory.
api_result<job_id> parse_refresh_response(int http_status, std::string_view body);
api_result<job_info> parse_describe_response(int http_status, std::string_view body,
                                             std::string_view token = {});
api_result<list_answer> parse_list_answer(int http_status, std::string_view body,
                                          const list_keep& keep);
/// parse_list_answer without the count of records dropped.
api_result<std::vector<job_info>> parse_list_response(int http_status, std::string_view body,
                                                      const list_keep& keep = {});

/// Classify a server answer that is not a success: HTTP status plus JSON code/message
/// (code 0 / empty message when the body had none). Keeps code and message verbatim (messages
/// over 4 KiB are cut, ending in " [truncated]"); an empty message gets a short description.
///
/// By HTTP status first: 404 → unsupported; 401, 403 → unauthenticated; 429 → rate_limited;
/// 408, 5xx → transient; 200 → by code below; any other status → by code when the body had a
/// non-zero code, else invalid for 3xx/4xx and transient for the rest (1xx, 2xx, >= 600).
/// By code and message (case-insensitive substrings), first match wins:
///   1800, 1401, "hasn't authenticated", "privilege not permitted" → unauthenticated
///   1807, 8, 4, "rejected by limiter", "rate limit exceeded"      → rate_limited
///   1, 2, 10001, 500                                               → transient
///   "no persisted external"                                        → no_source
///   100, 800, "not an external collection", "collection not found",
///   "database not found"                                           → not_found
///   "not found", "not exist", "n't exist", "nonexist", "non-exist", "no longer exist",
///   "no such ": describe → job_not_found; refresh, list → not_found
///   refresh only: 703, "in progress", "already", "duplicate", "precondition", "exist"
///                                                                  → duplicate
///   65535 → transient; anything else (5, 1100, 1801, 1802, ...) → invalid
/// `maybe_sent` is set for refresh when the class is transient, except codes 1 and 2 on HTTP
/// 200 (the server refused before doing anything).
api_error classify(operation op, int http_status, std::int64_t code, std::string_view message);

// ---- servability (api §12; docs/CYCLE.md "ready_when") ------------------------------------

/// Largest servability answer accepted (they are a few hundred bytes; the document is built
/// whole, so its size is bounded here rather than pruned).
inline constexpr std::size_t max_servability_bytes = 256 * 1024;
/// Index names kept from one indexes/list answer; more is bad_response.
inline constexpr std::size_t max_indexes = 64;

/// {"dbName":..?,"collectionName":..}
std::string build_index_list_body(const collection_ref& c);
/// {"dbName":..?,"collectionName":..,"indexName":..}
std::string build_index_describe_body(const collection_ref& c, std::string_view index);
std::string build_load_state_body(const collection_ref& c);

/// The envelope and errors as for the job endpoints (classify(), HTTP 404 → unsupported).
/// indexes/list: `data` an array of strings (index names, scrubbed of `token`, capped);
/// anything else is bad_response.
api_result<std::vector<std::string>> parse_index_list_response(int http_status,
                                                               std::string_view body,
                                                               std::string_view token = {});
/// indexes/describe: `data` an array of objects; each needs `indexName` and `indexState`
/// (a string, read by parse_index_state); the row counts are integers or decimal strings,
/// absent → unknown; `failReason` verbatim (scrubbed, capped).
api_result<std::vector<index_info>> parse_index_describe_response(int http_status,
                                                                  std::string_view body,
                                                                  std::string_view token = {});
/// get_load_state: `data.loadState` a string (parse_load_state), `data.loadProgress` optional
/// (clamped to 0..100).
api_result<load_info> parse_load_state_response(int http_status, std::string_view body);

}  // namespace refreshd::client::wire
