#include "validation.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include <nlohmann/json.hpp>

namespace refreshd::sim::detail {

namespace {

constexpr std::array<std::string_view, 14> allowed_schemes{
    "s3", "s3a",   "gs",   "gcs",   "oss",   "cos",  "obs",
    "az", "azure", "abfs", "abfss", "minio", "hdfs", "volume"};
constexpr std::array<std::string_view, 4> allowed_keys{"format", "columns", "extfs", "snapshot_id"};
constexpr std::array<std::string_view, 5> allowed_formats{"parquet", "lance-table", "iceberg-table",
                                                          "vortex", "milvus-table"};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& set, std::string_view v) {
  return std::find(set.begin(), set.end(), v) != set.end();
}

}  // namespace

std::optional<std::string> check_source(std::string_view uri) {
  const auto colon = uri.find("://");
  if (colon == std::string_view::npos || colon == 0) {
    return "external source \"" + std::string(uri) +
           "\" has no URI scheme; expected scheme://bucket/path";
  }
  std::string scheme(uri.substr(0, colon));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!contains(allowed_schemes, scheme)) {
    return "unsupported external source scheme \"" + scheme + "\"";
  }
  const auto rest = uri.substr(colon + 3);
  const auto authority = rest.substr(0, rest.find('/'));
  if (authority.find('@') != std::string_view::npos) {
    return "external source must not embed credentials";
  }
  return std::nullopt;
}

std::optional<std::string> check_spec(std::string_view spec) {
  auto doc = nlohmann::json::parse(spec, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return "external spec must be a JSON object";
  }
  for (const auto& [k, v] : doc.items()) {
    if (!contains(allowed_keys, k)) {
      return "unsupported key \"" + k + "\" in external spec";
    }
  }
  const auto format = doc.find("format");
  if (format == doc.end() || !format->is_string() ||
      !contains(allowed_formats, format->get<std::string>())) {
    return "unsupported format " +
           (format == doc.end() ? std::string("(missing)") : format->dump());
  }
  return std::nullopt;
}

}  // namespace refreshd::sim::detail
