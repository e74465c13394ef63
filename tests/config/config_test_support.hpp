#pragma once
// Helpers shared by the config tests: a fake environment, loading with defaults suited to
// tests, snippets around a small valid base file, and temporary directories.

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <refreshd/config/loader.hpp>

namespace refreshd::config::test {

using env_map = std::map<std::string, std::string, std::less<>>;

inline env_lookup fake_env(env_map vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) {
      return std::nullopt;
    }
    return it->second;
  };
}

/// Options for tests: a fake environment with TOKEN set and no file checks.
inline load_options test_options(env_map vars = {{"TOKEN", "tkn-value"}}) {
  load_options o;
  o.env = fake_env(std::move(vars));
  o.check_files = false;
  return o;
}

inline load_result load(const std::string& text, const load_options& options = test_options()) {
  return load_config_string(text, "test.yaml", options);
}

/// The base file: 8 lines, one cluster "prod" with one collection "books".
inline constexpr std::string_view base_yaml =
    "version: 1\n"                                // 1
    "clusters:\n"                                 // 2
    "  - name: prod\n"                            // 3
    "    endpoint: https://milvus.example.com\n"  // 4
    "    token_env: TOKEN\n"                      // 5
    "    collections:\n"                          // 6
    "      - name: books\n"                       // 7
    "        schedule: \"@hourly\"\n";            // 8

/// Extra lines start at line 9. with_collection: keys of the collection (indent 8, column 9);
/// with_cluster: keys of the cluster (indent 4, column 5); with_top: top-level keys (column 1).
inline std::string indent(const std::string& lines, int spaces) {
  std::string out;
  std::string pad(static_cast<std::size_t>(spaces), ' ');
  std::size_t start = 0;
  while (start < lines.size()) {
    std::size_t end = lines.find('\n', start);
    if (end == std::string::npos) {
      end = lines.size();
    }
    out += pad + lines.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out;
}
inline std::string with_collection(const std::string& lines) {
  return std::string(base_yaml) + indent(lines, 8);
}
inline std::string with_cluster(const std::string& lines) {
  return std::string(base_yaml) + indent(lines, 4);
}
inline std::string with_top(const std::string& lines) {
  return std::string(base_yaml) + lines;
}

/// Every error, formatted, for failure messages.
inline std::string dump(const load_result& r) {
  return "errors:\n" + to_string(r.errors) + "warnings:\n" + to_string(r.warnings, "warning: ");
}

/// A fresh directory under the system temp dir, removed with its contents.
class temp_dir {
 public:
  temp_dir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "refreshd-config-XXXXXX").string();
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    path_ = ::mkdtemp(buffer.data());
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

  /// Writes `content` to `name` with permission bits `mode`; returns the full path.
  std::filesystem::path write(const std::string& name, const std::string& content,
                              std::filesystem::perms mode = std::filesystem::perms::owner_read |
                                                            std::filesystem::perms::owner_write) {
    const std::filesystem::path p = path_ / name;
    {
      std::FILE* f = std::fopen(p.c_str(), "wb");
      EXPECT_NE(f, nullptr);
      if (f != nullptr) {
        std::fwrite(content.data(), 1, content.size(), f);
        std::fclose(f);
      }
    }
    std::filesystem::permissions(p, mode);
    return p;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace refreshd::config::test
