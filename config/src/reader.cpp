#include "reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include <refreshd/config/suggest.hpp>

namespace refreshd::config::detail {
namespace {

std::string_view kind_name(const YAML::Node& n) {
  if (n.IsMap()) {
    return "a mapping";
  }
  if (n.IsSequence()) {
    return "a sequence";
  }
  if (n.IsNull()) {
    return "no value";
  }
  return "a scalar";
}

std::string format_number(double v) {
  char buffer[64];
  auto [p, ec] = std::to_chars(buffer, buffer + sizeof buffer, v, std::chars_format::fixed);
  return ec == std::errc() ? std::string(buffer, p) : std::string("?");
}

}  // namespace

position position_of(const YAML::Node& node, position fallback) {
  if (!node.IsDefined() || node.IsNull()) {
    return fallback;
  }
  const YAML::Mark m = node.Mark();
  if (m.line < 0 || m.column < 0) {
    return fallback;
  }
  return {m.line + 1, m.column + 1};
}

std::string join_path(std::string_view parent, std::string_view key) {
  if (parent.empty()) {
    return std::string(key);
  }
  std::string out(parent);
  out += '.';
  out += key;
  return out;
}

std::string quote(std::string_view value) {
  std::string out = "'";
  const std::size_t limit = 60;
  for (std::size_t i = 0; i < value.size() && i < limit; ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
  }
  if (value.size() > limit) {
    out += "...";
  }
  out += '\'';
  return out;
}

std::string short_key(std::string_view key) {
  constexpr std::size_t limit = 40;
  const auto plain = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  };
  std::size_t n = 0;
  while (n < key.size() && n < limit && plain(key[n])) {
    ++n;
  }
  if (n == key.size()) {
    return std::string(key);
  }
  // A long or odd key may be a line of a file that is not YAML (a password hash, a token):
  // keep only its leading name characters.
  return std::string(key.substr(0, n)) + "...";
}

std::string quote_key(std::string_view key) {
  return "'" + short_key(key) + "'";
}

reader::reader(std::string file, const load_options& options)
    : file_(std::move(file)), options_(options) {}

void reader::error(position at, std::string path, std::string message) {
  errors_.push_back({*file_, at.line, at.column, std::move(path), std::move(message)});
}

void reader::warning(position at, std::string path, std::string message) {
  warnings_.push_back({*file_, at.line, at.column, std::move(path), std::move(message)});
}

std::vector<diagnostic> reader::take_errors() {
  return std::move(errors_);
}
std::vector<diagnostic> reader::take_warnings() {
  return std::move(warnings_);
}

std::string reader::kind_error(const YAML::Node& n, std::string_view expected) const {
  return "expected " + std::string(expected) + ", got " + std::string(kind_name(n));
}

std::vector<entry> reader::entries(const YAML::Node& map, position at, const std::string& path,
                                   std::span<const std::string_view> allowed,
                                   const key_hint& hint) {
  std::vector<entry> out;
  if (!map.IsDefined() || map.IsNull()) {
    return out;
  }
  if (!map.IsMap()) {
    error(position_of(map, at), path, kind_error(map, "a mapping"));
    return out;
  }
  std::set<std::string, std::less<>> seen;
  for (const auto& item : map) {
    // The iterator yields a pair by value: copy the nodes, never bind references to it->first.
    const YAML::Node key = item.first;
    const YAML::Node value = item.second;
    const position key_pos = position_of(key, at);
    if (!key.IsScalar()) {
      error(key_pos, path, "keys must be plain names, got " + std::string(kind_name(key)));
      continue;
    }
    const std::string& name = key.Scalar();
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string message = "unknown key " + quote_key(name);
      if (auto h = hint ? hint(name) : std::nullopt) {
        message += ": " + *h;
      } else if (auto m = closest_match(name, allowed)) {
        message += " (did you mean '" + *m + "'?)";
      }
      error(key_pos, join_path(path, short_key(name)), std::move(message));
      continue;
    }
    const std::string key_path = join_path(path, name);
    if (!seen.insert(name).second) {
      error(key_pos, key_path, "duplicate key " + quote_key(name));
      continue;
    }
    out.push_back({name, key_path, key_pos, value, position_of(value, key_pos)});
  }
  return out;
}

std::optional<std::vector<YAML::Node>> reader::sequence(const entry& e) {
  if (e.value.IsNull()) {
    return std::vector<YAML::Node>{};
  }
  if (!e.value.IsSequence()) {
    error(e.value_pos, e.path, kind_error(e.value, "a sequence"));
    return std::nullopt;
  }
  std::vector<YAML::Node> items;
  items.reserve(e.value.size());
  for (const YAML::Node& item : e.value) {
    items.push_back(item);
  }
  return items;
}

std::optional<std::string> reader::string(const entry& e, bool* used_variables) {
  if (!e.value.IsScalar()) {
    error(e.value_pos, e.path, kind_error(e.value, "a string"));
    return std::nullopt;
  }
  expansion x = expand_env(e.value.Scalar(), options_.env);
  if (used_variables != nullptr) {
    *used_variables = x.used_variables;
  }
  for (std::string& message : x.errors) {
    error(e.value_pos, e.path, std::move(message));
  }
  return std::move(x.value);
}

std::optional<duration> reader::duration_value(const entry& e, duration min) {
  if (!e.value.IsScalar()) {
    error(e.value_pos, e.path, kind_error(e.value, "a duration such as 90s or 1h30m"));
    return std::nullopt;
  }
  const std::optional<std::string> text = string(e);
  if (!text) {
    return std::nullopt;
  }
  duration_result d = parse_duration(*text);
  if (!d.value) {
    error(e.value_pos, e.path, "invalid duration " + quote(*text) + ": " + d.error);
    return std::nullopt;
  }
  if (*d.value < min) {
    error(e.value_pos, e.path, "must be at least " + format_duration(min));
    return std::nullopt;
  }
  return d.value;
}

std::optional<bool> reader::boolean(const entry& e) {
  if (!e.value.IsScalar()) {
    error(e.value_pos, e.path, kind_error(e.value, "true or false"));
    return std::nullopt;
  }
  const std::optional<std::string> text = string(e);
  if (!text) {
    return std::nullopt;
  }
  if (*text == "true" || *text == "True" || *text == "TRUE") {
    return true;
  }
  if (*text == "false" || *text == "False" || *text == "FALSE") {
    return false;
  }
  error(e.value_pos, e.path, "expected true or false, got " + quote(*text));
  return std::nullopt;
}

std::optional<long long> reader::integer(const entry& e, long long min, long long max) {
  if (!e.value.IsScalar()) {
    error(e.value_pos, e.path, kind_error(e.value, "an integer"));
    return std::nullopt;
  }
  const std::optional<std::string> text = string(e);
  if (!text) {
    return std::nullopt;
  }
  long long v = 0;
  const char* end = text->data() + text->size();
  auto [p, ec] = std::from_chars(text->data(), end, v);
  if (ec != std::errc() || p != end) {
    error(e.value_pos, e.path, "expected an integer, got " + quote(*text));
    return std::nullopt;
  }
  if (v < min || v > max) {
    error(e.value_pos, e.path,
          "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " +
              std::to_string(v));
    return std::nullopt;
  }
  return v;
}

std::optional<double> reader::number(const entry& e, double min, double max) {
  if (!e.value.IsScalar()) {
    error(e.value_pos, e.path, kind_error(e.value, "a number"));
    return std::nullopt;
  }
  const std::optional<std::string> text = string(e);
  if (!text) {
    return std::nullopt;
  }
  double v = 0;
  const char* end = text->data() + text->size();
  auto [p, ec] = std::from_chars(text->data(), end, v);
  if (ec != std::errc() || p != end || !std::isfinite(v)) {
    error(e.value_pos, e.path, "expected a number, got " + quote(*text));
    return std::nullopt;
  }
  if (v < min || v > max) {
    error(e.value_pos, e.path,
          "must be between " + format_number(min) + " and " + format_number(max) + ", got " +
              quote(*text));
    return std::nullopt;
  }
  return v;
}

std::optional<std::size_t> reader::choice(const entry& e, std::span<const std::string_view> names) {
  std::string list;
  for (std::size_t i = 0; i < names.size(); ++i) {
    list += (i == 0 ? "" : (i + 1 == names.size() ? " or " : ", "));
    list += names[i];
  }
  if (!e.value.IsScalar()) {
    error(e.value_pos, e.path, kind_error(e.value, list));
    return std::nullopt;
  }
  const std::optional<std::string> text = string(e);
  if (!text) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (*text == names[i]) {
      return i;
    }
  }
  error(e.value_pos, e.path, "invalid value " + quote(*text) + " (expected " + list + ")");
  return std::nullopt;
}

}  // namespace refreshd::config::detail
