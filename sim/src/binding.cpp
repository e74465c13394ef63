#include "binding.hpp"

#include <charconv>
#include <limits>

#include <nlohmann/json.hpp>

namespace refreshd::sim::detail {

namespace {

using json = nlohmann::json;

constexpr std::string_view format_prefix = "can only accept json format request";

std::string_view struct_name(endpoint op) {
  switch (op) {
    case endpoint::refresh:
      return "RefreshExternalCollectionReq";
    case endpoint::describe:
      return "GetRefreshExternalCollectionProgressReq";
    case endpoint::list:
      return "ListRefreshExternalCollectionJobsReq";
    case endpoint::index_list:
    case endpoint::load_state:
      return "CollectionNameReq";
    case endpoint::index_describe:
      return "IndexReq";
  }
  return "";
}

api_error format_error(std::string_view detail) {
  return {1801, std::string(format_prefix) + ", error: " + std::string(detail)};
}

api_error missing(endpoint op, std::string_view field) {
  const auto st = std::string(struct_name(op));
  return {1802, "missing required parameters, error: Key: '" + st + "." + std::string(field) +
                    "' Error:Field validation for '" + std::string(field) +
                    "' failed on the 'required' tag"};
}

// Go's encoding/json name for the JSON kind of `v`.
std::string go_kind(const json& v) {
  if (v.is_string()) {
    return "string";
  }
  if (v.is_boolean()) {
    return "bool";
  }
  if (v.is_array()) {
    return "array";
  }
  if (v.is_object()) {
    return "object";
  }
  return "number";
}

api_error type_error(endpoint op, std::string_view field, const json& v, std::string_view type) {
  return format_error("json: cannot unmarshal " + go_kind(v) + " into Go struct field " +
                      std::string(struct_name(op)) + "." + std::string(field) + " of type " +
                      std::string(type));
}

api_error parse_error(std::string_view body, std::size_t byte) {
  if (byte == 0 || byte > body.size()) {
    return format_error("unexpected EOF");
  }
  return format_error("invalid character '" + std::string(1, body[byte - 1]) +
                      "' looking for beginning of value");
}

// Reads an optional string field; a non-string is a 1801, null counts as absent (Go).
bool read_string(endpoint op, const json& doc, const char* field, std::string& out,
                 bound_request& b) {
  auto it = doc.find(field);
  if (it == doc.end() || it->is_null()) {
    return true;
  }
  if (!it->is_string()) {
    b.error = type_error(op, field, *it, "string");
    return false;
  }
  out = it->get<std::string>();
  return true;
}

bool read_job_id(const json& doc, bool string_ids, bound_request& b) {
  auto it = doc.find("jobId");
  if (it == doc.end() || it->is_null()) {
    return true;
  }
  if (it->is_number_unsigned()) {
    const auto u = it->get<std::uint64_t>();
    if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      b.job_id = static_cast<std::int64_t>(u);
      return true;
    }
  } else if (it->is_number_integer()) {
    b.job_id = it->get<std::int64_t>();
    return true;
  }
  if (it->is_number()) {  // Go names the offending value for numbers it cannot fit
    b.error = format_error("json: cannot unmarshal number " + it->dump() +
                           " into Go struct field GetRefreshExternalCollectionProgressReq.jobId "
                           "of type int64");
    return false;
  }
  if (string_ids && it->is_string()) {
    const auto& s = it->get_ref<const std::string&>();
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), b.job_id);
    if (ec == std::errc{} && p == s.data() + s.size()) {
      return true;
    }
  }
  // Unsigned values beyond int64, fractions, strings, objects...
  b.error = type_error(endpoint::describe, "jobId", *it, "int64");
  return false;
}

// CollectionNameReq / IndexReq: collectionName (and indexName) required.
void bind_servability(endpoint op, const json& doc, bound_request& b) {
  if (!read_string(op, doc, "collectionName", b.collection, b)) {
    return;
  }
  if (op == endpoint::index_describe && !read_string(op, doc, "indexName", b.index, b)) {
    return;
  }
  if (b.collection.empty()) {
    b.error = missing(op, "CollectionName");
  } else if (op == endpoint::index_describe && b.index.empty()) {
    b.error = missing(op, "IndexName");
  }
}

}  // namespace

bound_request bind_request(endpoint op, std::string_view body, bool string_ids) {
  bound_request b;
  if (body.empty()) {
    b.error = api_error{
        1801, std::string(format_prefix) + ", the request body should be nil, however {} is valid"};
    return b;
  }
  json doc;
  try {
    doc = json::parse(body);
  } catch (const json::parse_error& e) {
    b.error = parse_error(body, e.byte);
    return b;
  }
  if (doc.is_null()) {
    doc = json::object();
  }
  if (!doc.is_object()) {
    b.error = format_error("json: cannot unmarshal " + go_kind(doc) +
                           " into Go value of type httpserver." + std::string(struct_name(op)));
    return b;
  }
  if (!read_string(op, doc, "dbName", b.db, b)) {
    return b;
  }
  if (is_servability(op)) {
    bind_servability(op, doc, b);
    return b;
  }
  if (op == endpoint::describe) {
    if (read_job_id(doc, string_ids, b) && b.job_id == 0) {
      b.error = missing(op, "JobID");
    }
    return b;
  }
  if (!read_string(op, doc, "collectionName", b.collection, b)) {
    return b;
  }
  if (op == endpoint::list) {
    return b;
  }
  std::string source;
  std::string spec;
  if (!read_string(op, doc, "externalSource", source, b) ||
      !read_string(op, doc, "externalSpec", spec, b)) {
    return b;
  }
  if (!source.empty()) {
    b.source = std::move(source);
  }
  if (!spec.empty()) {
    b.spec = std::move(spec);
  }
  if (b.collection.empty()) {
    b.error = missing(op, "CollectionName");
  }
  return b;
}

}  // namespace refreshd::sim::detail
