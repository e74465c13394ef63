#include <algorithm>

#include <refreshd/cycle/dependencies.hpp>

namespace refreshd::daemon {

std::string_view to_string(upstream_wait w) noexcept {
  switch (w) {
    case upstream_wait::waiting:
      return "waiting";
    case upstream_wait::held:
      return "held";
    case upstream_wait::ready:
      break;
  }
  return "ready";
}

maybe_time consumed_at(const collection_state& s) noexcept {
  // The job's start is the server's clock, like the upstream's ready moment it is compared with
  // (a local clock ahead or behind would make it refresh twice or late); the local trigger time
  // only while the newest job has no start yet. `job` is always the newest job (a trigger
  // replaces it).
  return s.job && s.job->start ? s.job->start : s.last_trigger;
}

upstream_gate check_upstreams(maybe_time consumed,
                              std::span<const collection_state* const> upstreams) noexcept {
  std::optional<std::size_t> waiting;
  for (std::size_t i = 0; i < upstreams.size(); ++i) {
    const collection_state& u = *upstreams[i];
    switch (u.current) {
      case status::failing:
      case status::misconfigured:
      case status::unsupported:
      case status::auth_failed:
        return {upstream_wait::held, i};
      case status::paused:
        if (u.consecutive_failures > 0) {
          return {upstream_wait::held, i};  // quarantined, or paused while failing
        }
        break;
      default:
        break;
    }
    const bool newer = u.last_success && (!consumed || *u.last_success > *consumed);
    if (!newer && !waiting) {
      waiting = i;
    }
  }
  return waiting ? upstream_gate{upstream_wait::waiting, *waiting} : upstream_gate{};
}

void dependency_links::build(const std::vector<std::string>& keys,
                             const std::vector<const std::vector<std::string>*>& depends) {
  clear();
  std::unordered_map<std::string_view, std::size_t> index;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    index.emplace(keys[i], i);
  }
  for (std::size_t i = 0; i < depends.size(); ++i) {
    if (depends[i] == nullptr) {
      continue;
    }
    for (const std::string& u : *depends[i]) {
      if (const auto it = index.find(u); it != index.end()) {
        up_[i].push_back(it->second);
        down_[it->second].push_back(i);
      }
    }
  }
}

void dependency_links::clear() {
  up_.clear();
  down_.clear();
  held_.clear();
}

std::span<const std::size_t> dependency_links::upstreams(std::size_t dependent) const noexcept {
  const auto it = up_.find(dependent);
  return it == up_.end() ? std::span<const std::size_t>() : std::span(it->second);
}

std::span<const std::size_t> dependency_links::dependents(std::size_t upstream) const noexcept {
  const auto it = down_.find(upstream);
  return it == down_.end() ? std::span<const std::size_t>() : std::span(it->second);
}

std::vector<std::size_t> dependency_links::upstreams_of_any() const {
  std::vector<std::size_t> out;
  out.reserve(down_.size());
  for (const auto& [upstream, dependents] : down_) {
    out.push_back(upstream);
  }
  return out;
}

bool dependency_links::note_held(std::size_t dependent, bool held) {
  return held ? held_.insert(dependent).second : held_.erase(dependent) > 0;
}

}  // namespace refreshd::daemon
