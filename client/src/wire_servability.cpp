// The servability endpoints of ready_when (api §12): request bodies and lenient readers of the
// answers. Small documents, built whole under a size cap (wire.hpp).
#include <algorithm>
#include <utility>

#include <nlohmann/json.hpp>

#include <refreshd/client/scrub.hpp>
#include <refreshd/client/wire.hpp>

#include "wire_detail.hpp"

namespace refreshd::client::wire {
namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;
using detail::bad_response;

ordered_json collection_body(const collection_ref& c) {
  ordered_json j = ordered_json::object();
  if (!c.database.empty()) {
    j["dbName"] = c.database;
  }
  j["collectionName"] = c.collection;
  return j;
}

// The `data` of a success envelope, or the api_error the answer stands for.
std::variant<json, api_error> servability_data(operation op, int http_status,
                                               std::string_view body) {
  if (http_status != 200) {
    return detail::error_from_status(op, http_status, body);
  }
  auto doc = detail::parse_plain_json(body, max_servability_bytes);
  if (auto* e = std::get_if<std::string>(&doc)) {
    return bad_response(http_status, std::move(*e));
  }
  auto& root = std::get<json>(doc);
  if (!root.is_object()) {
    return bad_response(http_status, "the response is not a JSON object");
  }
  const auto code_it = root.find("code");
  if (code_it == root.end()) {
    return bad_response(http_status, "the response has no \"code\"");
  }
  if (!code_it->is_number_integer()) {
    return bad_response(http_status, "the response \"code\" is not an integer");
  }
  const auto code = detail::read_int64(*code_it, false);
  if (!code) {
    return bad_response(http_status, "the response \"code\" is out of range");
  }
  if (*code != 0) {
    const auto msg = root.find("message");
    const std::string_view text = msg != root.end() && msg->is_string()
                                      ? std::string_view(msg->get_ref<const std::string&>())
                                      : std::string_view();
    return classify(op, http_status, *code, text);
  }
  const auto data = root.find("data");
  if (data == root.end() || data->is_null()) {
    return bad_response(http_status, "a success response without \"data\"");
  }
  return std::move(*data);
}

std::string kept_text(const json& v, std::string_view token, std::size_t max_bytes) {
  std::string s = v.get<std::string>();
  scrub(s, secrets{token, {}}, max_bytes);
  return s;
}

// A row count: an integer or a string of digits, >= 0; absent or null → unknown.
std::variant<std::optional<std::int64_t>, std::string> row_count(const json& obj, const char* key) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    return std::optional<std::int64_t>();
  }
  const auto n = detail::read_int64(*it, false);
  if (!n || *n < 0) {
    return std::string("\"") + key + "\" is not a row count";
  }
  return std::optional<std::int64_t>(*n);
}

std::variant<index_info, std::string> read_index(const json& obj, std::string_view token) {
  if (!obj.is_object()) {
    return std::string("an index is not a JSON object");
  }
  index_info out;
  const auto name = obj.find("indexName");
  const auto state = obj.find("indexState");
  if (name == obj.end() || !name->is_string() || state == obj.end() || !state->is_string()) {
    return std::string("an index without a string \"indexName\" and \"indexState\"");
  }
  out.name = kept_text(*name, token, max_state_bytes * 4);
  out.state_text = kept_text(*state, token, max_state_bytes);
  out.state = parse_index_state(state->get_ref<const std::string&>());
  for (auto [key, field] :
       {std::pair{"totalRows", &out.total_rows}, std::pair{"indexedRows", &out.indexed_rows},
        std::pair{"pendingRows", &out.pending_rows}}) {
    auto n = row_count(obj, key);
    if (auto* e = std::get_if<std::string>(&n)) {
      return std::move(*e);
    }
    *field = std::get<std::optional<std::int64_t>>(n);
  }
  if (const auto r = obj.find("failReason"); r != obj.end() && r->is_string()) {
    out.fail_reason = kept_text(*r, token, max_reason_bytes);
  }
  return out;
}

}  // namespace

std::string build_index_list_body(const collection_ref& c) {
  return collection_body(c).dump();
}

std::string build_index_describe_body(const collection_ref& c, std::string_view index) {
  auto j = collection_body(c);
  j["indexName"] = std::string(index);
  return j.dump();
}

std::string build_load_state_body(const collection_ref& c) {
  return collection_body(c).dump();
}

api_result<std::vector<std::string>> parse_index_list_response(int http_status,
                                                               std::string_view body,
                                                               std::string_view token) {
  auto data = servability_data(operation::index_list, http_status, body);
  if (auto* e = std::get_if<api_error>(&data)) {
    return std::move(*e);
  }
  const auto& d = std::get<json>(data);
  if (!d.is_array()) {
    return bad_response(http_status, "indexes/list: \"data\" is not an array");
  }
  if (d.size() > max_indexes) {
    return bad_response(http_status,
                        "indexes/list: more than " + std::to_string(max_indexes) + " indexes");
  }
  std::vector<std::string> names;
  for (const auto& n : d) {
    if (!n.is_string()) {
      return bad_response(http_status, "indexes/list: an index name is not a string");
    }
    names.push_back(kept_text(n, token, max_state_bytes * 4));
  }
  return names;
}

api_result<std::vector<index_info>> parse_index_describe_response(int http_status,
                                                                  std::string_view body,
                                                                  std::string_view token) {
  auto data = servability_data(operation::index_describe, http_status, body);
  if (auto* e = std::get_if<api_error>(&data)) {
    return std::move(*e);
  }
  const auto& d = std::get<json>(data);
  if (!d.is_array() || d.size() > max_indexes) {
    return bad_response(http_status, "indexes/describe: \"data\" is not an array of indexes");
  }
  std::vector<index_info> out;
  for (const auto& obj : d) {
    auto one = read_index(obj, token);
    if (auto* e = std::get_if<std::string>(&one)) {
      return bad_response(http_status, "indexes/describe: " + *e);
    }
    out.push_back(std::get<index_info>(std::move(one)));
  }
  return out;
}

api_result<load_info> parse_load_state_response(int http_status, std::string_view body) {
  auto data = servability_data(operation::load_state, http_status, body);
  if (auto* e = std::get_if<api_error>(&data)) {
    return std::move(*e);
  }
  const auto& d = std::get<json>(data);
  const auto state = d.is_object() ? d.find("loadState") : d.end();
  if (!d.is_object() || state == d.end() || !state->is_string()) {
    return bad_response(http_status, "get_load_state: no string \"data.loadState\"");
  }
  load_info out;
  out.state_text = kept_text(*state, {}, max_state_bytes);
  out.state = parse_load_state(state->get_ref<const std::string&>());
  if (const auto p = d.find("loadProgress"); p != d.end() && !p->is_null()) {
    const auto n = detail::read_int64(*p, true);
    if (!n) {
      return bad_response(http_status, "get_load_state: \"loadProgress\" is not a number");
    }
    out.progress = static_cast<int>(std::clamp<std::int64_t>(*n, 0, 100));
  }
  return out;
}

}  // namespace refreshd::client::wire
