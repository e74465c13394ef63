#pragma once
// Private: load-time checks of files named in the config (token files, CA bundles).

#include <filesystem>
#include <optional>
#include <string>

namespace refreshd::config::detail {

struct secret_file_check {
  std::optional<std::string> error;  ///< names the file, never its contents
  bool readable_by_others = false;   ///< group or other may read it
  unsigned mode = 0;                 ///< permission bits, for the warning
};

/// Token file: a readable regular file (symlinks followed) with a non-empty token.
secret_file_check check_secret_file(const std::string& path);

/// CA bundle: a readable regular file of at most max_ca_file_size bytes (the error names it).
std::optional<std::string> check_ca_file(const std::string& path);

/// `p` when absolute or when `base` is empty, otherwise base / p (lexically normalized).
std::string resolve_path(const std::filesystem::path& base, const std::string& p);

/// "0644"
std::string format_mode(unsigned mode);

}  // namespace refreshd::config::detail
