#pragma once
// Admission of connections to http_server (docs/HTTP.md "Connection cap", docs/SECURITY.md): a
// cap on open connections with a per-client share, where an idle connection (waiting for a
// request head) gives way to a new one instead of the new one being refused. Pure bookkeeping:
// no I/O, the caller closes what admit() says to close.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include <boost/asio/ip/address.hpp>

namespace refreshd {

class connection_table {
 public:
  using clock = std::chrono::steady_clock;
  using id_type = std::uint64_t;
  using address = boost::asio::ip::address;

  struct limits {
    std::size_t max_total = 1024;       ///< open connections
    std::size_t max_per_client = 1024;  ///< open connections from one client address
  };

  struct admission {
    bool admitted = false;
    std::vector<id_type> evicted;  ///< idle connections to close now (already forgotten)
  };

  explicit connection_table(limits l) : limits_(l) {}

  /// Decides about a new connection from `client`. When the client's share or the total is
  /// full, the connection that has waited longest for a request head (the client's own first,
  /// for its share) is evicted; when none is waiting (all are handling a request), the new
  /// connection is refused. Nothing is recorded for a refused connection.
  admission admit(const address& client);
  /// Records an admitted connection, waiting for its first request head since `now`.
  id_type add(const address& client, clock::time_point now);
  /// A connection starts waiting for a request head (true) or starts handling one (false).
  /// False when the connection is not known (it was evicted).
  bool set_waiting(id_type id, bool waiting, clock::time_point now);
  /// Forgets a connection; false when it was not known (already evicted). Idempotent.
  bool remove(id_type id);

  std::size_t size() const noexcept { return entries_.size(); }
  std::size_t count(const address& client) const;

 private:
  struct entry {
    address client;
    bool waiting = true;
    clock::time_point since;
  };
  std::optional<id_type> oldest_waiting(const address* client) const;

  limits limits_;
  std::unordered_map<id_type, entry> entries_;
  std::unordered_map<address, std::size_t> per_client_;
  id_type next_id_ = 0;
};

}  // namespace refreshd
