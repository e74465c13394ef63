#pragma once
// Private: the config as read, before inheritance is resolved.

#include <vector>

#include <refreshd/config/config.hpp>

#include "reader.hpp"
#include "settings.hpp"

namespace refreshd::config::detail {

/// One item of a collection's `depends_on`, as written.
struct raw_upstream {
  std::string text;
  position pos;
  std::string path;
};

struct raw_collection {
  collection model;
  /// `depends_on` (docs/SCHEDULES.md "depends_on"); `depends_on_present` when the key is there.
  std::vector<raw_upstream> depends_on;
  bool depends_on_present = false;
  position depends_on_pos;
  std::string depends_on_path;
  settings_layer layer = layer_at(3);
  std::optional<bool> suspend;
  bool has_database = false;
  bool valid = true;       ///< false when the name is missing or invalid (skip duplicate checks)
  bool is_mapping = true;  ///< false when the item is not a mapping (skip every later check)
  position pos;
  position name_pos;
  std::string path;
};

struct raw_cluster {
  cluster model;
  settings_layer layer = layer_at(2);
  std::vector<raw_collection> collections;
  bool valid_name = false;
  position pos;
  position name_pos;
  std::string path;
};

/// A collection with `depends_on`, its upstreams resolved to keys ("cluster/database/name").
struct raw_dependent {
  std::string key;
  position pos;
  std::string path;
  std::vector<raw_upstream> upstreams;  ///< `text` resolved to a key
};

struct raw_config {
  config model;
  settings_layer defaults = layer_at(1);
  std::vector<raw_cluster> clusters;
  std::vector<raw_dependent> dependents;
};

/// Reads a collection's `depends_on`: a sequence of "collection", "database/collection" or
/// "cluster/database/collection" (docs/SCHEDULES.md "depends_on").
void read_depends_on(reader& r, const entry& e, raw_collection& c);

/// The dependent's upstream keys, relative forms completed with its cluster and database; an
/// item that is not a valid reference is reported and left out.
raw_dependent resolve_upstreams(reader& r, const raw_collection& c, std::string_view cluster);

/// Reports upstreams that are not configured, and cycles with their path.
void check_dependencies(reader& r, const raw_config& raw);

/// Reads one item of `clusters` (reports its errors).
raw_cluster read_cluster(reader& r, const YAML::Node& node, std::size_t index);

/// Reads one item of a cluster's `collections`.
raw_collection read_collection(reader& r, const YAML::Node& node, const std::string& path);

/// nullopt when `name` is a valid Milvus collection or database name ([A-Za-z_][A-Za-z0-9_]*,
/// at most 255 characters); otherwise the message.
std::optional<std::string> check_milvus_name(std::string_view what, std::string_view name);

/// A token_file value: resolves it against the base directory and, when files are checked,
/// reports a missing/unreadable/empty file (error) or one readable by others (warning).
std::string token_file_path(reader& r, const entry& e, const std::string& file);

/// A TLS file key (listen_tls, coordination.etcd): the path resolved against the base
/// directory and, when files are checked, a bounded regular file (`cap` bytes); a key file
/// readable by group or others is a warning.
std::string read_tls_file(reader& r, const entry& e, std::size_t cap, std::string_view what);

/// A cluster name: 1..63 characters a-z, 0-9, '_' and '-'.
bool valid_cluster_name(std::string_view name) noexcept;

/// Reads `coordination` (docs/COORDINATION.md "Configuration").
void read_coordination(reader& r, const entry& e, config& c);

/// `token_env`-style names: [A-Za-z_][A-Za-z0-9_]*.
bool valid_env_name(std::string_view name) noexcept;

/// When files are checked: an error when the variable `name` is unset or empty.
void check_token_env(reader& r, const entry& e, const std::string& name);

/// Reads `admin` (token_file only).
void read_admin(reader& r, const entry& e, config& c);

/// Reads `listen_tls` (cert_file and key_file required, client_ca_file optional).
void read_listen_tls(reader& r, const entry& e, config& c);

/// Reads `read_auth` (token_file and/or basic_auth_users with bcrypt hashes).
void read_read_auth(reader& r, const entry& e, config& c);

/// Resolves inheritance and cross-entry rules (missing schedules, poll bounds, duplicates) and
/// moves the result into raw.model.
void resolve(reader& r, raw_config& raw);

}  // namespace refreshd::config::detail
