#pragma once
// The simulator's state: collections, jobs and trigger counters. Pure: every operation takes
// `now` (Unix epoch milliseconds), so tests drive time by hand. A job's state is computed from
// its start time and durations, so nothing needs timers; terminal jobs are forgotten
// `retention_ms` after they end (swept in end-time order, O(log n) per job).

#include <cstdint>
#include <functional>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include <refreshd/sim/config.hpp>
#include <refreshd/sim/servability.hpp>

namespace refreshd::sim {

enum class job_state { pending, in_progress, completed, failed };

/// "RefreshPending", "RefreshInProgress", "RefreshCompleted", "RefreshFailed".
std::string_view to_string(job_state s) noexcept;

/// A business error as the wire shows it: {"code":code,"message":message}.
struct api_error {
  std::int64_t code = 0;
  std::string message;
};

/// One job as describe/list show it at a given moment. Views point into the model and are
/// valid until its next mutation.
struct job_view {
  std::int64_t id = 0;
  std::string_view collection;
  std::string_view database;
  job_state state = job_state::pending;
  int progress = 0;
  std::string_view source;
  std::string_view spec;
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;  ///< 0 while Pending/InProgress
  std::string_view reason;  ///< empty = no "reason" key
};

struct collection_stats {
  std::uint64_t triggers = 0;
  std::uint64_t overlapping_triggers = 0;
  /// Overlapping triggers whose sender had already seen the active job (see note_trigger).
  std::uint64_t informed_overlapping_triggers = 0;
};

struct model_stats {
  std::uint64_t triggers = 0;
  std::uint64_t overlapping_triggers = 0;
  std::uint64_t informed_overlapping_triggers = 0;
  std::uint64_t jobs_created = 0;
};

/// Who sent a request: a hash of its Authorization header (0 without one), so tests can give
/// concurrent clients different tokens. Never shown.
using client_id = std::uint64_t;
client_id client_of(std::string_view authorization) noexcept;

template <class T>
using result = std::variant<T, api_error>;

class model {
 public:
  /// First job id: above 2^53 with odd low digits, like the Milvus allocator.
  static constexpr std::int64_t first_job_id = 449503829274509311;

  /// Forgets collections, jobs and counters. Job ids keep increasing (never reused).
  void reset();

  /// Creates the collection or replaces its definition; its jobs and counters are kept.
  void upsert_collection(collection_spec spec);
  bool has_collection(std::string_view db, std::string_view name) const;
  bool has_database(std::string_view db) const;
  std::size_t collection_count() const noexcept { return collections_.size(); }
  std::size_t job_count() const noexcept { return jobs_.size(); }

  void set_retention_ms(std::int64_t ms) noexcept { retention_ms_ = ms; }
  void set_max_jobs_per_collection(std::size_t n) noexcept { max_jobs_ = n == 0 ? 1 : n; }

  /// Counts a trigger attempt (any refresh request naming an existing collection, whatever
  /// it is answered). Returns true when it overlaps an active job. Unknown collection: false,
  /// nothing counted. An overlap is also "informed" when `client` had observed the collection
  /// (observe()) after the active job was created: it saw the job and triggered anyway. An
  /// uninformed overlap is a race a client cannot avoid (another client started the job
  /// between its list and its refresh).
  bool note_trigger(std::string_view db, std::string_view name, std::int64_t now,
                    client_id client = 0);

  /// Records that `client` received a successful list (name empty: every collection of `db`,
  /// or of all databases) or describe answer showing the collection's jobs.
  void observe(client_id client, const std::optional<std::string>& db, std::string_view name);
  /// The same for a describe of job `id` (its collection).
  void observe_job(client_id client, std::int64_t id);

  /// Refresh semantics after binding: validation, duplicate policy, job creation.
  /// Both overrides or neither (the caller checks "both" first).
  result<std::int64_t> refresh(std::string_view db, std::string_view name,
                               const std::optional<std::string>& source,
                               const std::optional<std::string>& spec, duplicate_policy policy,
                               std::int64_t now);
  result<job_view> describe(std::int64_t id, std::int64_t now);
  /// `name` empty: all jobs (of `db` when given). Newest startTime first.
  result<std::vector<job_view>> list(const std::optional<std::string>& db, std::string_view name,
                                     std::int64_t now);

  /// The Pending/InProgress job of a collection, if any.
  std::optional<std::int64_t> active_job(std::string_view db, std::string_view name,
                                         std::int64_t now);

  /// Servability (sim/README.md "Servability model"); pure, nothing is swept or changed.
  /// Errors: unknown database 800, unknown collection 100, unknown index 700.
  result<std::vector<std::string>> list_indexes(std::string_view db, std::string_view name) const;
  result<index_progress> describe_index(std::string_view db, std::string_view name,
                                        std::string_view index_name, std::int64_t now) const;
  result<load_progress> get_load_state(std::string_view db, std::string_view name,
                                       std::int64_t now) const;

  /// Drops terminal jobs past retention. Called by every operation above; public for tests.
  void sweep(std::int64_t now);

  const model_stats& stats() const noexcept { return stats_; }
  /// Calls f(key "<db>/<name>", stats) for every collection.
  template <class F>
  void for_each_collection_stats(F&& f) const {
    for (const auto& [key, c] : collections_) {
      f(c.spec.database + "/" + c.spec.name, c.stats);
    }
  }

 private:
  struct collection {
    collection_spec spec;
    std::vector<std::int64_t> jobs;  // creation order == end-time order (one active at a time)
    collection_stats stats;
    /// (client, sequence number of its newest observation); at most max_observers, LRU.
    std::vector<std::pair<client_id, std::uint64_t>> observed;
    /// Index build as of the last folded refresh; `queued` is the newest job's refresh when
    /// that job completes (not failed), folded in when the next job is created. Until then it
    /// counts from its end time on (servability_at).
    index_build build;
    std::optional<completed_refresh> queued;
  };
  static constexpr std::size_t max_observers = 16;
  void observed_by(collection& c, client_id client);
  struct job {
    std::int64_t id = 0;
    collection* owner = nullptr;
    std::string source;
    std::string spec;
    std::int64_t start_ms = 0;
    std::uint64_t seq = 0;  ///< sequence number of its creation (orders it with observations)
    std::int64_t pending_ms = 0;
    std::int64_t running_ms = 0;
    bool fail = false;
    std::string reason;
    std::string pending_reason;
    std::int64_t end_ms() const noexcept { return start_ms + pending_ms + running_ms; }
  };
  using expiry = std::pair<std::int64_t, std::int64_t>;  // (end_ms, job id)

  static std::string key(std::string_view db, std::string_view name);
  collection* find(std::string_view db, std::string_view name);
  const collection* find(std::string_view db, std::string_view name) const;
  static job_view view(const job& j, std::int64_t now);
  static index_build servability_at(const collection& c, std::int64_t now);
  result<const collection*> servable(std::string_view db, std::string_view name) const;
  bool expired(const job& j, std::int64_t now) const noexcept;
  void forget(std::int64_t id);
  std::int64_t create_job(collection& c, const std::optional<std::string>& source,
                          const std::optional<std::string>& spec, std::int64_t now);

  std::unordered_map<std::string, collection> collections_;
  std::unordered_map<std::string, std::size_t> databases_;  // db -> collection count
  std::unordered_map<std::int64_t, job> jobs_;
  std::priority_queue<expiry, std::vector<expiry>, std::greater<>> expiries_;
  model_stats stats_;
  std::int64_t next_id_ = first_job_id;
  std::uint64_t seq_ = 0;  // orders job creations and observations
  std::int64_t retention_ms_ = 86'400'000;
  std::size_t max_jobs_ = 100;
};

}  // namespace refreshd::sim
