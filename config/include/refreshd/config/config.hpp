#pragma once
// The typed configuration model (docs/CONFIG.md). Plain data with defaults; produced by
// load_config_file / load_config_string (loader.hpp), which also validate it.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <refreshd/config/duration.hpp>
#include <refreshd/config/secret.hpp>
#include <refreshd/config/shared_value.hpp>
#include <refreshd/config/token.hpp>

namespace refreshd::config {

/// When a refresh counts as done (docs/CONFIG.md "ready_when"): its job completed, the
/// collection's indexes caught up too, or it is also loaded (searchable).
enum class ready_condition : std::uint8_t { completed, indexed, loaded };
std::string_view to_string(ready_condition r) noexcept;

enum class jitter_kind {
  random,  ///< a new random delay in [0, jitter] for every firing
  fixed,   ///< a stable per-collection delay in [0, jitter] (hash of cluster/database/name)
};

enum class log_format { text, json };
enum class log_level { trace, debug, info, warn, error, critical, off };

std::string_view to_string(jitter_kind k) noexcept;
std::string_view to_string(log_format f) noexcept;
std::string_view to_string(log_level l) noexcept;

/// Describe polling bounds.
struct poll_settings {
  duration initial = std::chrono::seconds(2);  ///< > 0
  duration max = std::chrono::seconds(60);     ///< >= initial

  bool operator==(const poll_settings&) const = default;
};

/// The per-collection settings. Each key may be set in `defaults`, on a cluster or on a
/// collection; the most specific level wins, key by key (poll.initial and poll.max separately).
struct collection_settings {
  /// Schedule text, validated by the schedule checker: 5-field cron, an @macro, "every D" or
  /// "after D". No built-in default: some level must set it.
  std::string schedule;
  std::string timezone = "UTC";  ///< IANA zone name, used by cron schedules
  duration jitter{0};            ///< >= 0; delay in [0, jitter]
  jitter_kind jitter_mode = jitter_kind::random;
  bool catch_up = true;  ///< run a slot missed within starting_deadline
  duration starting_deadline = std::chrono::hours(1);   ///< >= 0
  duration pending_timeout = std::chrono::minutes(30);  ///< > 0; Pending longer = stuck
  duration timeout = std::chrono::hours(6);             ///< > 0; running longer = stuck
  int retries = 2;                                      ///< 0..100 re-triggers after a failure
  /// 0..1000 failed jobs in a row after which the collection is paused as quarantined
  /// (docs/OPERATIONS.md "Quarantine"); 0: never.
  int quarantine_after = 0;
  duration retry_backoff = std::chrono::minutes(1);  ///< > 0; doubles per retry
  poll_settings poll;
  duration freshness_target = std::chrono::hours(2);  ///< > 0; exported for alerts
  ready_condition ready_when = ready_condition::completed;
  /// > 0: keep the data no older than this instead of following `schedule` (docs/SCHEDULES.md
  /// "target_lag"); a level that sets it overrides an inherited schedule, and the reverse.
  duration target_lag{0};
  /// Between triggers: under target_lag (0: target_lag / 10) and depends_on (0: none).
  duration min_interval{0};
  /// depends_on (docs/SCHEDULES.md "depends_on"): the upstream collections' keys
  /// ("cluster/database/name"). Set on a collection only, never inherited; when not empty it
  /// replaces `schedule` and `target_lag`.
  std::vector<std::string> depends_on;

  bool operator==(const collection_settings&) const = default;
};

/// What times a collection, for people and labels: its schedule, "target_lag 30m" when
/// target_lag replaces it (docs/SCHEDULES.md "target_lag"), or "depends_on prod/default/a,
/// prod/default/b" (docs/SCHEDULES.md "depends_on").
std::string timing_text(const collection_settings& s);

/// Where a cluster or collection was defined (1-based line and column of its mapping). The file
/// name is shared by every location of one file (one allocation per file, not per collection:
/// docs/DAEMON.md "Memory").
class source_location {
 public:
  source_location() = default;
  source_location(std::string file, int at_line, int at_column);
  source_location(shared_value<std::string> file, int at_line, int at_column)
      : line(at_line), column(at_column), file_(std::move(file)) {}

  [[nodiscard]] const std::string& file() const noexcept;

  int line = 0;
  int column = 0;

  bool operator==(const source_location& o) const {
    return line == o.line && column == o.column && file() == o.file();
  }

 private:
  shared_value<std::string> file_;
};

/// A collection's explicit external source and spec.
struct external_target {
  std::string source;
  secret_string spec;  ///< a secret: it may hold object-store keys

  bool operator==(const external_target&) const = default;
};

struct collection {
  std::string name;  ///< Milvus collection name: [A-Za-z_][A-Za-z0-9_]*, at most 255 chars
  /// Inherited from the cluster when not set; equal names shared, not copied (docs/DAEMON.md
  /// "Memory"): read with `*` or `->`.
  shared_value<std::string> database;
  /// Both empty, or both set: the source URL (explicit scheme, no credentials) and the spec
  /// (a JSON object, serialized). Shared while unset, as in most configs (docs/DAEMON.md
  /// "Memory"): read with `->`, set with `edit()`.
  shared_value<external_target> external;
  bool suspend = false;  ///< inherited from the cluster when not set
  /// Effective values after inheritance, shared with the collections that have the same ones
  /// (read with `->`, change with `edit()`).
  shared_value<collection_settings> settings;
  source_location location;

  [[nodiscard]] bool has_external() const noexcept { return !external->source.empty(); }
  /// Equality ignores `location` (a collection that only moved in the file is unchanged).
  bool operator==(const collection& other) const;
};

struct tls_settings {
  std::string ca_file;  ///< PEM bundle to verify the server with; empty: the system store
  bool insecure_skip_verify = false;

  bool operator==(const tls_settings&) const = default;
};

struct cluster {
  std::string name;                  ///< [a-z0-9_-], 1..63 characters, unique in the file
  std::string endpoint;              ///< http[s]://host[:port][/prefix], no credentials, no query
  token_source token;                ///< exactly one of token_file, token_env, token
  std::string database = "default";  ///< default database of its collections
  tls_settings tls;
  duration request_timeout = std::chrono::seconds(10);  ///< > 0, per API request
  double rate_limit = 20.0;  ///< requests per second to this cluster; 0 = unlimited
  int max_running_jobs = 8;  ///< 1..10000 refresh jobs in flight at once
  bool suspend = false;      ///< default for the cluster's collections
  /// The cluster-level effective settings (defaults + cluster overrides), for reference; each
  /// collection carries its own effective copy.
  collection_settings settings;
  std::vector<collection> collections;
  source_location location;

  /// Equality ignores `location` (see collection::operator==).
  bool operator==(const cluster& other) const;
};

struct listen_address {
  std::string host = "127.0.0.1";  ///< IPv4, hostname, or IPv6 without brackets
  std::uint16_t port = 9748;       ///< 0 = any free port (tests)

  bool operator==(const listen_address&) const = default;
};

/// "127.0.0.1:9748", "[::1]:9748".
std::string to_string(const listen_address& a);

struct admin_settings {
  /// token_kind::file when `admin.token_file` is set, token_kind::none otherwise (admin API
  /// disabled).
  token_source token;

  bool operator==(const admin_settings&) const = default;
};

/// `listen_tls` (docs/HTTP.md): HTTPS on `listen`. The files are re-read on every reload.
struct listen_tls_settings {
  std::string cert_file;       ///< PEM certificate chain, leaf first; empty: plain HTTP
  std::string key_file;        ///< PEM private key of the leaf; set when cert_file is
  std::string client_ca_file;  ///< PEM bundle; set: mutual TLS (clients need a certificate)

  [[nodiscard]] bool enabled() const noexcept { return !cert_file.empty(); }
  bool operator==(const listen_tls_settings&) const = default;
};

/// One `read_auth.basic_auth_users` entry. The hash is a bcrypt hash ($2a$, $2b$ or $2y$),
/// never printed.
struct basic_auth_user {
  std::string name;
  secret_string hash;

  bool operator==(const basic_auth_user&) const = default;
};

/// `read_auth` (docs/HTTP.md): credentials for GET /metrics, /status and /. Either or both; absent:
/// those endpoints are open. /healthz and /readyz are always open.
struct read_auth_settings {
  /// token_kind::file when `read_auth.token_file` is set (Authorization: Bearer), else none.
  token_source token;
  std::vector<basic_auth_user> basic_auth_users;  ///< sorted by name, unique

  [[nodiscard]] bool enabled() const noexcept {
    return token.kind != token_kind::none || !basic_auth_users.empty();
  }
  bool operator==(const read_auth_settings&) const = default;
};

struct log_settings {
  log_format format = log_format::text;
  log_level level = log_level::info;

  bool operator==(const log_settings&) const = default;
};

/// `metrics:` (docs/METRICS.md "Opt-in detail"): the families `per_collection` moves from
/// per-cluster to per-collection labels (they replace the per-cluster series).
struct metrics_settings {
  bool per_collection_triggers = false;      ///< triggers_total, triggers_lost_total
  bool per_collection_skipped = false;       ///< skipped_total
  bool per_collection_job_duration = false;  ///< job_duration_seconds

  bool operator==(const metrics_settings&) const = default;
};

/// `coordination.etcd` (docs/COORDINATION.md "Configuration").
struct etcd_settings {
  std::vector<std::string> endpoints;                  ///< http[s]://host:port, at least one
  std::string prefix = "/milvus-refreshd";             ///< starts with '/', no trailing '/'
  duration lease_ttl = std::chrono::seconds(10);       ///< whole seconds, 2..300
  duration request_timeout = std::chrono::seconds(1);  ///< per request, at most lease_ttl/3
  std::string ca_file;    ///< extra trust anchor for https endpoints (absolute after loading)
  std::string cert_file;  ///< client certificate (set with key_file)
  std::string key_file;
  std::string username;   ///< empty: no authentication
  token_source password;  ///< file or env; set exactly when username is

  bool operator==(const etcd_settings&) const = default;
};

/// `coordination.kubernetes_lease` (docs/COORDINATION.md "Kubernetes Lease"): leader election
/// with a coordination.k8s.io/v1 Lease; client-go's timings by default.
struct kubernetes_lease_settings {
  std::string name = "milvus-refreshd";  ///< the Lease object
  std::string lease_namespace;           ///< empty: the service account's namespace
  duration lease_duration = std::chrono::seconds(15);
  duration renew_deadline = std::chrono::seconds(10);
  duration retry_period = std::chrono::seconds(2);
  /// https://host:port; empty: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT.
  std::string api_server;
  /// token, ca.crt and namespace (the token is re-read: it rotates).
  std::string service_account_dir = "/var/run/secrets/kubernetes.io/serviceaccount";

  bool operator==(const kubernetes_lease_settings&) const = default;
};

/// `coordination` (docs/COORDINATION.md): replicas share the collections through etcd, or elect
/// one leader with a Kubernetes Lease.
struct coordination_settings {
  bool enabled = false;    ///< the section is present
  std::string replica_id;  ///< empty: the daemon uses host name + "-" + pid
  etcd_settings etcd;      ///< the backend unless kubernetes_lease is set
  std::optional<kubernetes_lease_settings> kubernetes_lease;

  bool operator==(const coordination_settings&) const = default;
};

struct config {
  int version = 1;
  std::string file;  ///< the file name given to the loader
  listen_address listen;
  listen_tls_settings listen_tls;
  admin_settings admin;
  read_auth_settings read_auth;
  log_settings log;
  metrics_settings metrics;
  coordination_settings coordination;
  /// Where pauses are kept across restarts (docs/OPERATIONS.md "Pause"); absolute after loading.
  std::string state_dir = "/var/lib/milvus-refreshd";
  collection_settings defaults;  ///< built-in defaults merged with the `defaults` section
  std::vector<cluster> clusters;

  bool operator==(const config&) const = default;
};

/// A collection's key as depends_on names it: "cluster/database/name".
std::string key_of(const cluster& cl, const collection& c);

/// One collection of the dependency graph (docs/SCHEDULES.md "depends_on").
struct dependency_node {
  std::string key;                     ///< "cluster/database/name"
  std::vector<std::string> upstreams;  ///< its depends_on; empty for a collection only depended on
};
/// Every collection that depends on another or is depended on, upstreams before their
/// dependents (config order among the rest). The loader has rejected cycles.
std::vector<dependency_node> dependency_order(const config& c);
/// The collections linked by depends_on, directly or not, each mapped to one key of its group
/// (the smallest): replicas place a group on one of them (docs/COORDINATION.md "depends_on").
std::map<std::string, std::string, std::less<>> dependency_groups(const config& c);

/// The cluster with this name, or nullptr.
const cluster* find_cluster(const config& c, std::string_view name) noexcept;

/// The collection (database, name) of a cluster, or nullptr.
const collection* find_collection(const cluster& c, std::string_view database,
                                  std::string_view name) noexcept;

}  // namespace refreshd::config
