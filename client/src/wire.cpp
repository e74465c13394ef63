#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include <refreshd/client/scrub.hpp>
#include <refreshd/client/wire.hpp>

#include "wire_detail.hpp"

namespace refreshd::client::wire {

namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

std::string dump_body(const ordered_json& j) {
  // Invalid UTF-8 in a name cannot be sent as JSON; replace it rather than throw at runtime.
  return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

/// Parses a string of decimal digits into a positive int64 (no sign, no spaces).
std::optional<std::int64_t> parse_decimal(std::string_view s) {
  if (s.empty() || s.size() > 19) {
    return std::nullopt;
  }
  for (char c : s) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
  }
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) {
    return std::nullopt;
  }
  return v;
}

/// A JSON integer (or a string of digits) read into int64; floats accepted when `allow_float`.
std::optional<std::int64_t> read_int(const json& v, bool allow_float) {
  constexpr auto max = std::numeric_limits<std::int64_t>::max();
  if (v.is_number_integer() && !v.is_number_unsigned()) {
    return v.get<std::int64_t>();
  }
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(max)) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(u);
  }
  if (v.is_number_float() && allow_float) {
    const double d = v.get<double>();
    // 2^63 is exactly representable; anything at or above it does not fit.
    if (!std::isfinite(d) || d >= 9223372036854775808.0 || d < -9223372036854775808.0) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(d);
  }
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (!s.empty() && s.front() == '-') {
      auto n = parse_decimal(std::string_view(s).substr(1));
      return n ? std::optional<std::int64_t>(-*n) : std::nullopt;
    }
    return parse_decimal(s);
  }
  return std::nullopt;
}

std::variant<job_id, std::string> read_job_id(const json& v) {
  if (v.is_string()) {
    auto n = parse_decimal(v.get_ref<const std::string&>());
    if (!n || *n <= 0) {
      return std::string("jobId is not a positive decimal integer");
    }
    return job_id{*n, true};
  }
  if (v.is_number_float()) {
    return std::string("jobId is not an integer (a floating-point id has lost precision)");
  }
  if (!v.is_number()) {
    return std::string("jobId is not a number or a string");
  }
  auto n = read_int(v, false);
  if (!n) {
    return std::string("jobId is out of the int64 range");
  }
  if (*n <= 0) {
    return std::string("jobId is not positive");
  }
  return job_id{*n, false};
}

/// Absent or null: nullopt. A string: its value. Anything else: an error.
bool read_opt_string(const json& obj, const char* key, std::optional<std::string>& out,
                     std::string& error) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    out.reset();
    return true;
  }
  if (!it->is_string()) {
    error = std::string(key) + " is not a string";
    return false;
  }
  out = it->get<std::string>();
  return true;
}

/// Absent or null: 0. Numbers, floats and numeric strings accepted.
bool read_opt_int(const json& obj, const char* key, std::int64_t& out, std::string& error) {
  auto it = obj.find(key);
  out = 0;
  if (it == obj.end() || it->is_null()) {
    return true;
  }
  auto n = read_int(*it, true);
  if (!n) {
    error = std::string(key) + " is not an integer";
    return false;
  }
  out = *n;
  return true;
}

bool read_state(const json& obj, job_info& info, std::string& error) {
  auto it = obj.find("state");
  if (it == obj.end() || it->is_null()) {
    error = "job info has no state";
    return false;
  }
  if (it->is_string()) {
    info.state_text = it->get<std::string>();
    info.state = parse_job_state(info.state_text);
    return true;
  }
  if (it->is_number_integer()) {
    // The proto enum number (pymilvus-style): 0..3 = Pending, InProgress, Completed, Failed.
    const auto n = read_int(*it, false).value_or(-1);
    info.state_text = std::to_string(n);
    constexpr std::array<job_state, 4> by_number{job_state::pending, job_state::in_progress,
                                                 job_state::completed, job_state::failed};
    info.state = (n >= 0 && n <= 3) ? by_number[static_cast<std::size_t>(n)] : job_state::unknown;
    return true;
  }
  error = "state is not a string";
  return false;
}

bool read_job_fields(const json& obj, job_info& info, std::string& error) {
  std::optional<std::string> text;
  if (!read_opt_string(obj, "collectionName", text, error)) {
    return false;
  }
  info.collection_name = text.value_or("");
  if (!read_opt_string(obj, "externalSource", text, error)) {
    return false;
  }
  info.external_source = text.value_or("");
  if (auto spec = obj.find("externalSpec"); spec != obj.end() && !spec->is_null()) {
    // Always a string in Milvus; a server that inlines the JSON document is tolerated.
    info.external_spec = spec->is_string()
                             ? spec->get<std::string>()
                             : spec->dump(-1, ' ', false, json::error_handler_t::replace);
  }
  if (!read_opt_string(obj, "reason", info.reason, error)) {
    return false;
  }
  if (info.reason && info.reason->empty()) {
    info.reason.reset();
  }
  std::int64_t progress = 0;
  if (!read_opt_int(obj, "progress", progress, error) ||
      !read_opt_int(obj, "startTime", info.start_time_ms, error) ||
      !read_opt_int(obj, "endTime", info.end_time_ms, error)) {
    return false;
  }
  info.progress = static_cast<int>(std::clamp<std::int64_t>(progress, 0, 100));
  info.start_time_ms = std::max<std::int64_t>(info.start_time_ms, 0);
  info.end_time_ms = std::max<std::int64_t>(info.end_time_ms, 0);
  return true;
}

/// Reason and state text are capped and scrubbed of the token and of the job's own external
/// spec before they are kept (docs/SECURITY.md).
void scrub_texts(job_info& info, std::string_view token) {
  const secrets s{token, info.external_spec ? std::string_view(*info.external_spec) : ""};
  if (info.reason) {
    scrub(*info.reason, s, max_reason_bytes);
  }
  scrub(info.state_text, s, max_state_bytes);
}

}  // namespace

namespace detail {

std::optional<std::int64_t> read_int64(const json& v, bool allow_float) {
  return read_int(v, allow_float);
}

api_error bad_response(int http_status, std::string what) {
  return api_error{error_class::bad_response, http_status, 0, std::move(what), false};
}

std::variant<job_info, std::string> read_job_info(const json& obj, std::string_view token) {
  if (!obj.is_object()) {
    return std::string("job info is not a JSON object");
  }
  if (obj.empty()) {
    return std::string("empty job info");
  }
  auto id_it = obj.find("jobId");
  if (id_it == obj.end() || id_it->is_null()) {
    return std::string("job info has no jobId");
  }
  auto id = read_job_id(*id_it);
  if (auto* e = std::get_if<std::string>(&id)) {
    return std::move(*e);
  }
  job_info info;
  info.id = std::get<job_id>(id);
  std::string error;
  if (!read_state(obj, info, error) || !read_job_fields(obj, info, error)) {
    return error;
  }
  scrub_texts(info, token);
  return info;
}

std::variant<json, api_error> open_envelope(operation op, int http_status, std::string_view body,
                                            record_sink* records) {
  if (http_status != 200) {
    return detail::error_from_status(op, http_status, body);
  }
  auto doc = detail::parse_json(body, records);
  if (auto* e = std::get_if<std::string>(&doc)) {
    return bad_response(http_status, std::move(*e));
  }
  auto& root = std::get<json>(doc);
  if (!root.is_object()) {
    return bad_response(http_status, "the response is not a JSON object");
  }
  auto code_it = root.find("code");
  if (code_it == root.end()) {
    return bad_response(http_status, "the response has no \"code\"");
  }
  if (!code_it->is_number_integer()) {
    return bad_response(http_status, "the response \"code\" is not an integer");
  }
  auto code = read_int(*code_it, false);
  if (!code) {
    return bad_response(http_status, "the response \"code\" is out of range");
  }
  if (*code != 0) {
    auto msg = root.find("message");
    std::string_view text = (msg != root.end() && msg->is_string())
                                ? std::string_view(msg->get_ref<const std::string&>())
                                : std::string_view();
    return classify(op, http_status, *code, text);
  }
  auto data = root.find("data");
  if (data == root.end() || data->is_null()) {
    return bad_response(http_status, "a success response without \"data\"");
  }
  return std::move(*data);
}

}  // namespace detail

namespace {

using detail::bad_response;
using detail::open_envelope;
using detail::read_job_info;

api_result<job_id> read_refresh_answer(int http_status, std::string_view body) {
  auto data = open_envelope(operation::refresh, http_status, body);
  if (auto* e = std::get_if<api_error>(&data)) {
    return std::move(*e);
  }
  const auto& d = std::get<json>(data);
  if (!d.is_object()) {
    return bad_response(http_status, "refresh: \"data\" is not a JSON object");
  }
  auto it = d.find("jobId");
  if (it == d.end() || it->is_null()) {
    return bad_response(http_status, "refresh: the response has no jobId");
  }
  auto id = read_job_id(*it);
  if (auto* e = std::get_if<std::string>(&id)) {
    return bad_response(http_status, "refresh: " + *e);
  }
  return std::get<job_id>(id);
}

}  // namespace

std::string_view path_for(operation op) noexcept {
  switch (op) {
    case operation::refresh:
      return refresh_path;
    case operation::describe:
      return describe_path;
    case operation::list:
      return list_path;
    case operation::index_list:
      return index_list_path;
    case operation::index_describe:
      return index_describe_path;
    case operation::load_state:
      return load_state_path;
  }
  return refresh_path;
}

std::string build_refresh_body(const refresh_request& r) {
  ordered_json j = ordered_json::object();
  j["collectionName"] = r.collection;
  if (!r.database.empty()) {
    j["dbName"] = r.database;
  }
  if (r.external_source) {
    j["externalSource"] = *r.external_source;
  }
  if (r.external_spec) {
    j["externalSpec"] = *r.external_spec;
  }
  return dump_body(j);
}

std::string build_describe_body(job_id id) {
  ordered_json j = ordered_json::object();
  if (id.quoted) {
    j["jobId"] = std::to_string(id.value);
  } else {
    j["jobId"] = id.value;
  }
  return dump_body(j);
}

std::string build_list_body(const list_request& r) {
  ordered_json j = ordered_json::object();
  if (!r.database.empty()) {
    j["dbName"] = r.database;
  }
  if (!r.collection.empty()) {
    j["collectionName"] = r.collection;
  }
  return dump_body(j);
}

api_result<job_id> parse_refresh_response(int http_status, std::string_view body) {
  auto r = read_refresh_answer(http_status, body);
  if (!r && r.error().kind == error_class::bad_response) {
    // The server answered, so the trigger arrived and may have started a job.
    auto e = r.error();
    e.maybe_sent = true;
    return e;
  }
  return r;
}

api_result<job_info> parse_describe_response(int http_status, std::string_view body,
                                             std::string_view token) {
  auto data = open_envelope(operation::describe, http_status, body);
  if (auto* e = std::get_if<api_error>(&data)) {
    return std::move(*e);
  }
  auto info = read_job_info(std::get<json>(data), token);
  if (auto* e = std::get_if<std::string>(&info)) {
    return bad_response(http_status, "describe: " + *e);
  }
  return std::get<job_info>(std::move(info));
}

}  // namespace refreshd::client::wire
