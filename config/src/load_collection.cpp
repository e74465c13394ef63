#include <array>

#include "address.hpp"
#include "external.hpp"
#include "raw.hpp"

namespace refreshd::config::detail {
namespace {

constexpr std::array<std::string_view, 22> collection_keys{"name",
                                                           "database",
                                                           "external_source",
                                                           "external_spec",
                                                           "suspend",
                                                           "schedule",
                                                           "timezone",
                                                           "jitter",
                                                           "jitter_mode",
                                                           "catch_up",
                                                           "starting_deadline",
                                                           "pending_timeout",
                                                           "timeout",
                                                           "retries",
                                                           "retry_backoff",
                                                           "poll",
                                                           "freshness_target",
                                                           "ready_when",
                                                           "target_lag",
                                                           "min_interval",
                                                           "quarantine_after",
                                                           "depends_on"};

constexpr std::array<std::string_view, 9> cluster_only_keys{
    "endpoint",        "token_file", "token_env",        "token",      "tls",
    "request_timeout", "rate_limit", "max_running_jobs", "collections"};

std::optional<std::string> collection_hint(std::string_view key) {
  for (std::string_view k : cluster_only_keys) {
    if (k == key) {
      return "'" + std::string(key) + "' is a cluster setting and cannot be set per collection";
    }
  }
  return std::nullopt;
}

bool is_name_start(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

struct external_state {
  const entry* source = nullptr;
  const entry* spec = nullptr;
};

void read_key(reader& r, const entry& e, raw_collection& c, external_state& ext) {
  if (e.key == "name") {
    if (auto name = r.string(e)) {
      if (auto problem = check_milvus_name("collection", *name)) {
        r.error(e.value_pos, e.path, *problem);
      } else {
        c.model.name = std::move(*name);
        c.name_pos = e.value_pos;
        return;
      }
    }
    c.valid = false;
  } else if (e.key == "database") {
    c.has_database = true;
    if (auto db = r.string(e)) {
      if (auto problem = check_milvus_name("database", *db)) {
        r.error(e.value_pos, e.path, *problem);
        c.valid = false;
      } else {
        c.model.database = shared_value<std::string>(std::move(*db));
      }
    } else {
      c.valid = false;
    }
  } else if (e.key == "external_source") {
    ext.source = &e;
    if (auto source = r.string(e)) {
      if (auto problem = check_external_source(*source)) {
        r.error(e.value_pos, e.path, *problem);
      } else {
        c.model.external.edit().source = std::move(*source);
      }
    }
  } else if (e.key == "external_spec") {
    ext.spec = &e;
    if (auto spec = read_external_spec(r, e)) {
      c.model.external.edit().spec = std::move(*spec);
    }
  } else if (e.key == "suspend") {
    c.suspend = r.boolean(e);
  } else if (e.key == "depends_on") {
    read_depends_on(r, e, c);
  }
}

}  // namespace

std::optional<std::string> check_milvus_name(std::string_view what, std::string_view name) {
  bool ok = !name.empty() && name.size() <= 255 && is_name_start(name.front());
  for (char c : name) {
    ok = ok && (is_name_start(c) || (c >= '0' && c <= '9'));
  }
  if (ok) {
    return std::nullopt;
  }
  return "invalid " + std::string(what) + " name " + quote(name) +
         ": use letters, digits and '_', not starting with a digit, at most 255 characters";
}

raw_collection read_collection(reader& r, const YAML::Node& node, const std::string& path) {
  raw_collection c;
  c.path = path;
  c.pos = position_of(node);
  c.model.location = {r.shared_file(), c.pos.line, c.pos.column};
  if (!node.IsMap()) {
    r.error(c.pos, path,
            "expected a mapping with at least 'name', got " +
                std::string(node.IsSequence() ? "a sequence" : "a scalar or no value"));
    c.valid = false;
    c.is_mapping = false;
    return c;
  }
  const std::vector<entry> entries = r.entries(node, c.pos, path, collection_keys, collection_hint);
  external_state ext;
  bool has_name = false;
  for (const entry& e : entries) {
    has_name = has_name || e.key == "name";
    if (!read_setting(r, e, c.layer)) {
      read_key(r, e, c, ext);
    }
  }
  if (!has_name) {
    r.error(c.pos, join_path(path, "name"), "missing required key 'name'");
    c.valid = false;
  }
  if (ext.source != nullptr && ext.spec == nullptr) {
    r.error(ext.source->key_pos, ext.source->path,
            "external_source is set but external_spec is not (set both or neither)");
  } else if (ext.spec != nullptr && ext.source == nullptr) {
    r.error(ext.spec->key_pos, ext.spec->path,
            "external_spec is set but external_source is not (set both or neither)");
  }
  return c;
}

}  // namespace refreshd::config::detail
