// The servability model (sim/README.md "Servability model") and the model's three queries.
#include <algorithm>

#include <refreshd/sim/model.hpp>
#include <refreshd/sim/servability.hpp>

namespace refreshd::sim {

namespace {

// Unique names: unity builds merge the anonymous namespaces of the target.
api_error servability_database_not_found(std::string_view db) {
  return {800, "database not found[database=" + std::string(db) + "]"};
}

api_error servability_collection_not_found(std::string_view name) {
  return {100, "collection not found[collection=" + std::string(name) + "]"};
}

api_error servability_index_not_found(std::string_view index_name) {
  return {700, "index not found[indexName=" + std::string(index_name) + "]"};
}

}  // namespace

std::string_view to_string(index_state s) noexcept {
  switch (s) {
    case index_state::in_progress:
      return "InProgress";
    case index_state::finished:
      return "Finished";
    case index_state::failed:
      return "Failed";
  }
  return "Finished";
}

std::string_view to_string(load_state s) noexcept {
  switch (s) {
    case load_state::not_load:
      return "LoadStateNotLoad";
    case load_state::loading:
      return "LoadStateLoading";
    case load_state::loaded:
      return "LoadStateLoaded";
  }
  return "LoadStateLoaded";
}

std::optional<std::int64_t> index_build::done_ms() const noexcept {
  if (rows <= 0) {
    return start_ms;
  }
  if (index.rows_per_s <= 0) {
    return std::nullopt;
  }
  // ceil(rows * 1000 / rows_per_s); rows <= 10^15, so rows * 1000 fits.
  const auto r = index.rows_per_s;
  return start_ms + (rows * 1000 + r - 1) / r;
}

index_progress index_at(const index_build& b, std::int64_t now) {
  index_progress p;
  p.total_rows = b.total_rows;
  p.indexed_rows = b.total_rows;
  if (!b.refreshed) {
    return p;  // nothing was ever refreshed: an empty, finished index
  }
  const auto t = std::max(now, b.start_ms);
  const auto done = b.done_ms();
  if (done && t >= *done) {
    if (b.index.fail) {
      // The failed build's rows are neither indexed nor pending (Milvus counts only finished
      // and queued segments).
      p.state = index_state::failed;
      p.indexed_rows = b.indexed_before;
      p.fail_reason =
          b.index.reason.empty() ? std::string(default_index_fail_reason) : b.index.reason;
    }
    return p;
  }
  // t < done: (t - start) * rows_per_s < rows * 1000 + rows_per_s, which fits in 64 bits.
  const auto indexed_now = (t - b.start_ms) * b.index.rows_per_s / 1000;
  p.state = index_state::in_progress;
  p.pending_rows = b.rows - std::min(indexed_now, b.rows);
  p.indexed_rows = b.total_rows - p.pending_rows;
  return p;
}

index_build after_refresh(const index_build& b, const completed_refresh& r) {
  const auto at_end = index_at(b, r.end_ms);
  index_build n;
  n.refreshed = true;
  n.total_rows = std::min(max_index_rows, b.total_rows + std::max<std::int64_t>(0, r.rows));
  n.indexed_before = std::min(at_end.indexed_rows, n.total_rows);
  n.rows = n.total_rows - n.indexed_before;
  n.start_ms = r.end_ms;
  n.index = r.index;
  n.load_ms = r.load_ms;
  return n;
}

load_progress load_at(const index_build& b, bool loaded, bool has_indexes, std::int64_t now) {
  load_progress p;
  if (!loaded) {
    p.state = load_state::not_load;
    return p;
  }
  p.progress = 100;
  if (!b.refreshed) {
    return p;  // loaded before any refresh
  }
  std::optional<std::int64_t> caught_up = b.start_ms;
  if (has_indexes) {
    caught_up = b.index.fail ? std::nullopt : b.done_ms();
  }
  if (!caught_up || now < *caught_up) {
    p.state = load_state::loading;  // waits for the indexes (forever if they never catch up)
    p.progress = 0;
    return p;
  }
  const auto elapsed = now - *caught_up;
  if (elapsed >= b.load_ms) {
    return p;
  }
  p.state = load_state::loading;
  p.progress = static_cast<int>(elapsed * 100 / b.load_ms);
  return p;
}

index_build model::servability_at(const collection& c, std::int64_t now) {
  if (c.queued && c.queued->end_ms <= now) {
    return after_refresh(c.build, *c.queued);
  }
  return c.build;
}

result<const model::collection*> model::servable(std::string_view db, std::string_view name) const {
  if (!has_database(db)) {
    return servability_database_not_found(db);
  }
  const auto* c = find(db, name);
  if (c == nullptr) {
    return servability_collection_not_found(name);
  }
  return c;
}

result<std::vector<std::string>> model::list_indexes(std::string_view db,
                                                     std::string_view name) const {
  auto r = servable(db, name);
  if (auto* err = std::get_if<api_error>(&r)) {
    return *err;
  }
  return std::get<const collection*>(r)->spec.indexes;
}

result<index_progress> model::describe_index(std::string_view db, std::string_view name,
                                             std::string_view index_name, std::int64_t now) const {
  auto r = servable(db, name);
  if (auto* err = std::get_if<api_error>(&r)) {
    return *err;
  }
  const auto& c = *std::get<const collection*>(r);
  const auto& names = c.spec.indexes;
  if (std::find(names.begin(), names.end(), index_name) == names.end()) {
    return servability_index_not_found(index_name);
  }
  return index_at(servability_at(c, now), now);
}

result<load_progress> model::get_load_state(std::string_view db, std::string_view name,
                                            std::int64_t now) const {
  auto r = servable(db, name);
  if (auto* err = std::get_if<api_error>(&r)) {
    return *err;
  }
  const auto& c = *std::get<const collection*>(r);
  return load_at(servability_at(c, now), c.spec.load.loaded, !c.spec.indexes.empty(), now);
}

}  // namespace refreshd::sim
