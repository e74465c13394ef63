#pragma once
// What the runtime keeps per collection and per cluster that its readers (metrics, the HTTP
// API, systemd) see, as plain data: the collection's cycle, status and slot, the request
// counters of a cluster. Pure (docs/ARCHITECTURE.md): the event loop that changes them is in
// runtime/.

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <refreshd/client/types.hpp>
#include <refreshd/config/config.hpp>
#include <refreshd/cycle/collection_state.hpp>
#include <refreshd/cycle/cycle.hpp>
#include <refreshd/cycle/slot_plan.hpp>
#include <refreshd/cycle/time.hpp>

namespace refreshd::daemon {

/// A collection's identity across reloads and in lookups: cluster name, database and name
/// joined by NUL (none of them can hold one), or by `separator` (coordination's keys use '/').
std::string collection_key(std::string_view cluster, std::string_view database,
                           std::string_view name, char separator = '\0');

/// API request counters of one cluster, by operation and result ("ok" or an error class).
struct api_counters {
  struct entry {
    client::operation op;
    std::string result;
    std::uint64_t count = 0;
  };
  std::vector<entry> entries;
  void add(client::operation op, std::string_view result);
  std::uint64_t get(client::operation op, std::string_view result) const;
};

struct collection_runtime {
  collection_runtime(std::uint32_t cluster_index, const config::collection& c, slot_plan p,
                     std::uint64_t seed);
  // Never copied: a copy would share the running cycle its union may point to.
  collection_runtime(const collection_runtime&) = delete;
  collection_runtime& operator=(const collection_runtime&) = delete;

  static constexpr std::uint32_t retired_index = static_cast<std::uint32_t>(-1);

  // Every collection keeps one for the daemon's life: fields ordered to leave no padding
  // (docs/DAEMON.md "Memory").
  std::uint32_t index = 0;  ///< position in collections(); retired_index once removed
  std::uint32_t cluster;
  /// Kept valid while a reload's removal waits for the cycle's end: the runtime holds the
  /// config it points into beside the retired collection.
  const config::collection* cfg;
  slot_plan plan;
  collection_state state;
  maybe_slot slot;               ///< queued, or being run
  maybe_time last_end;           ///< end of the newest finished job ("after D")
  std::uint32_t generation = 0;  ///< queue entries of older generations are stale
  bool running = false;          ///< a cycle coroutine exists
  /// The kind of the last cycle's outcome, or of a cluster block; nullopt before either (the
  /// whole outcome is kept only by `run --once`, in the runtime: docs/DAEMON.md "Memory").
  std::optional<outcome_kind> last_kind;

  /// A reload removed it while its cycle ran: the job is followed to its end, then it is
  /// dropped.
  [[nodiscard]] bool retired() const noexcept { return index == retired_index; }

  /// The running cycle, or nullptr: it exists only while a cycle_scope lives (an idle
  /// collection does not pay for one).
  [[nodiscard]] refresh_cycle* cycle() const noexcept { return has_cycle_ ? cycle_ : nullptr; }

 private:
  friend class cycle_scope;
  bool has_cycle_ = false;
  // What the next cycle goes on from, or, while one runs, that cycle (which holds the memory
  // meanwhile): one of the two at a time, in 16 bytes (docs/DAEMON.md "Memory").
  union {
    cycle_memory memory_;
    refresh_cycle* cycle_;
  };
};

/// Makes `c.cycle()` from the collection's memory and config for as long as it lives; at its
/// end the cycle's memory goes back to the collection and the cycle is dropped.
class cycle_scope {
 public:
  explicit cycle_scope(collection_runtime& c);
  ~cycle_scope();
  cycle_scope(const cycle_scope&) = delete;
  cycle_scope& operator=(const cycle_scope&) = delete;
  [[nodiscard]] refresh_cycle& cycle() const noexcept { return *cycle_; }

 private:
  collection_runtime& c_;
  std::unique_ptr<refresh_cycle> cycle_;
};

/// The refresh request of a collection (database, name, and its external source and spec).
client::refresh_request refresh_target(const config::collection& c);

/// A read-only view of the runtime's collections, in configuration order (collections()).
class collection_list {
 public:
  /// Shared: a coroutine that needs a collection across a co_await holds it (a cycle) or a
  /// weak reference checked after each resume (an admin request); a reload may remove it.
  using storage = std::vector<std::shared_ptr<collection_runtime>>;
  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = collection_runtime;
    using difference_type = std::ptrdiff_t;
    using pointer = const collection_runtime*;
    using reference = const collection_runtime&;
    iterator() = default;
    explicit iterator(storage::const_iterator it) : it_(it) {}
    reference operator*() const { return **it_; }
    pointer operator->() const { return it_->get(); }
    iterator& operator++() {
      ++it_;
      return *this;
    }
    iterator operator++(int) {
      auto old = *this;
      ++it_;
      return old;
    }
    bool operator==(const iterator&) const = default;

   private:
    storage::const_iterator it_;
  };

  explicit collection_list(const storage& s) noexcept : s_(&s) {}
  std::size_t size() const noexcept { return s_->size(); }
  bool empty() const noexcept { return s_->empty(); }
  const collection_runtime& operator[](std::size_t i) const { return *(*s_)[i]; }
  iterator begin() const { return iterator(s_->begin()); }
  iterator end() const { return iterator(s_->end()); }

 private:
  const storage* s_;
};

}  // namespace refreshd::daemon
