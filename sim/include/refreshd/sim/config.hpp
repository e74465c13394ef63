#pragma once
// The simulator's switches and collection definitions (sim/README.md), as plain data. JSON parsing
// of the control API lives in control.hpp; these structs carry no I/O.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace refreshd::sim {

/// What a refresh answers while the collection already has a Pending/InProgress job
/// (contract §5).
enum class duplicate_policy {
  reject_in_progress,  ///< code 1100, message contains "in progress" (newest servers)
  reject_703,          ///< code 703 "task duplicates"
  same_id,             ///< success with the active job's id
  legacy_drop,         ///< success with a fresh id whose job never exists (describe → 1100)
};

enum class rate_limit_mode {
  code_1807,  ///< HTTP 200, {"code":1807,"message":"request is rejected by limiter, ..."}
  http_429,   ///< HTTP 429 (a "Zilliz gateway"), body `body_429`, header Retry-After: 1
};

enum class rate_limit_scope {
  refresh,  ///< only refresh is limited (open-source Milvus)
  all,      ///< each of the three endpoints has its own bucket (Zilliz: per user per endpoint)
};

struct rate_limit_config {
  double rps = 0;  ///< requests per second per bucket; 0 = unlimited. Burst = max(1, rps).
  rate_limit_mode mode = rate_limit_mode::code_1807;
  rate_limit_scope scope = rate_limit_scope::refresh;
  /// Body of HTTP 429 answers (JSON text).
  std::string body_429 = R"({"code":8,"message":"rate limit exceeded, please retry later"})";
};

/// Probabilities in [0, 1], drawn independently per job-endpoint request, in this order.
struct fault_config {
  double http_500_ratio = 0;   ///< HTTP 500 {"code":500}; the request is NOT processed
  double reset_ratio = 0;      ///< the request IS processed, then the connection is reset
  double malformed_ratio = 0;  ///< the request IS processed, then a truncated JSON body is sent
  double oversized_ratio = 0;  ///< the request IS processed, then 9 MiB of padding follow it
};

struct sim_config {
  std::string auth_token;  ///< non-empty: job requests need "Authorization: Bearer <token>"
  duplicate_policy duplicates = duplicate_policy::reject_in_progress;
  bool routes_absent = false;  ///< job and servability paths answer gin's plain-text 404
  /// Only the three servability paths (indexes/list, indexes/describe,
  /// collections/get_load_state) answer gin's 404: an "old server" with the refresh API.
  bool servability_routes_absent = false;
  rate_limit_config rate_limit{};
  std::int64_t latency_ms = 0;  ///< added before every job-endpoint answer
  fault_config faults{};
  std::int64_t retention_ms = 86'400'000;  ///< terminal jobs are forgotten this long after endTime
  bool string_job_ids = false;             ///< render jobId as a JSON string (and accept one back)
  /// Safety valve for memory: at most this many jobs are kept per collection (oldest terminal
  /// jobs are dropped first). Real Milvus has no such cap; keep it large enough for a test.
  std::size_t max_jobs_per_collection = 100;
  std::size_t request_log_size = 1000;  ///< entries kept for GET /_sim/requests
};

/// How every later job of a collection behaves.
struct job_profile {
  std::int64_t pending_ms = 100;   ///< time in RefreshPending (progress 0)
  std::int64_t running_ms = 1000;  ///< time in RefreshInProgress (progress rises, capped at 99)
  bool fail = false;               ///< outcome "failed" instead of "completed"
  std::string reason;              ///< failure reason (a default is used when empty)
  std::string pending_reason;      ///< optional `reason` shown while Pending (retriable cause)
};

/// How the index build started by each later completed refresh behaves (sim/README.md
/// "Servability model").
struct index_profile {
  std::int64_t rows_per_s = 1000;  ///< build speed; 0 = never finishes (stays InProgress)
  bool fail = false;               ///< outcome "failed": Failed instead of Finished
  std::string reason;              ///< failReason of a failed build (a default when empty)
};

struct load_profile {
  bool loaded = true;        ///< false: always LoadStateNotLoad
  std::int64_t load_ms = 0;  ///< LoadStateLoading this long once the indexes caught up
};

struct collection_spec {
  std::string database = "default";
  std::string name;
  bool external = true;
  std::string source;  ///< persisted externalSource; empty with `spec` empty = nothing persisted
  std::string spec;    ///< persisted externalSpec (JSON text)
  job_profile job{};
  std::vector<std::string> indexes{"vector"};  ///< index names (at most 16; empty = none)
  std::int64_t rows = 1000;  ///< rows each completed refresh adds (a failed one adds none)
  index_profile index{};
  load_profile load{};
};

std::string_view to_string(duplicate_policy p) noexcept;
std::string_view to_string(rate_limit_mode m) noexcept;
std::string_view to_string(rate_limit_scope s) noexcept;

}  // namespace refreshd::sim
