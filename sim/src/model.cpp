#include <algorithm>

#include <refreshd/sim/model.hpp>

#include "validation.hpp"

namespace refreshd::sim {

namespace {

constexpr std::string_view invalid_parameter = ": invalid parameter";

api_error invalid(std::string message) {
  return {1100, std::move(message) + std::string(invalid_parameter)};
}

api_error collection_not_found(std::string_view name) {
  return {100, "collection not found[collection=" + std::string(name) + "]"};
}

api_error database_not_found(std::string_view db) {
  return {800, "database not found[database=" + std::string(db) + "]"};
}

api_error not_external(std::string_view name) {
  return invalid("collection " + std::string(name) + " is not an external collection");
}

std::string in_progress_text(std::int64_t id, std::string_view name) {
  return "refresh job " + std::to_string(id) + " is already in progress for collection " +
         std::string(name) + ", please wait for it to complete or cancel it first";
}

}  // namespace

std::string_view to_string(job_state s) noexcept {
  switch (s) {
    case job_state::pending:
      return "RefreshPending";
    case job_state::in_progress:
      return "RefreshInProgress";
    case job_state::completed:
      return "RefreshCompleted";
    case job_state::failed:
      return "RefreshFailed";
  }
  return "RefreshPending";
}

void model::reset() {
  collections_.clear();
  databases_.clear();
  jobs_.clear();
  expiries_ = {};
  stats_ = {};
}

std::string model::key(std::string_view db, std::string_view name) {
  std::string k;
  k.reserve(db.size() + name.size() + 1);
  k.append(db).push_back('\0');
  k.append(name);
  return k;
}

model::collection* model::find(std::string_view db, std::string_view name) {
  auto it = collections_.find(key(db, name));
  return it == collections_.end() ? nullptr : &it->second;
}

const model::collection* model::find(std::string_view db, std::string_view name) const {
  auto it = collections_.find(key(db, name));
  return it == collections_.end() ? nullptr : &it->second;
}

void model::upsert_collection(collection_spec spec) {
  auto k = key(spec.database, spec.name);
  auto it = collections_.find(k);
  if (it != collections_.end()) {
    it->second.spec = std::move(spec);
    return;
  }
  ++databases_[spec.database];
  collections_.emplace(std::move(k), collection{std::move(spec), {}, {}, {}, {}, {}});
}

bool model::has_collection(std::string_view db, std::string_view name) const {
  return find(db, name) != nullptr;
}

bool model::has_database(std::string_view db) const {
  return db == "default" || databases_.find(std::string(db)) != databases_.end();
}

job_view model::view(const job& j, std::int64_t now) {
  job_view v;
  v.id = j.id;
  v.collection = j.owner->spec.name;
  v.database = j.owner->spec.database;
  v.source = j.source;
  v.spec = j.spec;
  v.start_ms = j.start_ms;
  const std::int64_t elapsed = now - j.start_ms;
  if (elapsed < j.pending_ms) {
    v.state = job_state::pending;
    v.reason = j.pending_reason;
  } else if (elapsed < j.pending_ms + j.running_ms) {
    v.state = job_state::in_progress;
    v.progress = static_cast<int>(std::min<std::int64_t>(
        99, (elapsed - j.pending_ms) * 100 / std::max<std::int64_t>(1, j.running_ms)));
  } else if (j.fail) {
    v.state = job_state::failed;
    v.progress = j.running_ms > 0 ? 99 : 0;  // last value seen before the failure
    v.end_ms = j.end_ms();
    v.reason = j.reason;
  } else {
    v.state = job_state::completed;
    v.progress = 100;
    v.end_ms = j.end_ms();
  }
  return v;
}

bool model::expired(const job& j, std::int64_t now) const noexcept {
  return j.end_ms() + retention_ms_ <= now;
}

void model::forget(std::int64_t id) {
  auto it = jobs_.find(id);
  if (it == jobs_.end()) {
    return;
  }
  auto& ids = it->second.owner->jobs;
  ids.erase(std::find(ids.begin(), ids.end(), id));
  jobs_.erase(it);
}

void model::sweep(std::int64_t now) {
  while (!expiries_.empty() && expiries_.top().first + retention_ms_ <= now) {
    forget(expiries_.top().second);
    expiries_.pop();
  }
}

std::optional<std::int64_t> model::active_job(std::string_view db, std::string_view name,
                                              std::int64_t now) {
  const auto* c = find(db, name);
  if (c == nullptr || c->jobs.empty()) {
    return std::nullopt;
  }
  const auto& newest = jobs_.at(c->jobs.back());
  if (now < newest.end_ms()) {
    return newest.id;
  }
  return std::nullopt;
}

bool model::note_trigger(std::string_view db, std::string_view name, std::int64_t now,
                         client_id client) {
  sweep(now);
  auto* c = find(db, name);
  if (c == nullptr) {
    return false;
  }
  ++c->stats.triggers;
  ++stats_.triggers;
  const auto active = active_job(db, name, now);
  if (!active) {
    return false;
  }
  ++c->stats.overlapping_triggers;
  ++stats_.overlapping_triggers;
  const auto created = jobs_.at(*active).seq;
  for (const auto& [who, seq] : c->observed) {
    if (who == client && seq > created) {
      ++c->stats.informed_overlapping_triggers;
      ++stats_.informed_overlapping_triggers;
    }
  }
  return true;
}

client_id client_of(std::string_view authorization) noexcept {
  if (authorization.empty()) {
    return 0;
  }
  std::uint64_t h = 14695981039346656037ULL;  // FNV-1a
  for (const char ch : authorization) {
    h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ULL;
  }
  return h == 0 ? 1 : h;
}

void model::observed_by(collection& c, client_id client) {
  const auto seq = ++seq_;
  auto it = std::find_if(c.observed.begin(), c.observed.end(),
                         [client](const auto& o) { return o.first == client; });
  if (it != c.observed.end()) {
    c.observed.erase(it);
  } else if (c.observed.size() >= max_observers) {
    c.observed.erase(c.observed.begin());
  }
  c.observed.emplace_back(client, seq);
}

void model::observe(client_id client, const std::optional<std::string>& db, std::string_view name) {
  if (!name.empty()) {
    if (auto* c = find(db.value_or("default"), name)) {
      observed_by(*c, client);
    }
    return;
  }
  for (auto& [key, c] : collections_) {
    if (!db || c.spec.database == *db) {
      observed_by(c, client);
    }
  }
}

void model::observe_job(client_id client, std::int64_t id) {
  if (auto it = jobs_.find(id); it != jobs_.end()) {
    observed_by(*it->second.owner, client);
  }
}

std::int64_t model::create_job(collection& c, const std::optional<std::string>& source,
                               const std::optional<std::string>& spec, std::int64_t now) {
  while (!c.jobs.empty() && c.jobs.size() >= max_jobs_) {
    forget(c.jobs.front());
  }
  const auto& p = c.spec.job;
  job j;
  j.id = next_id_++;
  j.owner = &c;
  j.source = source.value_or(c.spec.source);
  j.spec = spec.value_or(c.spec.spec);
  j.start_ms = now;
  j.seq = ++seq_;
  j.pending_ms = std::max<std::int64_t>(0, p.pending_ms);
  j.running_ms = std::max<std::int64_t>(0, p.running_ms);
  j.fail = p.fail;
  j.reason = p.reason.empty() ? std::string("refresh failed: simulated failure") : p.reason;
  j.pending_reason = p.pending_reason;
  // The previous job has ended (no job is created while one is active): fold its refresh in.
  if (c.queued) {
    c.build = after_refresh(c.build, *c.queued);
    c.queued.reset();
  }
  if (!j.fail) {
    c.queued = completed_refresh{j.end_ms(), c.spec.rows, c.spec.index, c.spec.load.load_ms};
  }
  c.jobs.push_back(j.id);
  expiries_.emplace(j.end_ms(), j.id);
  ++stats_.jobs_created;
  const auto id = j.id;
  jobs_.emplace(id, std::move(j));
  return id;
}

result<std::int64_t> model::refresh(std::string_view db, std::string_view name,
                                    const std::optional<std::string>& source,
                                    const std::optional<std::string>& spec, duplicate_policy policy,
                                    std::int64_t now) {
  sweep(now);
  if (!has_database(db)) {
    return database_not_found(db);
  }
  auto* c = find(db, name);
  if (c == nullptr) {
    return collection_not_found(name);
  }
  if (!c->spec.external) {
    return not_external(name);
  }
  if (source && spec) {
    if (auto err = detail::check_source(*source)) {
      return invalid(*err);
    }
    if (auto err = detail::check_spec(*spec)) {
      return invalid(*err);
    }
  } else if (c->spec.source.empty() && c->spec.spec.empty()) {
    return invalid("collection " + std::string(name) +
                   " has no persisted external_source/external_spec; provide both "
                   "externalSource and externalSpec");
  }
  if (auto active = active_job(db, name, now)) {
    switch (policy) {
      case duplicate_policy::reject_in_progress:
        return invalid(in_progress_text(*active, name));
      case duplicate_policy::reject_703:
        return api_error{703, in_progress_text(*active, name) + ": task duplicates"};
      case duplicate_policy::same_id:
        return *active;
      case duplicate_policy::legacy_drop:
        return next_id_++;  // allocated, acknowledged, never persisted
    }
  }
  return create_job(*c, source, spec, now);
}

result<job_view> model::describe(std::int64_t id, std::int64_t now) {
  sweep(now);
  auto it = jobs_.find(id);
  if (it == jobs_.end() || expired(it->second, now)) {
    return invalid("refresh job " + std::to_string(id) + " not found");
  }
  return view(it->second, now);
}

result<std::vector<job_view>> model::list(const std::optional<std::string>& db,
                                          std::string_view name, std::int64_t now) {
  sweep(now);
  if (db && !has_database(*db)) {
    return database_not_found(*db);
  }
  std::vector<job_view> out;
  if (!name.empty()) {
    const auto* c = find(db.value_or("default"), name);
    if (c == nullptr) {
      return collection_not_found(name);
    }
    if (!c->spec.external) {
      return not_external(name);
    }
    out.reserve(c->jobs.size());
    for (auto it = c->jobs.rbegin(); it != c->jobs.rend(); ++it) {
      out.push_back(view(jobs_.at(*it), now));
    }
    return out;
  }
  out.reserve(jobs_.size());
  for (const auto& [id, j] : jobs_) {
    if (!db || j.owner->spec.database == *db) {
      out.push_back(view(j, now));
    }
  }
  std::sort(out.begin(), out.end(), [](const job_view& a, const job_view& b) {
    return a.start_ms != b.start_ms ? a.start_ms > b.start_ms : a.id > b.id;
  });
  return out;
}

}  // namespace refreshd::sim
