// --query: JSON Pointer (RFC 6901) over a command's JSON answer (docs/CLI.md "--query").
#include <ostream>

#include <nlohmann/json.hpp>

#include <refreshd/cli/exit_codes.hpp>
#include <refreshd/cli/query.hpp>
#include <refreshd/cli/target.hpp>
#include <refreshd/config/safe_text.hpp>
#include <refreshd/config/suggest.hpp>

namespace refreshd::daemon {
namespace {

using json = nlohmann::json;

json::json_pointer pointer_of(const std::string& path) {
  try {
    return json::json_pointer(path);
  } catch (const json::exception& e) {
    throw usage_error("--query " + safe_text(path) +
                      ": not a JSON Pointer (RFC 6901): it starts with / and names keys and "
                      "array indexes, e.g. /job_id or /jobs/0/state, ~1 for a / in a key");
  }
}

/// json::contains, but false (not an exception) for an array index too large to be one.
bool has(const json& doc, const json::json_pointer& p) {
  try {
    return doc.contains(p);
  } catch (const json::exception&) {
    return false;
  }
}

std::string_view kind_of(const json& v) {
  switch (v.type()) {
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::null:
      return "null";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "a number";
    default:
      return "a value";
  }
}

/// Why `wanted` is not in `doc`: what its deepest existing ancestor holds instead.
std::string missing(const json& doc, const json::json_pointer& wanted) {
  auto at = wanted;
  while (!at.empty() && !has(doc, at)) {
    at = at.parent_pointer();
  }
  const json& v = doc.at(at);
  const std::string name = at.empty() ? "the answer" : at.to_string();
  if (v.is_array()) {
    return v.empty() ? name + " is an empty array"
                     : name + " is an array of " + std::to_string(v.size()) + " (indexes 0 to " +
                           std::to_string(v.size() - 1) + ")";
  }
  if (!v.is_object()) {
    return name + " is " + std::string(kind_of(v));
  }
  std::vector<std::string> keys;
  for (const auto& [key, value] : v.items()) {
    keys.push_back(key);
  }
  // The token right below `at` on the way to `wanted`.
  auto below = wanted;
  while (below.parent_pointer() != at) {
    below = below.parent_pointer();
  }
  const std::vector<std::string_view> views(keys.begin(), keys.end());
  const auto near = config::nearest_names(below.back(), views, 1);
  std::string listed;
  for (std::size_t i = 0; i < keys.size() && i < 16; ++i) {
    listed += (i == 0 ? "" : ", ") + safe_text(keys[i]);
  }
  return name + " has " + (keys.empty() ? std::string("no keys") : listed) +
         (near.empty() ? "" : "; did you mean " + safe_text((at / near.front()).to_string()) + "?");
}

}  // namespace

void check_query(const std::string& path) {
  pointer_of(path);
}

int print_query(const std::string& path, std::string_view answer, std::ostream& out,
                std::ostream& err, bool tty) {
  const auto pointer = pointer_of(path);
  const json doc = json::parse(answer, nullptr, false);
  if (doc.is_discarded()) {
    err << "error: --query: the answer is not one JSON document\n";
    return exit_failed;
  }
  if (!has(doc, pointer)) {
    err << "error: --query " << safe_text(path) << ": not in the answer; " << missing(doc, pointer)
        << '\n';
    return exit_usage;
  }
  const json& v = doc.at(pointer);
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    out << (tty ? safe_text(s) : s) << '\n';
  } else {
    out << dump_json(v) << '\n';
  }
  return exit_ok;
}

}  // namespace refreshd::daemon
