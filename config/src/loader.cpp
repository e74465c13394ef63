#include <algorithm>
#include <array>
#include <climits>
#include <set>
#include <system_error>
#include <tuple>

#include <refreshd/config/file_read.hpp>
#include <refreshd/config/loader.hpp>

#include "address.hpp"
#include "files.hpp"
#include "raw.hpp"

namespace refreshd::config {
namespace detail {
namespace {

constexpr std::array<std::string_view, 2> log_keys{"format", "level"};
constexpr std::array<std::string_view, 1> metrics_keys{"per_collection"};
constexpr std::array<std::string_view, 3> per_collection_families{"triggers", "skipped",
                                                                  "job_duration"};
constexpr std::array<std::string_view, 2> log_formats{"text", "json"};
constexpr std::array<std::string_view, 7> log_levels{"trace", "debug",    "info", "warn",
                                                     "error", "critical", "off"};
constexpr std::array<std::string_view, 14> cluster_level_keys{
    "name",     "endpoint",    "token_file",      "token_env",    "token",
    "database", "tls",         "request_timeout", "rate_limit",   "max_running_jobs",
    "suspend",  "collections", "external_source", "external_spec"};

bool contains(std::span<const std::string_view> list, std::string_view key) {
  return std::find(list.begin(), list.end(), key) != list.end();
}

std::optional<std::string> top_hint(std::string_view key) {
  if (contains(settings_keys, key)) {
    return "'" + std::string(key) + "' belongs under defaults: (or on a cluster or collection)";
  }
  if (contains(cluster_level_keys, key)) {
    return "'" + std::string(key) + "' belongs to a cluster or collection (under clusters:)";
  }
  return std::nullopt;
}

std::optional<std::string> defaults_hint(std::string_view key) {
  if (key == "depends_on") {
    return "'depends_on' is set per collection (under a cluster's collections:)";
  }
  if (contains(cluster_level_keys, key)) {
    return "'" + std::string(key) +
           "' cannot be set in defaults; set it on each cluster or collection";
  }
  return std::nullopt;
}

void read_version(reader& r, const entry& e, config& c) {
  if (auto v = r.integer(e, INT_MIN, INT_MAX)) {
    if (*v != 1) {
      r.error(
          e.value_pos, e.path,
          "unsupported config version " + std::to_string(*v) + " (this daemon reads version 1)");
    }
    c.version = static_cast<int>(*v);
  }
}

void read_log(reader& r, const entry& e, config& c) {
  for (const entry& l : r.entries(e.value, e.value_pos, e.path, log_keys)) {
    if (l.key == "format") {
      if (auto i = r.choice(l, log_formats)) {
        c.log.format = *i == 0 ? log_format::text : log_format::json;
      }
    } else if (auto i = r.choice(l, log_levels)) {
      c.log.level = static_cast<log_level>(*i);
    }
  }
}

void read_metrics(reader& r, const entry& e, config& c) {
  for (const entry& m : r.entries(e.value, e.value_pos, e.path, metrics_keys)) {
    const auto items = r.sequence(m);
    if (!items) {
      continue;
    }
    for (std::size_t i = 0; i < items->size(); ++i) {
      const YAML::Node& item = (*items)[i];
      const entry family{m.key, m.path + "[" + std::to_string(i) + "]",
                         position_of(item, m.value_pos), item, position_of(item, m.value_pos)};
      switch (r.choice(family, per_collection_families).value_or(per_collection_families.size())) {
        case 0:
          c.metrics.per_collection_triggers = true;
          break;
        case 1:
          c.metrics.per_collection_skipped = true;
          break;
        case 2:
          c.metrics.per_collection_job_duration = true;
          break;
        default:
          break;  // reported by choice()
      }
    }
  }
}

void read_top_key(reader& r, const entry& e, raw_config& raw) {
  config& c = raw.model;
  if (e.key == "version") {
    read_version(r, e, c);
  } else if (e.key == "listen") {
    if (auto text = r.string(e)) {
      std::string problem;
      if (auto a = parse_listen(*text, problem)) {
        c.listen = std::move(*a);
      } else {
        r.error(e.value_pos, e.path, problem);
      }
    }
  } else if (e.key == "listen_tls") {
    read_listen_tls(r, e, c);
  } else if (e.key == "admin") {
    read_admin(r, e, c);
  } else if (e.key == "read_auth") {
    read_read_auth(r, e, c);
  } else if (e.key == "log") {
    read_log(r, e, c);
  } else if (e.key == "metrics") {
    read_metrics(r, e, c);
  } else if (e.key == "coordination") {
    read_coordination(r, e, c);
  } else if (e.key == "state_dir") {
    if (auto dir = r.string(e)) {
      if (dir->empty()) {
        r.error(e.value_pos, e.path, "state_dir is empty: give a directory (or leave the key out)");
      } else {
        c.state_dir = resolve_path(r.options().base_directory, *dir);
      }
    }
  } else if (e.key == "defaults") {
    for (const entry& d : r.entries(e.value, e.value_pos, e.path, settings_keys, defaults_hint)) {
      read_setting(r, d, raw.defaults);
    }
  } else if (e.key == "clusters") {
    if (auto items = r.sequence(e)) {
      if (items->empty()) {
        r.error(e.value_pos, e.path, "at least one cluster is required");
      }
      for (std::size_t i = 0; i < items->size(); ++i) {
        raw.clusters.push_back(read_cluster(r, (*items)[i], i));
      }
    }
  }
}

void read_root(reader& r, const YAML::Node& root, raw_config& raw) {
  const position start{1, 1};
  if (root.IsNull()) {
    r.error(start, "", "the file is empty; expected a mapping with 'version: 1' and 'clusters'");
    return;
  }
  if (!root.IsMap()) {
    r.error(position_of(root, start), "", "expected a mapping at the top level");
    return;
  }
  bool has_version = false;
  bool has_clusters = false;
  for (const entry& e : r.entries(root, start, "", top_keys, top_hint)) {
    has_version = has_version || e.key == "version";
    has_clusters = has_clusters || e.key == "clusters";
    read_top_key(r, e, raw);
  }
  if (!has_version) {
    r.error(start, "version", "missing required key 'version' (add version: 1)");
  }
  if (!has_clusters) {
    r.error(start, "clusters", "missing required key 'clusters'");
  }
  resolve(r, raw);
}

std::vector<diagnostic> sorted(std::vector<diagnostic> list) {
  std::stable_sort(list.begin(), list.end(), [](const diagnostic& a, const diagnostic& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  std::set<std::tuple<int, int, std::string, std::string>> seen;
  std::vector<diagnostic> out;
  for (diagnostic& d : list) {
    if (seen.emplace(d.line, d.column, d.path, d.message).second) {
      out.push_back(std::move(d));
    }
  }
  return out;
}

// Line of a "---" marker that follows document content, 0 if none.
int second_document_line(std::string_view text) {
  bool content = false;
  int line = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::string_view l = text.substr(start, end - start);
    ++line;
    const bool marker =
        l.starts_with("---") && (l.size() == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\r');
    if (marker && content) {
      return line;
    }
    const std::size_t first = l.find_first_not_of(" \t\r");
    if (!marker && first != std::string_view::npos && l[first] != '#' && l[first] != '%') {
      content = true;
    }
    start = end + 1;
  }
  return 0;
}

load_result parse(std::string_view text, reader& r) {
  load_result result;
  raw_config raw;
  raw.model.file = r.file();
  try {
    // YAML::LoadAll can loop forever on some inputs (","), so load the first document and
    // look for a second one in the text.
    const YAML::Node root = YAML::Load(std::string(text));
    if (const int line = second_document_line(text); line > 0) {
      r.error({line, 1}, "", "only one YAML document is allowed per file");
    }
    read_root(r, root, raw);
  } catch (const YAML::Exception& e) {
    // yaml-cpp messages describe the grammar problem; the few that append input ("bad YAML
    // version: ...", "unknown escape character: ...") lose what follows the colon.
    const std::string msg = e.msg.substr(0, e.msg.find(": "));
    r.error({e.mark.line + 1, e.mark.column + 1}, "", "YAML syntax error: " + msg);
  }
  result.errors = sorted(r.take_errors());
  result.warnings = sorted(r.take_warnings());
  if (result.errors.empty()) {
    result.value = std::move(raw.model);
  }
  return result;
}

}  // namespace
}  // namespace detail

load_result load_config_string(std::string_view text, std::string filename,
                               const load_options& options) {
  detail::reader r(std::move(filename), options);
  if (text.size() > max_config_size) {
    r.error({}, "", "the file is larger than " + std::to_string(max_config_size) + " bytes");
    return {std::nullopt, r.take_errors(), {}};
  }
  return detail::parse(text, r);
}

load_result load_config_file(const std::filesystem::path& path, const load_options& options) {
  const auto fail = [&](const std::string& why) {
    return load_result{std::nullopt, {{path.string(), 0, 0, "", "cannot read: " + why}}, {}};
  };
  std::string text;
  try {
    text = read_bounded_regular_file(path, max_config_size, "config file");
  } catch (const file_read_error& e) {
    return fail(e.reason());
  }
  load_options with_base = options;
  if (with_base.base_directory.empty()) {
    std::error_code ec;
    with_base.base_directory = std::filesystem::absolute(path, ec).parent_path();
  }
  return load_config_string(text, path.string(), with_base);
}

namespace {

std::string join(const std::vector<diagnostic>& errors) {
  std::string text = to_string(errors);
  if (!text.empty()) {
    text.pop_back();
  }
  return text;
}

}  // namespace

config_load_error::config_load_error(std::vector<diagnostic> errors)
    : std::runtime_error(join(errors)), errors_(std::move(errors)) {}

config load_config_file_or_throw(const std::filesystem::path& path, const load_options& options,
                                 std::vector<diagnostic>* warnings) {
  load_result r = load_config_file(path, options);
  if (warnings != nullptr) {
    warnings->insert(warnings->end(), r.warnings.begin(), r.warnings.end());
  }
  if (!r.value) {
    throw config_load_error(std::move(r.errors));
  }
  return std::move(*r.value);
}

}  // namespace refreshd::config
