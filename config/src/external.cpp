#include "external.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <nlohmann/json.hpp>

namespace refreshd::config::detail {
namespace {

using json = nlohmann::json;

constexpr int max_depth = 32;
constexpr std::size_t max_nodes = 10'000;

struct converter {
  reader& r;
  const entry& e;
  std::size_t nodes = 0;
  bool failed = false;

  void fail(std::string message) {
    if (!failed) {
      r.error(e.value_pos, e.path, std::move(message));
    }
    failed = true;
  }

  json scalar(const YAML::Node& n) {
    expansion x = expand_env(n.Scalar(), r.options().env);
    for (std::string& m : x.errors) {
      r.error(e.value_pos, e.path, std::move(m));
      failed = true;
    }
    const std::string s = x.value.value_or("");
    if (n.Tag() != "?") {
      return s;  // quoted or tagged: a string
    }
    if (s == "true" || s == "false") {
      return s == "true";
    }
    if (s == "null" || s == "~") {
      return nullptr;
    }
    const char* end = s.data() + s.size();
    long long i = 0;
    if (auto [p, ec] = std::from_chars(s.data(), end, i); ec == std::errc() && p == end) {
      return i;
    }
    double d = 0;
    if (auto [p, ec] = std::from_chars(s.data(), end, d);
        ec == std::errc() && p == end && std::isfinite(d)) {
      return d;
    }
    return s;
  }

  json convert(const YAML::Node& n, int depth) {
    if (++nodes > max_nodes || depth > max_depth) {
      fail("external_spec is too large or too deeply nested");
      return nullptr;
    }
    if (n.IsScalar()) {
      return scalar(n);
    }
    if (n.IsSequence()) {
      json a = json::array();
      for (const YAML::Node& item : n) {
        a.push_back(convert(item, depth + 1));
      }
      return a;
    }
    if (n.IsMap()) {
      json o = json::object();
      for (const auto& item : n) {
        const YAML::Node key = item.first;
        if (!key.IsScalar()) {
          fail("external_spec keys must be strings");
          continue;
        }
        o[key.Scalar()] = convert(item.second, depth + 1);
      }
      return o;
    }
    return nullptr;
  }
};

}  // namespace

spec_problems check_external_spec(std::string_view json_text) {
  spec_problems out;
  json spec;
  try {
    spec = json::parse(json_text);
  } catch (const json::parse_error& e) {
    // e.what() quotes the input: only the offset is safe to show.
    out.errors.push_back("external_spec is not valid JSON (error at byte " +
                         std::to_string(e.byte) + ")");
    return out;
  }
  if (!spec.is_object()) {
    out.errors.emplace_back("external_spec must be a JSON object");
    return out;
  }
  const auto format = spec.find("format");
  if (format == spec.end()) {
    out.errors.emplace_back(
        "external_spec has no \"format\" (parquet, lance-table, "
        "iceberg-table or vortex)");
  } else if (!format->is_string()) {
    out.errors.emplace_back("external_spec \"format\" must be a string");
  } else if (std::find(known_formats.begin(), known_formats.end(),
                       format->get_ref<const std::string&>()) == known_formats.end()) {
    out.warnings.emplace_back(
        "external_spec \"format\" is not one of parquet, lance-table, "
        "iceberg-table, vortex; the server may not support it");
  }
  const auto snapshot = spec.find("snapshot_id");
  if (snapshot != spec.end() && !snapshot->is_number_integer()) {
    out.errors.emplace_back("external_spec \"snapshot_id\" must be an integer");
  }
  for (const auto& [key, value] : spec.items()) {
    if (key != "format" && key != "columns" && key != "extfs" && key != "snapshot_id") {
      out.warnings.emplace_back(
          "external_spec has keys other than format, columns, extfs and "
          "snapshot_id; the server may reject them");
      break;
    }
  }
  return out;
}

std::optional<secret_string> read_external_spec(reader& r, const entry& e) {
  std::string text;
  if (e.value.IsMap()) {
    converter c{r, e};
    const json spec = c.convert(e.value, 0);
    if (c.failed) {
      return std::nullopt;
    }
    text = spec.dump(-1, ' ', false, json::error_handler_t::replace);
  } else if (e.value.IsScalar()) {
    std::optional<std::string> s = r.string(e);
    if (!s) {
      return std::nullopt;
    }
    text = std::move(*s);
  } else {
    r.error(e.value_pos, e.path,
            "expected a JSON object (as a string) or a mapping, got " +
                std::string(e.value.IsSequence() ? "a sequence" : "no value"));
    return std::nullopt;
  }
  spec_problems p = check_external_spec(text);
  for (std::string& w : p.warnings) {
    r.warning(e.value_pos, e.path, std::move(w));
  }
  for (std::string& m : p.errors) {
    r.error(e.value_pos, e.path, std::move(m));
  }
  if (!p.errors.empty()) {
    return std::nullopt;
  }
  return secret_string(std::move(text));
}

}  // namespace refreshd::config::detail
