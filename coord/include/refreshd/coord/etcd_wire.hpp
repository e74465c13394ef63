#pragma once
// The etcd v3 JSON gateway's wire format (docs/COORDINATION.md "etcd's gateway"), pure: request
// bodies made and answers read, no I/O. What etcd 3.4 does on that gateway, checked against a
// real cluster by tests/coord: keys and values are base64; int64 fields are JSON strings;
// proto3 leaves out fields at their default (an absent `succeeded` is a failed transaction, an
// absent `TTL` in a keepalive answer is an expired lease, an absent `kvs` is no key); errors
// are {"error","code","message"} with a gRPC code.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace refreshd::coord {

/// The end of the range of every key that starts with `prefix` (etcd's "prefix" range_end).
std::string prefix_end(std::string_view prefix);

struct key_value {
  std::string key;
  std::string value;
  std::int64_t create_revision = 0;
  std::int64_t mod_revision = 0;
  std::int64_t version = 0;
  std::int64_t lease = 0;  ///< 0: none
};

struct range_request {
  std::string key;
  std::string range_end;  ///< empty: `key` only; prefix_end(key): every key under it
  std::int64_t limit = 0;
  bool keys_only = false;
  bool serializable = false;  ///< never for ownership: an isolated member answers stale data
};

/// A range of one key, and of every key under a prefix.
range_request key_range(std::string key);
range_request prefix_range(const std::string& prefix);

struct range_result {
  std::vector<key_value> kvs;
  bool more = false;
  std::int64_t count = 0;
  std::int64_t revision = 0;  ///< the store's revision when it answered
};

struct put_request {
  std::string key;
  std::string value;
  std::int64_t lease = 0;
};

struct delete_request {
  std::string key;
  std::string range_end;
};

/// One comparison of a transaction: `target` of `key` compared with a number (version,
/// create/mod revision, lease) or a value.
struct compare {
  enum class target { version, create, mod, value, lease };
  enum class result { equal, greater, less, not_equal };
  target what = target::create;
  result op = result::equal;
  std::string key;
  std::int64_t number = 0;
  std::string value;
};

struct txn_request;

/// A transaction run as one operation of another (etcd 3.3 and later): its own compares and
/// branches, so one request can claim many keys, each on its own condition. etcd refuses more
/// than --max-txn-ops (128 by default) operations in one branch, nested ones included.
struct nested_txn {
  std::shared_ptr<const txn_request> txn;
};

using txn_op = std::variant<range_request, put_request, delete_request, nested_txn>;

struct txn_request {
  std::vector<compare> compares;
  std::vector<txn_op> success;
  std::vector<txn_op> failure;
};

struct txn_result {
  bool succeeded = false;
  std::int64_t revision = 0;
  /// The answers of the ops that ran, in order (a range's kvs; others empty).
  std::vector<range_result> ranges;
  /// In the same order: a nested transaction's answer (others default).
  std::vector<txn_result> txns;
};

struct lease_grant_result {
  std::int64_t id = 0;
  std::int64_t ttl = 0;  ///< seconds
};

/// One change seen by a watch: a put (the key's new value) or a delete (the key only).
struct watch_event {
  bool deleted = false;
  key_value kv;
};

/// One message of a watch stream. The first says `created`; `canceled` ends the watch (with
/// `compact_revision` when the start revision was compacted away, or etcd's reason); a message
/// without events is a progress notification.
struct watch_response {
  bool created = false;
  bool canceled = false;
  std::int64_t compact_revision = 0;
  std::string cancel_reason;
  std::int64_t revision = 0;  ///< the store's revision when it was sent
  std::vector<watch_event> events;
};

/// An error answer: the HTTP status, and the gRPC code and message of the gateway's envelope
/// (code 5 NotFound for a lease that expired, 16 Unauthenticated for a stale token).
struct wire_error {
  int http_status = 0;
  int code = 0;
  std::string message;
};

/// Thrown by the readers below for an answer that is not what the gateway sends (not JSON, a
/// field of the wrong type, bad base64); the message names the field.
struct malformed_answer : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string range_body(const range_request& r);
std::string put_body(const put_request& r);
std::string delete_body(const delete_request& r);
std::string txn_body(const txn_request& r);
std::string lease_grant_body(std::int64_t ttl_seconds);
std::string lease_id_body(std::int64_t id);  ///< keepalive, revoke, timetolive

/// Creates a watch of the keys of `r` from `start_revision` on, asking for progress
/// notifications (sent only where etcd runs with a notify interval).
std::string watch_create_body(const range_request& r, std::int64_t start_revision);

range_result read_range(std::string_view body);
/// One newline-delimited message of the gateway's watch stream ({"result": …}); an {"error": …}
/// message (the stream broke on etcd's side) reads as canceled with its message as the reason.
watch_response read_watch(std::string_view message);
/// The store's revision after a put or delete.
std::int64_t read_revision(std::string_view body);
txn_result read_txn(std::string_view body);
lease_grant_result read_lease_grant(std::string_view body);
/// The lease's remaining TTL after a keepalive; nullopt when etcd left it out (the lease is
/// gone: expired or revoked).
std::optional<std::int64_t> read_keepalive(std::string_view body);
/// The token of an auth/authenticate answer.
std::string read_token(std::string_view body);
/// The envelope of a non-200 answer (`http_status` set from the caller's status); an
/// unreadable body keeps code 0 and says so in `message`.
wire_error read_error(int http_status, std::string_view body);

}  // namespace refreshd::coord
