#pragma once
// One error or warning found while loading a configuration file.

#include <string>
#include <vector>

namespace refreshd::config {

/// A located message. `line` and `column` are 1-based; both are 0 when the message is about the
/// file as a whole (e.g. it cannot be read). `path` is the key path such as
/// "clusters[0].collections[1].schedule" (empty for YAML syntax errors). Messages never contain
/// secret values (tokens, external_spec contents, credentials embedded in URLs).
struct diagnostic {
  std::string file;
  int line = 0;
  int column = 0;
  std::string path;
  std::string message;

  bool operator==(const diagnostic&) const = default;
};

/// "FILE:LINE:COL: key.path: message"; the position is omitted when line is 0 and the path
/// when it is empty ("FILE: message"); `prefix` ("warning: ") goes after the position.
std::string to_string(const diagnostic& d, std::string_view prefix = "");

/// All diagnostics, one per line (each line ends with '\n'), each prefixed by `prefix` after the
/// position (use "warning: " for warnings).
std::string to_string(const std::vector<diagnostic>& list, std::string_view prefix = "");

}  // namespace refreshd::config
