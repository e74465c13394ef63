#include <refreshd/net/connection_table.hpp>

namespace refreshd {

connection_table::admission connection_table::admit(const address& client) {
  admission out;
  if (limits_.max_total == 0 || limits_.max_per_client == 0) {
    return out;
  }
  if (count(client) >= limits_.max_per_client) {
    auto victim = oldest_waiting(&client);
    if (!victim) {
      return out;
    }
    remove(*victim);
    out.evicted.push_back(*victim);
  }
  while (entries_.size() >= limits_.max_total) {
    auto victim = oldest_waiting(nullptr);
    if (!victim) {
      return out;  // what was evicted for the share stays evicted: it was idle anyway
    }
    remove(*victim);
    out.evicted.push_back(*victim);
  }
  out.admitted = true;
  return out;
}

connection_table::id_type connection_table::add(const address& client, clock::time_point now) {
  const auto id = next_id_++;
  entries_.emplace(id, entry{client, true, now});
  ++per_client_[client];
  return id;
}

bool connection_table::set_waiting(id_type id, bool waiting, clock::time_point now) {
  auto it = entries_.find(id);
  if (it == entries_.end()) {
    return false;
  }
  it->second.waiting = waiting;
  it->second.since = now;
  return true;
}

bool connection_table::remove(id_type id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) {
    return false;
  }
  auto c = per_client_.find(it->second.client);
  if (c != per_client_.end() && --c->second == 0) {
    per_client_.erase(c);
  }
  entries_.erase(it);
  return true;
}

std::size_t connection_table::count(const address& client) const {
  auto it = per_client_.find(client);
  return it == per_client_.end() ? 0 : it->second;
}

// Linear in the open connections; called only when a cap is reached (at most max_total).
std::optional<connection_table::id_type> connection_table::oldest_waiting(
    const address* client) const {
  std::optional<id_type> best;
  clock::time_point best_since = clock::time_point::max();
  for (const auto& [id, e] : entries_) {
    if (!e.waiting || (client != nullptr && e.client != *client)) {
      continue;
    }
    if (e.since < best_since || (e.since == best_since && best && id < *best)) {
      best = id;
      best_since = e.since;
    }
  }
  return best;
}

}  // namespace refreshd
