#pragma once
// Private: external_spec validation.

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <refreshd/config/secret.hpp>

#include "reader.hpp"

namespace refreshd::config::detail {

inline constexpr std::array<std::string_view, 4> known_formats{"parquet", "lance-table",
                                                               "iceberg-table", "vortex"};

/// Problems of an external_spec JSON text. Messages never contain any part of the text.
struct spec_problems {
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
};

/// Must be a JSON object with a string `format` (one of known_formats, else a warning) and an
/// integer `snapshot_id` when present; keys other than format, columns, extfs and snapshot_id
/// give a warning.
spec_problems check_external_spec(std::string_view json_text);

/// Reads `external_spec` given as a JSON string or as a YAML mapping (converted to compact JSON:
/// plain scalars become booleans, integers, numbers or null when they look like one, quoted
/// scalars stay strings). Reports problems at the value; nullopt when invalid.
std::optional<secret_string> read_external_spec(reader& r, const entry& e);

}  // namespace refreshd::config::detail
