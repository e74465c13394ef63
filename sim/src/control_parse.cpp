#include "control_parse.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace refreshd::sim {

std::string_view to_string(duplicate_policy p) noexcept {
  switch (p) {
    case duplicate_policy::reject_in_progress:
      return "reject_in_progress";
    case duplicate_policy::reject_703:
      return "reject_703";
    case duplicate_policy::same_id:
      return "same_id";
    case duplicate_policy::legacy_drop:
      return "legacy_drop";
  }
  return "reject_in_progress";
}

std::string_view to_string(rate_limit_mode m) noexcept {
  return m == rate_limit_mode::http_429 ? "429" : "1807";
}

std::string_view to_string(rate_limit_scope s) noexcept {
  return s == rate_limit_scope::all ? "all" : "refresh";
}

}  // namespace refreshd::sim

namespace refreshd::sim::detail {

namespace {

using json = nlohmann::json;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::invalid_argument(path + ": " + what);
}

void expect_object(const json& v, const std::string& path) {
  if (!v.is_object()) {
    fail(path, "expected a JSON object, got " + std::string(v.type_name()));
  }
}

bool as_bool(const json& v, const std::string& path) {
  if (!v.is_boolean()) {
    fail(path, "expected true or false, got " + v.dump());
  }
  return v.get<bool>();
}

std::string as_string(const json& v, const std::string& path) {
  if (!v.is_string()) {
    fail(path, "expected a string, got " + v.dump());
  }
  return v.get<std::string>();
}

std::int64_t as_int(const json& v, const std::string& path, std::int64_t lo, std::int64_t hi) {
  if (!v.is_number_integer() ||
      (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(hi))) {
    fail(path, "expected an integer, got " + v.dump());
  }
  const auto n = v.get<std::int64_t>();
  if (n < lo || n > hi) {
    fail(path, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  }
  return n;
}

double as_number(const json& v, const std::string& path, double lo, double hi) {
  if (!v.is_number() || !std::isfinite(v.get<double>())) {
    fail(path, "expected a number, got " + v.dump());
  }
  const auto d = v.get<double>();
  if (d < lo || d > hi) {
    fail(path, "must be between " + json(lo).dump() + " and " + json(hi).dump());
  }
  return d;
}

constexpr std::int64_t max_ms = std::int64_t{10} * 365 * 86'400'000;  // ten years

duplicate_policy policy_from(const json& v, const std::string& path) {
  const auto s = as_string(v, path);
  if (s == "reject_in_progress" || s == "reject_1100_in_progress") {
    return duplicate_policy::reject_in_progress;
  }
  if (s == "reject_703") {
    return duplicate_policy::reject_703;
  }
  if (s == "same_id" || s == "return_same_id") {
    return duplicate_policy::same_id;
  }
  if (s == "legacy_drop" || s == "legacy_return_new_id_then_drop") {
    return duplicate_policy::legacy_drop;
  }
  fail(path, "unknown policy \"" + s + "\" (reject_in_progress, reject_703, same_id, legacy_drop)");
}

void patch_rate_limit(rate_limit_config& rl, const json& v, const std::string& path) {
  expect_object(v, path);
  for (const auto& [key, value] : v.items()) {
    const auto p = path + "." + key;
    if (key == "rps") {
      rl.rps = as_number(value, p, 0, 1e9);
    } else if (key == "mode") {
      const auto m = value.is_number_integer() ? value.dump() : as_string(value, p);
      if (m != "1807" && m != "429") {
        fail(p, "expected \"1807\" or \"429\", got " + value.dump());
      }
      rl.mode = m == "429" ? rate_limit_mode::http_429 : rate_limit_mode::code_1807;
    } else if (key == "scope") {
      const auto s = as_string(value, p);
      if (s != "refresh" && s != "all") {
        fail(p, "expected \"refresh\" or \"all\", got " + value.dump());
      }
      rl.scope = s == "all" ? rate_limit_scope::all : rate_limit_scope::refresh;
    } else if (key == "body_429") {
      rl.body_429 = value.is_string() ? value.get<std::string>() : value.dump();
    } else {
      fail(p, "unknown key (rps, mode, scope, body_429)");
    }
  }
}

void patch_faults(fault_config& f, const json& v, const std::string& path) {
  expect_object(v, path);
  for (const auto& [key, value] : v.items()) {
    const auto p = path + "." + key;
    if (key == "http_500_ratio") {
      f.http_500_ratio = as_number(value, p, 0, 1);
    } else if (key == "reset_ratio") {
      f.reset_ratio = as_number(value, p, 0, 1);
    } else if (key == "malformed_ratio") {
      f.malformed_ratio = as_number(value, p, 0, 1);
    } else if (key == "oversized_ratio") {
      f.oversized_ratio = as_number(value, p, 0, 1);
    } else {
      fail(p, "unknown key (http_500_ratio, reset_ratio, malformed_ratio, oversized_ratio)");
    }
  }
}

job_profile job_from_json(const json& v, const std::string& path) {
  expect_object(v, path);
  job_profile job;
  for (const auto& [key, value] : v.items()) {
    const auto p = path + "." + key;
    if (key == "pending_ms") {
      job.pending_ms = as_int(value, p, 0, max_ms);
    } else if (key == "running_ms") {
      job.running_ms = as_int(value, p, 0, max_ms);
    } else if (key == "outcome") {
      const auto o = as_string(value, p);
      if (o != "completed" && o != "failed") {
        fail(p, "expected \"completed\" or \"failed\", got " + value.dump());
      }
      job.fail = o == "failed";
    } else if (key == "reason") {
      job.reason = as_string(value, p);
    } else if (key == "pending_reason") {
      job.pending_reason = as_string(value, p);
    } else {
      fail(p, "unknown key (pending_ms, running_ms, outcome, reason, pending_reason)");
    }
  }
  return job;
}

index_profile index_from_json(const json& v, const std::string& path) {
  expect_object(v, path);
  index_profile index;
  for (const auto& [key, value] : v.items()) {
    const auto p = path + "." + key;
    if (key == "rows_per_s") {
      index.rows_per_s = as_int(value, p, 0, 1'000'000'000);
    } else if (key == "outcome") {
      const auto o = as_string(value, p);
      if (o != "finished" && o != "failed") {
        fail(p, "expected \"finished\" or \"failed\", got " + value.dump());
      }
      index.fail = o == "failed";
    } else if (key == "reason") {
      index.reason = as_string(value, p);
    } else {
      fail(p, "unknown key (rows_per_s, outcome, reason)");
    }
  }
  return index;
}

load_profile load_from_json(const json& v, const std::string& path) {
  expect_object(v, path);
  load_profile load;
  for (const auto& [key, value] : v.items()) {
    const auto p = path + "." + key;
    if (key == "loaded") {
      load.loaded = as_bool(value, p);
    } else if (key == "load_ms") {
      load.load_ms = as_int(value, p, 0, max_ms);
    } else {
      fail(p, "unknown key (loaded, load_ms)");
    }
  }
  return load;
}

constexpr std::size_t max_indexes = 16;

std::vector<std::string> indexes_from_json(const json& v, const std::string& path) {
  if (!v.is_array()) {
    fail(path, "expected an array of index names, got " + v.dump());
  }
  if (v.size() > max_indexes) {
    fail(path, "at most " + std::to_string(max_indexes) + " indexes");
  }
  std::vector<std::string> names;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const auto p = path + "[" + std::to_string(i) + "]";
    auto name = as_string(v[i], p);
    if (name.empty()) {
      fail(p, "must not be empty");
    }
    if (std::find(names.begin(), names.end(), name) != names.end()) {
      fail(p, "duplicate index name \"" + name + "\"");
    }
    names.push_back(std::move(name));
  }
  return names;
}

}  // namespace

json parse_json(std::string_view text, std::string_view what) {
  auto doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) {
    fail(std::string(what), "not valid JSON");
  }
  return doc;
}

void patch_config_json(sim_config& cfg, const json& patch) {
  const std::string root = "config";
  expect_object(patch, root);
  for (const auto& [key, value] : patch.items()) {
    const auto p = root + "." + key;
    if (key == "auth_token") {
      cfg.auth_token = as_string(value, p);
    } else if (key == "duplicate_policy") {
      cfg.duplicates = policy_from(value, p);
    } else if (key == "routes_absent") {
      cfg.routes_absent = as_bool(value, p);
    } else if (key == "servability_routes_absent") {
      cfg.servability_routes_absent = as_bool(value, p);
    } else if (key == "rate_limit") {
      patch_rate_limit(cfg.rate_limit, value, p);
    } else if (key == "latency_ms") {
      cfg.latency_ms = as_int(value, p, 0, 3'600'000);
    } else if (key == "faults") {
      patch_faults(cfg.faults, value, p);
    } else if (key == "retention_ms") {
      cfg.retention_ms = as_int(value, p, 0, max_ms);
    } else if (key == "string_job_ids") {
      cfg.string_job_ids = as_bool(value, p);
    } else if (key == "max_jobs_per_collection") {
      cfg.max_jobs_per_collection = static_cast<std::size_t>(as_int(value, p, 1, 1'000'000));
    } else if (key == "request_log_size") {
      cfg.request_log_size = static_cast<std::size_t>(as_int(value, p, 0, 1'000'000));
    } else {
      fail(p, "unknown key");
    }
  }
}

collection_spec collection_from_json(const json& doc) {
  const std::string root = "collection";
  expect_object(doc, root);
  collection_spec c;
  bool has_source = false;
  bool has_spec = false;
  for (const auto& [key, value] : doc.items()) {
    const auto p = root + "." + key;
    if (key == "database") {
      c.database = as_string(value, p);
    } else if (key == "name") {
      c.name = as_string(value, p);
    } else if (key == "external") {
      c.external = as_bool(value, p);
    } else if (key == "source") {
      c.source = as_string(value, p);
      has_source = true;
    } else if (key == "spec") {
      c.spec = value.is_object() ? value.dump() : as_string(value, p);
      has_spec = true;
    } else if (key == "job") {
      c.job = job_from_json(value, p);
    } else if (key == "indexes") {
      c.indexes = indexes_from_json(value, p);
    } else if (key == "rows") {
      c.rows = as_int(value, p, 0, 1'000'000'000'000);
    } else if (key == "index") {
      c.index = index_from_json(value, p);
    } else if (key == "load") {
      c.load = load_from_json(value, p);
    } else {
      fail(p,
           "unknown key (database, name, external, source, spec, job, indexes, rows, index, "
           "load)");
    }
  }
  if (c.name.empty()) {
    fail(root + ".name", "required, non-empty");
  }
  if (c.database.empty()) {
    fail(root + ".database", "must not be empty");
  }
  if (!has_source) {
    c.source = "s3://bucket/" + c.name + "/";
  }
  if (!has_spec) {
    c.spec = R"({"format":"parquet"})";
  }
  return c;
}

json config_to_json(const sim_config& cfg) {
  return {{"auth_token", cfg.auth_token.empty() ? "" : "***"},
          {"duplicate_policy", to_string(cfg.duplicates)},
          {"routes_absent", cfg.routes_absent},
          {"servability_routes_absent", cfg.servability_routes_absent},
          {"rate_limit",
           {{"rps", cfg.rate_limit.rps},
            {"mode", to_string(cfg.rate_limit.mode)},
            {"scope", to_string(cfg.rate_limit.scope)},
            {"body_429", cfg.rate_limit.body_429}}},
          {"latency_ms", cfg.latency_ms},
          {"faults",
           {{"http_500_ratio", cfg.faults.http_500_ratio},
            {"reset_ratio", cfg.faults.reset_ratio},
            {"malformed_ratio", cfg.faults.malformed_ratio},
            {"oversized_ratio", cfg.faults.oversized_ratio}}},
          {"retention_ms", cfg.retention_ms},
          {"string_job_ids", cfg.string_job_ids},
          {"max_jobs_per_collection", cfg.max_jobs_per_collection},
          {"request_log_size", cfg.request_log_size}};
}

}  // namespace refreshd::sim::detail
