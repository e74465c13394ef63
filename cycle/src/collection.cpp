// The plain per-collection and per-cluster data of the runtime (collection.hpp).
#include <utility>

#include <refreshd/cycle/collection.hpp>

namespace refreshd::daemon {

std::string collection_key(std::string_view cluster, std::string_view database,
                           std::string_view name, char separator) {
  std::string k;
  k.reserve(cluster.size() + database.size() + name.size() + 2);
  k.append(cluster).append(1, separator).append(database).append(1, separator).append(name);
  return k;
}

void api_counters::add(client::operation op, std::string_view result) {
  for (auto& e : entries) {
    if (e.op == op && e.result == result) {
      ++e.count;
      return;
    }
  }
  entries.push_back(entry{op, std::string(result), 1});
}

std::uint64_t api_counters::get(client::operation op, std::string_view result) const {
  for (const auto& e : entries) {
    if (e.op == op && e.result == result) {
      return e.count;
    }
  }
  return 0;
}

client::refresh_request refresh_target(const config::collection& c) {
  client::refresh_request r;
  r.database = c.database;
  r.collection = c.name;
  if (c.has_external()) {
    r.external_source = c.external->source;
    r.external_spec = c.external->spec.reveal();
  }
  return r;
}

cycle_scope::cycle_scope(collection_runtime& c)
    : c_(c),
      cycle_(std::make_unique<refresh_cycle>(refresh_target(*c.cfg),
                                             make_cycle_params(c.cfg->settings), c.memory_)) {
  c.cycle_ = cycle_.get();
  c.has_cycle_ = true;
}

cycle_scope::~cycle_scope() {
  c_.has_cycle_ = false;
  c_.memory_ = cycle_->memory();
}

collection_runtime::collection_runtime(std::uint32_t cluster_index, const config::collection& c,
                                       slot_plan p, std::uint64_t seed)
    : cluster(cluster_index), cfg(&c), plan(std::move(p)), memory_{seed, 0, 0} {
  set_suspended(state, c.suspend);
}

}  // namespace refreshd::daemon
