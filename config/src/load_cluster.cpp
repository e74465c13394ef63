#include <array>

#include "address.hpp"
#include "files.hpp"
#include "raw.hpp"

namespace refreshd::config::detail {
namespace {

constexpr std::array<std::string_view, 28> cluster_keys{"name",
                                                        "endpoint",
                                                        "token_file",
                                                        "token_env",
                                                        "token",
                                                        "database",
                                                        "tls",
                                                        "request_timeout",
                                                        "rate_limit",
                                                        "max_running_jobs",
                                                        "suspend",
                                                        "collections",
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
                                                        "quarantine_after"};

constexpr std::array<std::string_view, 2> tls_keys{"ca_file", "insecure_skip_verify"};
constexpr std::array<std::string_view, 1> admin_keys{"token_file"};

std::optional<std::string> cluster_hint(std::string_view key) {
  if (key == "external_source" || key == "external_spec" || key == "depends_on") {
    return "'" + std::string(key) + "' is set per collection (under collections:)";
  }
  for (std::string_view k : top_keys) {
    if (key == k) {
      return "'" + std::string(key) + "' is a top-level key, not a cluster setting";
    }
  }
  return std::nullopt;
}

}  // namespace

bool valid_cluster_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 63) {
    return false;
  }
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
      return false;
    }
  }
  return true;
}

bool valid_env_name(std::string_view name) noexcept {
  if (name.empty() || (name.front() >= '0' && name.front() <= '9')) {
    return false;
  }
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
  }
  return true;
}

void check_token_env(reader& r, const entry& e, const std::string& name) {
  if (!r.options().check_files || !r.options().env) {
    return;
  }
  const std::optional<std::string> value = r.options().env(name);
  if (!value) {
    r.error(e.value_pos, e.path, "environment variable " + name + " is not set");
  } else if (value->empty()) {
    r.error(e.value_pos, e.path, "environment variable " + name + " is empty");
  }
}

namespace {

struct cluster_state {
  const entry* first_token = nullptr;
  const entry* endpoint = nullptr;
  const entry* insecure = nullptr;
  std::optional<http_url> url;
  bool has_name = false;
};

void read_token_key(reader& r, const entry& e, raw_cluster& c, cluster_state& st) {
  if (st.first_token != nullptr) {
    r.error(e.key_pos, e.path,
            "only one of token_file, token_env and token may be set ('" + st.first_token->key +
                "' is already set)");
    return;
  }
  st.first_token = &e;
  token_source& t = c.model.token;
  if (e.key == "token_file") {
    auto file = r.string(e);
    if (file && file->empty()) {
      r.error(e.value_pos, e.path, "empty token file path");
    } else if (file) {
      t = {token_kind::file, token_file_path(r, e, *file), {}};
    }
  } else if (e.key == "token_env") {
    auto name = r.string(e);
    if (name && !valid_env_name(*name)) {
      r.error(e.value_pos, e.path, "invalid environment variable name " + quote(*name));
    } else if (name) {
      t = {token_kind::env, *name, {}};
      check_token_env(r, e, *name);
    }
  } else {
    bool used_variables = false;
    if (auto value = r.string(e, &used_variables)) {
      if (value->empty()) {
        r.warning(e.value_pos, e.path,
                  "the token is empty: requests are sent without an Authorization header");
      } else if (!used_variables) {
        r.warning(e.value_pos, e.path,
                  "the token is written in the config file; prefer token_file, token_env or "
                  "token: ${VAR}");
      }
      t = {token_kind::literal, {}, secret_string(std::move(*value))};
    }
  }
}

void read_tls(reader& r, const entry& e, raw_cluster& c, cluster_state& st) {
  for (const entry& t : r.entries(e.value, e.value_pos, e.path, tls_keys)) {
    if (t.key == "ca_file") {
      auto file = r.string(t);
      if (!file || file->empty()) {
        continue;
      }
      c.model.tls.ca_file = resolve_path(r.options().base_directory, *file);
      if (r.options().check_files) {
        if (auto problem = check_ca_file(c.model.tls.ca_file)) {
          r.error(t.value_pos, t.path, *problem);
        }
      }
    } else if (auto v = r.boolean(t)) {
      c.model.tls.insecure_skip_verify = *v;
      if (*v) {
        st.insecure = &t;
        r.warning(t.value_pos, t.path,
                  "TLS certificate verification is disabled; prefer tls.ca_file");
      }
    }
  }
}

void read_cluster_key(reader& r, const entry& e, raw_cluster& c, cluster_state& st) {
  const std::string_view k = e.key;
  cluster& m = c.model;
  if (k == "name") {
    st.has_name = true;
    if (auto name = r.string(e)) {
      if (!valid_cluster_name(*name)) {
        r.error(e.value_pos, e.path,
                "invalid cluster name " + quote(*name) +
                    ": use 1 to 63 characters a-z, 0-9, '_' and '-'");
      } else {
        m.name = std::move(*name);
        c.valid_name = true;
        c.name_pos = e.value_pos;
      }
    }
  } else if (k == "endpoint") {
    st.endpoint = &e;
    if (auto text = r.string(e)) {
      url_result u = parse_endpoint(*text);
      if (!u.url) {
        r.error(e.value_pos, e.path, u.error);
      } else {
        m.endpoint = std::move(*text);
        st.url = std::move(u.url);
      }
    }
  } else if (k == "token_file" || k == "token_env" || k == "token") {
    read_token_key(r, e, c, st);
  } else if (k == "database") {
    if (auto db = r.string(e)) {
      if (auto problem = check_milvus_name("database", *db)) {
        r.error(e.value_pos, e.path, *problem);
      } else {
        m.database = std::move(*db);
      }
    }
  } else if (k == "tls") {
    read_tls(r, e, c, st);
  } else if (k == "request_timeout") {
    m.request_timeout = r.duration_value(e, duration{1}).value_or(m.request_timeout);
  } else if (k == "rate_limit") {
    m.rate_limit = r.number(e, 0.0, 1e6).value_or(m.rate_limit);
  } else if (k == "max_running_jobs") {
    m.max_running_jobs = static_cast<int>(r.integer(e, 1, 10000).value_or(m.max_running_jobs));
  } else if (k == "suspend") {
    m.suspend = r.boolean(e).value_or(false);
  } else if (k == "collections") {
    if (auto items = r.sequence(e)) {
      for (std::size_t i = 0; i < items->size(); ++i) {
        c.collections.push_back(
            read_collection(r, (*items)[i], e.path + "[" + std::to_string(i) + "]"));
      }
    }
  }
}

void check_cluster(reader& r, raw_cluster& c, const cluster_state& st, bool has_collections) {
  if (!st.has_name) {
    r.error(c.pos, join_path(c.path, "name"), "missing required key 'name'");
  }
  if (st.endpoint == nullptr) {
    r.error(c.pos, join_path(c.path, "endpoint"), "missing required key 'endpoint'");
  }
  if (st.first_token == nullptr) {
    r.error(c.pos, c.path, "no token source: set one of token_file, token_env or token");
  }
  if (!has_collections) {
    r.warning(c.pos, c.path, "the cluster has no collections");
  }
  if (!st.url || st.url->https) {
    return;
  }
  const token_source& t = c.model.token;
  const bool sends_token = t.kind == token_kind::file || t.kind == token_kind::env ||
                           (t.kind == token_kind::literal && !t.literal.empty());
  if (sends_token && !is_loopback_host(st.url->host)) {
    r.warning(st.endpoint->value_pos, st.endpoint->path,
              "the token is sent over plain http to a non-loopback host; use https");
  }
  if (!c.model.tls.ca_file.empty() || st.insecure != nullptr) {
    r.warning(st.endpoint->value_pos, st.endpoint->path,
              "tls settings have no effect on an http:// endpoint");
  }
}

}  // namespace

std::string token_file_path(reader& r, const entry& e, const std::string& file) {
  std::string path = resolve_path(r.options().base_directory, file);
  if (!r.options().check_files) {
    return path;
  }
  const secret_file_check check = check_secret_file(path);
  if (check.error) {
    r.error(e.value_pos, e.path, *check.error);
  } else if (check.readable_by_others) {
    r.warning(e.value_pos, e.path,
              "token file " + path + " is readable by group or others (mode " +
                  format_mode(check.mode) + "); restrict it, e.g. chmod 600");
  }
  return path;
}

raw_cluster read_cluster(reader& r, const YAML::Node& node, std::size_t index) {
  raw_cluster c;
  c.path = "clusters[" + std::to_string(index) + "]";
  c.pos = position_of(node);
  c.model.location = {r.shared_file(), c.pos.line, c.pos.column};
  if (!node.IsMap()) {
    r.error(c.pos, c.path, "expected a mapping (name, endpoint, token source, collections)");
    return c;
  }
  cluster_state st;
  bool has_collections = false;
  const std::vector<entry> entries = r.entries(node, c.pos, c.path, cluster_keys, cluster_hint);
  for (const entry& e : entries) {
    if (!read_setting(r, e, c.layer)) {
      read_cluster_key(r, e, c, st);
    }
  }
  has_collections = !c.collections.empty();
  check_cluster(r, c, st, has_collections);
  return c;
}

void read_admin(reader& r, const entry& e, config& c) {
  for (const entry& a : r.entries(e.value, e.value_pos, e.path, admin_keys)) {
    auto file = r.string(a);
    if (file && !file->empty()) {  // empty: admin API disabled
      c.admin.token = {token_kind::file, token_file_path(r, a, *file), {}};
    }
  }
}

}  // namespace refreshd::config::detail
