#include <charconv>
#include <chrono>

#include <nlohmann/json.hpp>

#include <refreshd/sim/simulator.hpp>

#include "binding.hpp"
#include "replies.hpp"

namespace refreshd::sim {

namespace {

using json = nlohmann::json;

bool parses_as_int(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  if (!s.empty() && s.front() == '+') {
    s.remove_prefix(1);
  }
  long long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return !s.empty() && ec == std::errc{} && p == s.data() + s.size();
}

}  // namespace

std::string_view to_string(endpoint e) noexcept {
  switch (e) {
    case endpoint::refresh:
      return "refresh";
    case endpoint::describe:
      return "describe";
    case endpoint::list:
      return "list";
    case endpoint::index_list:
      return "index_list";
    case endpoint::index_describe:
      return "index_describe";
    case endpoint::load_state:
      return "load_state";
  }
  return "refresh";
}

std::string_view to_string(fault_kind f) noexcept {
  switch (f) {
    case fault_kind::none:
      return "none";
    case fault_kind::http_500:
      return "http_500";
    case fault_kind::reset:
      return "reset";
    case fault_kind::malformed:
      return "malformed";
    case fault_kind::oversized:
      return "oversized";
  }
  return "none";
}

std::int64_t wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

simulator::simulator(sim_config base) : base_(std::move(base)) {
  reset();
}

void simulator::reset() {
  model_.reset();
  traffic_ = {};
  log_.clear();
  set_config(base_);
  for (auto& l : limiters_) {
    l.configure(cfg_.rate_limit.rps);
  }
}

void simulator::set_config(const sim_config& cfg) {
  const bool rate_changed = cfg.rate_limit.rps != cfg_.rate_limit.rps ||
                            cfg.rate_limit.mode != cfg_.rate_limit.mode ||
                            cfg.rate_limit.scope != cfg_.rate_limit.scope;
  cfg_ = cfg;
  model_.set_retention_ms(cfg_.retention_ms);
  model_.set_max_jobs_per_collection(cfg_.max_jobs_per_collection);
  if (rate_changed) {
    for (auto& l : limiters_) {
      l.configure(cfg_.rate_limit.rps);
    }
  }
  while (log_.size() > cfg_.request_log_size) {
    log_.pop_front();
  }
}

fault_kind simulator::pick_fault(std::mt19937_64& rng) const {
  const auto& f = cfg_.faults;
  if (f.http_500_ratio <= 0 && f.reset_ratio <= 0 && f.malformed_ratio <= 0 &&
      f.oversized_ratio <= 0) {
    return fault_kind::none;
  }
  const double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
  if (u < f.http_500_ratio) {
    return fault_kind::http_500;
  }
  if (u < f.http_500_ratio + f.reset_ratio) {
    return fault_kind::reset;
  }
  if (u < f.http_500_ratio + f.reset_ratio + f.malformed_ratio) {
    return fault_kind::malformed;
  }
  if (u < f.http_500_ratio + f.reset_ratio + f.malformed_ratio + f.oversized_ratio) {
    return fault_kind::oversized;
  }
  return fault_kind::none;
}

bool simulator::authorized(const request_meta& meta) const {
  return cfg_.auth_token.empty() || meta.authorization == "Bearer " + cfg_.auth_token;
}

bool simulator::limited(endpoint op, rate_limit_mode mode, std::int64_t now) {
  if (cfg_.rate_limit.mode != mode || cfg_.rate_limit.rps <= 0) {
    return false;
  }
  if (cfg_.rate_limit.scope == rate_limit_scope::refresh && op != endpoint::refresh) {
    return false;
  }
  if (limiters_.at(static_cast<std::size_t>(op)).try_acquire(now)) {
    return false;
  }
  ++traffic_.rate_limited;
  return true;
}

reply simulator::handle(endpoint op, const request_meta& meta, std::string_view body,
                        std::int64_t now, fault_kind fault, bool timed_out) {
  ++traffic_.requests.at(static_cast<std::size_t>(op));
  request_record rec;
  rec.time_ms = now;
  rec.op = op;
  rec.fault = fault;
  if (cfg_.routes_absent || (is_servability(op) && cfg_.servability_routes_absent)) {
    auto r = detail::gin_not_found(rec);
    remember(std::move(rec));
    return r;
  }
  const auto req = detail::bind_request(op, body, cfg_.string_job_ids);
  std::optional<std::string> explicit_db;
  if (!req.db.empty()) {
    explicit_db = req.db;
  } else if (!meta.db_name.empty()) {
    explicit_db = meta.db_name;
  }
  const std::string db = explicit_db.value_or("default");
  rec.database = db;
  rec.collection = req.collection;
  rec.job_id = req.job_id;
  // Counted whatever the answer: an overlap is the client's attempt, not the server's verdict.
  if (op == endpoint::refresh && !req.error) {
    model_.note_trigger(db, req.collection, now, client_of(meta.authorization));
  }
  auto r = answer(op, meta, req, explicit_db ? db : std::string(), now, fault, rec);
  if (fault == fault_kind::malformed && r.http_status != 500) {
    r.body.resize(std::max<std::size_t>(1, r.body.size() / 2));
    ++traffic_.malformed;
  }
  if (fault == fault_kind::oversized && r.http_status != 500) {
    // Valid JSON followed by 9 MiB of whitespace: over a client's 8 MiB body cap.
    r.body.append(std::size_t{9} * 1024 * 1024, ' ');
    ++traffic_.oversized;
  }
  if (fault == fault_kind::none && !timed_out && r.http_status == 200 && rec.code == 0) {
    // The client sees the collection's jobs (for the informed-overlap counter).
    if (op == endpoint::list) {
      model_.observe(client_of(meta.authorization), explicit_db, req.collection);
    } else if (op == endpoint::describe) {
      model_.observe_job(client_of(meta.authorization), req.job_id);
    }
  }
  if (fault == fault_kind::reset) {
    r.reset = true;
    ++traffic_.resets;
  } else if (timed_out) {
    r = detail::json_reply(408, {{"code", 10001}, {"message", "request timeout"}}, rec);
    ++traffic_.timeouts;
  }
  remember(std::move(rec));
  return r;
}

reply simulator::answer(endpoint op, const request_meta& meta, const bound& req,
                        const std::string& explicit_db, std::int64_t now, fault_kind fault,
                        request_record& rec) {
  if (limited(op, rate_limit_mode::http_429, now)) {
    auto r = detail::raw_json_reply(429, cfg_.rate_limit.body_429, rec);
    r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  if (!authorized(meta)) {
    rec.authorized = false;
    ++traffic_.unauthorized;
    return detail::error_reply(401, {1800, "user hasn't authenticated"}, rec);
  }
  if (meta.request_timeout && !parses_as_int(*meta.request_timeout)) {
    return detail::error_reply(
        200,
        {1100, "Request-Timeout parse failed, err: strconv.ParseInt: parsing \"" +
                   *meta.request_timeout + "\": invalid syntax: invalid parameter"},
        rec);
  }
  if (req.error) {
    return detail::error_reply(200, *req.error, rec);
  }
  if (fault == fault_kind::http_500) {
    ++traffic_.http_500;
    return detail::json_reply(500, {{"code", 500}}, rec);
  }
  if (limited(op, rate_limit_mode::code_1807, now)) {
    return detail::error_reply(
        200,
        {1807, "request is rejected by limiter, error: rate limit exceeded[rate=" +
                   json(cfg_.rate_limit.rps).dump() + "]"},
        rec);
  }
  return business(op, req, explicit_db, now, rec);
}

reply simulator::business(endpoint op, const bound& req, const std::string& explicit_db,
                          std::int64_t now, request_record& rec) {
  const std::string db = explicit_db.empty() ? std::string("default") : explicit_db;
  if (is_servability(op)) {
    return servability(op, req, db, now, rec);
  }
  const bool string_ids = cfg_.string_job_ids;
  if (op == endpoint::refresh) {
    if (req.source.has_value() != req.spec.has_value()) {
      return detail::error_reply(
          200,
          {1100,
           "externalSource and externalSpec must be provided both or neither: invalid "
           "parameter"},
          rec);
    }
    auto r = model_.refresh(db, req.collection, req.source, req.spec, cfg_.duplicates, now);
    if (auto* err = std::get_if<api_error>(&r)) {
      return detail::error_reply(200, *err, rec);
    }
    rec.job_id = std::get<std::int64_t>(r);
    return detail::json_reply(
        200, {{"code", 0}, {"data", {{"jobId", detail::job_id_json(rec.job_id, string_ids)}}}},
        rec);
  }
  if (op == endpoint::describe) {
    auto r = model_.describe(req.job_id, now);
    if (auto* err = std::get_if<api_error>(&r)) {
      return detail::error_reply(200, *err, rec);
    }
    const auto& v = std::get<job_view>(r);
    rec.collection = std::string(v.collection);
    rec.database = std::string(v.database);
    return detail::json_reply(200, {{"code", 0}, {"data", detail::job_json(v, string_ids)}}, rec);
  }
  std::optional<std::string> filter;
  if (!explicit_db.empty()) {
    filter = explicit_db;
  }
  auto r = model_.list(filter, req.collection, now);
  if (auto* err = std::get_if<api_error>(&r)) {
    return detail::error_reply(200, *err, rec);
  }
  auto records = json::array();
  for (const auto& v : std::get<std::vector<job_view>>(r)) {
    records.push_back(detail::job_json(v, string_ids));
  }
  return detail::json_reply(200, {{"code", 0}, {"data", {{"records", std::move(records)}}}}, rec);
}

void simulator::remember(request_record rec) {
  if (cfg_.request_log_size == 0) {
    return;
  }
  while (log_.size() >= cfg_.request_log_size) {
    log_.pop_front();
  }
  log_.push_back(std::move(rec));
}

}  // namespace refreshd::sim
