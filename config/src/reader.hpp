#pragma once
// Private: walking the YAML tree with key paths, collecting located diagnostics.

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include <refreshd/config/diagnostic.hpp>
#include <refreshd/config/duration.hpp>
#include <refreshd/config/loader.hpp>

namespace refreshd::config::detail {

/// 1-based; {0, 0} = unknown.
struct position {
  int line = 0;
  int column = 0;
};

/// The node's position, or `fallback` when the node has none (null values, missing nodes).
position position_of(const YAML::Node& node, position fallback = {});

/// One key of a mapping.
struct entry {
  std::string key;
  std::string path;  ///< full key path, e.g. "clusters[0].name"
  position key_pos;
  YAML::Node value;
  position value_pos;  ///< the key's position when the value is null
};

/// Given an unknown key, a sentence explaining where it belongs (replaces "did you mean").
using key_hint = std::function<std::optional<std::string>(std::string_view key)>;

/// "clusters[0]" + "name" → "clusters[0].name"; "" + "version" → "version".
std::string join_path(std::string_view parent, std::string_view key);

/// A value quoted for an error message, shortened to 60 characters, control characters replaced.
std::string quote(std::string_view value);

/// A mapping key for an error message or key path: whole when it is a plain name (letters,
/// digits, '_', '-', '.') of at most 40 characters, otherwise only its leading name characters
/// and "..." (a file that is not YAML has lines for keys: a password hash, a token).
std::string short_key(std::string_view key);
/// short_key in single quotes.
std::string quote_key(std::string_view key);

class reader {
 public:
  reader(std::string file, const load_options& options);

  void error(position at, std::string path, std::string message);
  void warning(position at, std::string path, std::string message);

  [[nodiscard]] const load_options& options() const noexcept { return options_; }
  [[nodiscard]] const std::string& file() const noexcept { return *file_; }
  /// The file name as the source locations of its entries share it.
  [[nodiscard]] const shared_value<std::string>& shared_file() const noexcept { return file_; }
  [[nodiscard]] bool has_errors() const noexcept { return !errors_.empty(); }
  std::vector<diagnostic> take_errors();
  std::vector<diagnostic> take_warnings();

  /// The known keys of a mapping, first occurrence only. Reports unknown keys (with `hint` or a
  /// "did you mean") and duplicate keys. A null node is an empty mapping; another kind is an
  /// error ("expected a mapping") and yields nothing.
  std::vector<entry> entries(const YAML::Node& map, position at, const std::string& path,
                             std::span<const std::string_view> allowed, const key_hint& hint = {});

  /// The items of a sequence (null = empty); another kind is an error.
  std::optional<std::vector<YAML::Node>> sequence(const entry& e);

  /// A scalar with ${VAR} expansion; errors never quote the value (it may be a secret).
  /// `used_variables` reports whether the text held a ${...} reference.
  std::optional<std::string> string(const entry& e, bool* used_variables = nullptr);
  std::optional<duration> duration_value(const entry& e, duration min);
  std::optional<bool> boolean(const entry& e);
  std::optional<long long> integer(const entry& e, long long min, long long max);
  std::optional<double> number(const entry& e, double min, double max);
  /// Index of the value in `names`; otherwise an error listing them.
  std::optional<std::size_t> choice(const entry& e, std::span<const std::string_view> names);

 private:
  std::string kind_error(const YAML::Node& n, std::string_view expected) const;

  shared_value<std::string> file_;
  const load_options& options_;
  std::vector<diagnostic> errors_;
  std::vector<diagnostic> warnings_;
};

}  // namespace refreshd::config::detail
