#pragma once
// The simulator's wire behaviour, without sockets: turns one job-endpoint or servability request
// (body and the few headers that matter) into the exact reply Milvus would send (contract §1-§3,
// §9, §12), and serves the control API (sim/README.md). Time and faults are inputs, so all of it
// is unit-testable; service.hpp adds HTTP, latency and the random fault draw.

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <refreshd/sim/config.hpp>
#include <refreshd/sim/model.hpp>
#include <refreshd/sim/rate_limiter.hpp>

namespace refreshd::sim {

namespace detail {
struct bound_request;
}

/// The job endpoints, then the servability ones (indexes/list, indexes/describe,
/// collections/get_load_state). to_string gives the names of GET /_sim/stats "requests".
enum class endpoint {
  refresh = 0,
  describe = 1,
  list = 2,
  index_list = 3,
  index_describe = 4,
  load_state = 5,
};
inline constexpr std::size_t endpoint_count = 6;
std::string_view to_string(endpoint e) noexcept;
/// index_list, index_describe, load_state.
constexpr bool is_servability(endpoint e) noexcept {
  return e == endpoint::index_list || e == endpoint::index_describe || e == endpoint::load_state;
}

enum class fault_kind { none, http_500, reset, malformed, oversized };
std::string_view to_string(fault_kind f) noexcept;

/// The request headers the simulator looks at.
struct request_meta {
  std::string authorization;                   ///< raw "Authorization" value, may be empty
  std::string db_name;                         ///< "DB-Name" header, may be empty
  std::optional<std::string> request_timeout;  ///< "Request-Timeout" header when present
};

/// What to send back. `reset` means: no answer, abort the connection.
struct reply {
  int http_status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool reset = false;
};

/// One entry of the bounded request log (GET /_sim/requests).
struct request_record {
  std::int64_t time_ms = 0;
  endpoint op = endpoint::refresh;
  std::string database;
  std::string collection;
  std::int64_t job_id = 0;  ///< requested (describe) or returned (refresh); 0 if none
  int http_status = 0;
  std::int64_t code = 0;  ///< JSON code of the answer; -1 when there was none
  fault_kind fault = fault_kind::none;
  bool authorized = true;
};

struct traffic_stats {
  std::array<std::uint64_t, endpoint_count> requests{};  ///< indexed by endpoint
  std::uint64_t rate_limited = 0;
  std::uint64_t unauthorized = 0;
  std::uint64_t http_500 = 0;
  std::uint64_t resets = 0;
  std::uint64_t malformed = 0;
  std::uint64_t oversized = 0;
  std::uint64_t timeouts = 0;  ///< HTTP 408 answers
};

class simulator {
 public:
  /// `base` is the configuration that reset() returns to (defaults plus command-line flags).
  explicit simulator(sim_config base = {});

  /// Answers one job-endpoint request at `now` (Unix epoch ms). `fault` is applied as
  /// fault_config documents; `timed_out` turns the (processed) answer into HTTP 408/10001.
  reply handle(endpoint op, const request_meta& meta, std::string_view body, std::int64_t now,
               fault_kind fault = fault_kind::none, bool timed_out = false);

  /// Draws the fault for one request from the configured ratios.
  fault_kind pick_fault(std::mt19937_64& rng) const;

  /// Forgets collections, jobs, counters and the request log; config returns to `base`.
  void reset();
  /// Replaces the configuration (limiters are refilled when the rate changes).
  void set_config(const sim_config& cfg);
  const sim_config& config() const noexcept { return cfg_; }
  void add_collection(collection_spec spec) { model_.upsert_collection(std::move(spec)); }

  model& state() noexcept { return model_; }
  const model& state() const noexcept { return model_; }
  const traffic_stats& traffic() const noexcept { return traffic_; }
  const std::deque<request_record>& request_log() const noexcept { return log_; }

  /// GET /_sim/stats body (sim/README.md shape plus extra counters).
  std::string stats_json() const;
  /// GET /_sim/requests body: the newest `limit` records, oldest first.
  std::string requests_json(std::size_t limit) const;

 private:
  using bound = detail::bound_request;
  reply answer(endpoint op, const request_meta& meta, const bound& req,
               const std::string& explicit_db, std::int64_t now, fault_kind fault,
               request_record& rec);
  reply business(endpoint op, const bound& req, const std::string& explicit_db, std::int64_t now,
                 request_record& rec);
  reply servability(endpoint op, const bound& req, const std::string& db, std::int64_t now,
                    request_record& rec);
  bool authorized(const request_meta& meta) const;
  bool limited(endpoint op, rate_limit_mode mode, std::int64_t now);
  void remember(request_record rec);

  sim_config base_;
  sim_config cfg_;
  model model_;
  std::array<rate_limiter, endpoint_count> limiters_{};
  traffic_stats traffic_;
  std::deque<request_record> log_;
};

/// Milliseconds since the Unix epoch from the system clock.
std::int64_t wall_clock_ms();

}  // namespace refreshd::sim
