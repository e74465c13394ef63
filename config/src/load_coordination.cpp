// `coordination` (docs/COORDINATION.md "Configuration"): replicas sharing the collections
// through etcd.
#include <algorithm>
#include <array>

#include <refreshd/config/file_read.hpp>

#include "address.hpp"
#include "files.hpp"
#include "raw.hpp"

namespace refreshd::config::detail {
namespace {

constexpr std::array<std::string_view, 3> coordination_keys{"replica_id", "etcd",
                                                            "kubernetes_lease"};
constexpr std::array<std::string_view, 10> etcd_keys{
    "endpoints", "prefix",   "lease_ttl", "request_timeout", "ca_file",
    "cert_file", "key_file", "username",  "password_file",   "password_env"};

constexpr std::array<std::string_view, 7> lease_keys{
    "name",         "namespace",  "lease_duration",     "renew_deadline",
    "retry_period", "api_server", "service_account_dir"};

constexpr std::chrono::seconds min_lease_ttl{2};
constexpr std::chrono::seconds max_lease_ttl{300};

bool id_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

void read_replica_id(reader& r, const entry& e, coordination_settings& c) {
  auto id = r.string(e);
  if (!id) {
    return;
  }
  if (id->empty() || id->size() > 128 || !std::all_of(id->begin(), id->end(), id_char)) {
    r.error(e.value_pos, e.path,
            "a replica id is 1..128 letters, digits, '.', '_' or '-' (it names the replica's "
            "key in etcd); got " +
                quote(*id));
    return;
  }
  c.replica_id = std::move(*id);
}

void read_endpoints(reader& r, const entry& e, etcd_settings& s) {
  const auto items = r.sequence(e);
  if (!items) {
    return;
  }
  if (items->empty()) {
    r.error(e.value_pos, e.path, "at least one etcd endpoint is required");
  }
  for (std::size_t i = 0; i < items->size(); ++i) {
    const YAML::Node& item = (*items)[i];
    const entry one{e.key, e.path + "[" + std::to_string(i) + "]", position_of(item, e.value_pos),
                    item, position_of(item, e.value_pos)};
    auto text = r.string(one);
    if (!text) {
      continue;
    }
    const url_result u = parse_endpoint(*text);
    if (!u.url) {
      r.error(one.value_pos, one.path, u.error);
    } else if (!u.url->path.empty()) {
      r.error(one.value_pos, one.path,
              "an etcd endpoint has no path (the gateway answers under /v3/): use "
              "http[s]://host:port");
    } else if (std::find(s.endpoints.begin(), s.endpoints.end(), *text) != s.endpoints.end()) {
      r.error(one.value_pos, one.path, "duplicate etcd endpoint");
    } else {
      s.endpoints.push_back(std::move(*text));
    }
  }
}

void read_prefix(reader& r, const entry& e, etcd_settings& s) {
  auto p = r.string(e);
  if (!p) {
    return;
  }
  const bool printable = std::all_of(p->begin(), p->end(), [](char c) {
    return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
  if (p->size() < 2 || p->size() > 128 || p->front() != '/' || p->back() == '/' || !printable) {
    r.error(e.value_pos, e.path,
            "an etcd key prefix starts with '/', has no trailing '/' and no spaces, 2..128 "
            "characters (e.g. /milvus-refreshd)");
    return;
  }
  s.prefix = std::move(*p);
}

void read_lease_ttl(reader& r, const entry& e, etcd_settings& s) {
  auto d = r.duration_value(e, std::chrono::seconds(1));
  if (!d) {
    return;
  }
  if (*d % std::chrono::seconds(1) != duration::zero() || *d < min_lease_ttl ||
      *d > max_lease_ttl) {
    r.error(e.value_pos, e.path,
            "an etcd lease TTL is whole seconds from 2s to 5m (it is renewed every third of it)");
    return;
  }
  s.lease_ttl = *d;
}

struct etcd_state {
  const entry* cert = nullptr;
  const entry* key = nullptr;
  const entry* ca = nullptr;
  const entry* username = nullptr;
  const entry* password = nullptr;
  const entry* timeout = nullptr;
  bool endpoints = false;
};

void read_password(reader& r, const entry& e, etcd_settings& s, etcd_state& st) {
  if (st.password != nullptr) {
    r.error(e.key_pos, e.path,
            "only one of password_file and password_env may be set ('" + st.password->key +
                "' is already set)");
    return;
  }
  st.password = &e;
  auto value = r.string(e);
  if (!value || value->empty()) {
    if (value) {
      r.error(e.value_pos, e.path, "expected a file path or a variable name, got an empty string");
    }
    return;
  }
  if (e.key == "password_file") {
    s.password = {token_kind::file, token_file_path(r, e, *value), {}};
  } else if (!valid_env_name(*value)) {
    r.error(e.value_pos, e.path, "invalid environment variable name " + quote(*value));
  } else {
    s.password = {token_kind::env, *value, {}};
    check_token_env(r, e, *value);
  }
}

void read_etcd_key(reader& r, const entry& k, etcd_settings& s, etcd_state& st) {
  if (k.key == "endpoints") {
    st.endpoints = true;
    read_endpoints(r, k, s);
  } else if (k.key == "prefix") {
    read_prefix(r, k, s);
  } else if (k.key == "lease_ttl") {
    read_lease_ttl(r, k, s);
  } else if (k.key == "request_timeout") {
    if (auto d = r.duration_value(k, std::chrono::milliseconds(1))) {
      s.request_timeout = *d;
      st.timeout = &k;
    }
  } else if (k.key == "ca_file") {
    st.ca = &k;
    s.ca_file = read_tls_file(r, k, max_ca_file_size, "etcd CA file");
  } else if (k.key == "cert_file") {
    st.cert = &k;
    s.cert_file = read_tls_file(r, k, max_cert_file_size, "etcd client certificate file");
  } else if (k.key == "key_file") {
    st.key = &k;
    s.key_file = read_tls_file(r, k, max_key_file_size, "etcd client key file");
  } else if (k.key == "username") {
    st.username = &k;
    if (auto u = r.string(k)) {
      if (u->empty() || u->size() > 256) {
        r.error(k.value_pos, k.path, "an etcd user name is 1..256 characters");
      } else {
        s.username = std::move(*u);
      }
    }
  } else {
    read_password(r, k, s, st);
  }
}

void check_etcd(reader& r, const entry& e, const etcd_settings& s, const etcd_state& st) {
  if (!st.endpoints) {
    r.error(e.value_pos, join_path(e.path, "endpoints"), "missing required key 'endpoints'");
  }
  if ((st.cert == nullptr) != (st.key == nullptr)) {
    const entry* set = st.cert != nullptr ? st.cert : st.key;
    r.error(set->key_pos, set->path, "cert_file and key_file are set together");
  }
  if (st.username != nullptr && st.password == nullptr) {
    r.error(st.username->key_pos, st.username->path,
            "a user name needs password_file or password_env");
  }
  if (st.password != nullptr && st.username == nullptr) {
    r.error(st.password->key_pos, st.password->path, "a password needs a username");
  }
  if (s.request_timeout * 3 > s.lease_ttl) {
    const entry* at = st.timeout != nullptr ? st.timeout : &e;
    r.error(at->value_pos, join_path(e.path, "request_timeout"),
            "request_timeout must be at most a third of lease_ttl: a renewal that times out "
            "must leave time to try another endpoint before the lease's deadline");
  }
  const bool any_https = std::any_of(s.endpoints.begin(), s.endpoints.end(),
                                     [](const std::string& u) { return u.starts_with("https:"); });
  const entry* tls = st.ca != nullptr ? st.ca : st.cert;
  if (tls != nullptr && !any_https) {
    r.warning(tls->key_pos, tls->path, "TLS settings have no effect on http:// etcd endpoints");
  }
}

void read_etcd(reader& r, const entry& e, etcd_settings& s) {
  etcd_state st;
  const auto keys = r.entries(e.value, e.value_pos, e.path, etcd_keys);
  for (const entry& k : keys) {
    read_etcd_key(r, k, s, st);
  }
  if (e.value.IsNull() || e.value.IsMap()) {
    check_etcd(r, e, s, st);
  }
}

// A Kubernetes object name (RFC 1123 subdomain, as Lease names are).
bool kube_name(std::string_view n) noexcept {
  return !n.empty() && n.size() <= 253 && n.front() != '-' && n.front() != '.' && n.back() != '-' &&
         n.back() != '.' && std::all_of(n.begin(), n.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
         });
}

void read_lease_key(reader& r, const entry& k, kubernetes_lease_settings& s) {
  if (k.key == "name" || k.key == "namespace") {
    auto v = r.string(k);
    if (v && !kube_name(*v)) {
      r.error(k.value_pos, k.path,
              "a Kubernetes name is lower-case letters, digits, '-' and '.', 1..253 characters");
    } else if (v) {
      (k.key == "name" ? s.name : s.lease_namespace) = std::move(*v);
    }
  } else if (k.key == "api_server") {
    auto v = r.string(k);
    if (!v) {
      return;
    }
    const url_result u = parse_endpoint(*v);
    if (!u.url || !u.url->https || !u.url->path.empty()) {
      r.error(k.value_pos, k.path, "the API server is https://host[:port], without a path");
    } else {
      s.api_server = std::move(*v);
    }
  } else if (k.key == "service_account_dir") {
    if (auto v = r.string(k); v && !v->empty()) {
      s.service_account_dir = resolve_path(r.options().base_directory, *v);
    }
  } else if (auto d = r.duration_value(k, std::chrono::milliseconds(100))) {
    (k.key == "lease_duration"   ? s.lease_duration
     : k.key == "renew_deadline" ? s.renew_deadline
                                 : s.retry_period) = *d;
  }
}

void read_kubernetes_lease(reader& r, const entry& e, kubernetes_lease_settings& s) {
  for (const entry& k : r.entries(e.value, e.value_pos, e.path, lease_keys)) {
    read_lease_key(r, k, s);
  }
  // client-go's rule: leaseDuration > renewDeadline > retryPeriod * 1.2 (its jitter).
  if (s.lease_duration <= s.renew_deadline || s.renew_deadline * 5 <= s.retry_period * 6) {
    r.error(e.value_pos, e.path,
            "lease_duration must exceed renew_deadline, and renew_deadline 1.2 x retry_period "
            "(a leader must give up before a standby may take over)");
  }
  if (s.lease_duration % std::chrono::seconds(1) != duration::zero()) {
    r.error(e.value_pos, join_path(e.path, "lease_duration"),
            "a Lease's duration is whole seconds (leaseDurationSeconds)");
  }
}

}  // namespace

void read_coordination(reader& r, const entry& e, config& c) {
  coordination_settings& co = c.coordination;
  bool has_etcd = false;
  for (const entry& k : r.entries(e.value, e.value_pos, e.path, coordination_keys)) {
    if (k.key == "replica_id") {
      read_replica_id(r, k, co);
    } else if (k.key == "etcd") {
      has_etcd = true;
      read_etcd(r, k, co.etcd);
    } else {
      read_kubernetes_lease(r, k, co.kubernetes_lease.emplace());
    }
  }
  if (!e.value.IsNull() && !e.value.IsMap()) {
    return;
  }
  if (has_etcd && co.kubernetes_lease) {
    r.error(e.value_pos, e.path, "coordination takes etcd or kubernetes_lease, not both");
  } else if (!has_etcd && !co.kubernetes_lease) {
    r.error(e.value_pos, join_path(e.path, "etcd"),
            "coordination needs an etcd or a kubernetes_lease section (remove coordination to "
            "run without it)");
  }
  co.enabled = true;
}

}  // namespace refreshd::config::detail
