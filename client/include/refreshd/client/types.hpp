#pragma once
// Value types of the Milvus refresh-job API (see ../shared/docs/api/milvus-refresh-api.md).
// No I/O library appears here: the daemon, the CLI and the tests all share these types.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace refreshd::client {

/// A refresh job id. Milvus allocates int64 ids well above 2^53; they are always kept as
/// int64 (never through double). `quoted` records that the server sent the id as a JSON
/// string, so it can be echoed back in the same form.
struct job_id {
  std::int64_t value = 0;
  bool quoted = false;

  friend bool operator==(const job_id& a, const job_id& b) { return a.value == b.value; }
};

/// Job state, parsed leniently from the server's spelling (contract §8.11).
enum class job_state { pending, in_progress, completed, failed, unknown };

/// Canonical wire name: "RefreshPending", ... ; "RefreshUnknown" for unknown.
std::string_view to_string(job_state s) noexcept;

/// Case-insensitive, `Refresh` prefix optional; Running → in_progress, Succeeded/Finished →
/// completed. Anything else → unknown (treated as non-terminal by callers).
job_state parse_job_state(std::string_view text) noexcept;

inline bool is_terminal(job_state s) noexcept {
  return s == job_state::completed || s == job_state::failed;
}
inline bool is_active(job_state s) noexcept {
  return s == job_state::pending || s == job_state::in_progress;
}
/// Past pending and not ended: in progress, or a state we cannot read (treated as running).
inline bool is_running(job_state s) noexcept {
  return s == job_state::in_progress || s == job_state::unknown;
}

/// One job as returned by describe and by every list record (contract §2.4).
struct job_info {
  job_id id;
  std::string collection_name;
  job_state state = job_state::unknown;
  std::string state_text;  ///< the server's spelling, for logs when state is unknown
  int progress = 0;        ///< 0..100 (clamped)
  std::string external_source;
  std::optional<std::string> external_spec;  ///< a secret: never log or export it
  std::int64_t start_time_ms = 0;            ///< Unix epoch milliseconds
  std::int64_t end_time_ms = 0;              ///< 0 while Pending / InProgress
  std::optional<std::string> reason;         ///< present only when the server sent one
};

/// refresh request (contract §2.1). `external_source` and `external_spec` go together.
struct refresh_request {
  std::string database;  ///< empty: the server's default database
  std::string collection;
  std::optional<std::string> external_source;
  std::optional<std::string> external_spec;  ///< a secret
};

/// Records kept from one list answer unless a caller asks for fewer (docs/SECURITY.md; which ones:
/// wire::list_keep). The CLI keeps this many; the daemon keeps daemon_list_records.
inline constexpr std::size_t default_list_records = 1000;

/// list request (contract §2.3). Empty collection: every external collection.
struct list_request {
  std::string database;
  std::string collection;
  std::size_t max_records = default_list_records;  ///< records kept of the answer (not sent)
  /// With `collection` empty, a database-wide list read for these collections only (sorted,
  /// unique; not sent): of each, its newest active job and its newest job are kept, and the
  /// records of other collections are dropped, whatever max_records says (wire::list_keep).
  std::vector<std::string> only{};
};

/// The collection a servability request is about (api §12; empty database: the default).
struct collection_ref {
  std::string database;
  std::string collection;
};

/// An index's build state (api §12), parsed leniently: case-insensitive, an `IndexState` prefix
/// optional; `IndexStateNone` and `None` are none.
enum class index_state { none, unissued, in_progress, finished, failed, retry, unknown };
index_state parse_index_state(std::string_view text) noexcept;
std::string_view to_string(index_state s) noexcept;

/// One index as indexes/describe reports it. A count the server left out is unknown (nullopt),
/// never 0.
struct index_info {
  std::string name;
  index_state state = index_state::unknown;
  std::string state_text;  ///< the server's spelling (capped)
  std::optional<std::int64_t> total_rows;
  std::optional<std::int64_t> indexed_rows;
  std::optional<std::int64_t> pending_rows;
  std::string fail_reason;  ///< verbatim (scrubbed, capped); empty when none
};

/// A collection's load state (api §12): `LoadState` prefix optional, case-insensitive.
enum class load_state { not_exist, not_load, loading, loaded, unknown };
load_state parse_load_state(std::string_view text) noexcept;
std::string_view to_string(load_state s) noexcept;

struct load_info {
  load_state state = load_state::unknown;
  std::string state_text;
  std::optional<int> progress;  ///< 0..100, when the server sent it
};

/// The refresh-job operations, then the servability ones of `ready_when` (api §12).
enum class operation { refresh, describe, list, index_list, index_describe, load_state };
std::string_view to_string(operation op) noexcept;

/// Error classes of docs/CYCLE.md. The string forms are metric label values.
enum class error_class {
  transient,        ///< connect/TLS failure, reset, timeout, 5xx, 408/10001, codes 1, 2, 500, 65535
  rate_limited,     ///< code 1807, 8, 4, HTTP 429
  unauthenticated,  ///< HTTP 401 / code 1800, HTTP 403 / 1401
  unsupported,      ///< HTTP 404: the cluster predates the refresh API
  not_found,        ///< collection not found (100), database not found (800), not external
  no_source,        ///< no persisted external_source/external_spec
  duplicate,        ///< refresh rejected because a job is already active (703 or substrings)
  job_not_found,    ///< describe: unknown, expired or silently dropped job id
  invalid,          ///< 1100/1801/1802 and other request errors
  bad_response,     ///< malformed, truncated, oversized or unexpected response
};
std::string_view to_string(error_class c) noexcept;

/// An API failure. `code` and `message` are the server's, verbatim, when it sent them.
struct api_error {
  error_class kind = error_class::transient;
  int http_status = 0;      ///< 0 when no HTTP response was received
  std::int64_t code = 0;    ///< the JSON `code`, 0 when absent
  std::string message;      ///< server message, or a description of the transport failure
  bool maybe_sent = false;  ///< the request may have reached the server (ambiguous refresh):
                            ///< set for a refresh that failed in transport after sending, got
                            ///< HTTP 408/5xx or code 10001/500/65535, or got an unreadable answer
};

/// Retrying the same request later may succeed (transient, rate_limited, bad_response).
bool is_retryable(const api_error& e) noexcept;

/// One line for humans: "<class>: HTTP 200 code 1100: <message>" (the HTTP and code parts only
/// when non-zero). The message is the server's, verbatim; no token or spec is ever added.
std::string describe_error(const api_error& e);

/// A value or an api_error. Network/API failures are values, not exceptions.
template <class T>
class api_result {
 public:
  api_result(T value) : v_(std::in_place_index<0>, std::move(value)) {}          // NOLINT
  api_result(api_error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const api_error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, api_error> v_;
};

}  // namespace refreshd::client
