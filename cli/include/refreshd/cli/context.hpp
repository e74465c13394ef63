#pragma once
// The CLI's context (docs/CLI.md "Context"): the daemon's config file, from which the one-shot
// commands take a cluster (its endpoint, token, TLS, request_timeout and rate limit) and a
// collection's database and source, so that `milvus-refreshd trigger --name ext_books` is enough.

#include <filesystem>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include <refreshd/cli/job_output.hpp>
#include <refreshd/config/config.hpp>

namespace refreshd::daemon {

struct cli_context {
  std::filesystem::path file;
  std::shared_ptr<const config::config> config;  ///< null: no config file was found
  /// Where `file`'s name came from (messages name the variable when it was that).
  enum class origin_kind { option, variable, default_path } origin = origin_kind::option;
};

/// Reads the context: `-c FILE` (explicit), else $MILVUS_REFRESHD_CONFIG, else
/// /etc/milvus-refreshd/config.yaml. Token and CA files are not checked (those of other
/// clusters need not exist here). Throws usage_error when the file named by -c or the variable
/// cannot be read or is invalid, or, with `required`, when there is no config at all (the
/// message then says where it looked and `without`: how to do without one).
cli_context load_cli_context(const std::string& explicit_file, bool required,
                             const std::string& without);

/// The cluster, database and (when configured) collection a command is about.
struct context_choice {
  const config::cluster* cluster = nullptr;
  /// The configured collection; null when `name` is empty or not in the config (reachable with
  /// --cluster, or when the config has one cluster).
  const config::collection* collection = nullptr;
  std::string database;  ///< --database, else the collection's, else the cluster's
  /// Configured names close to an unconfigured `name` ("cluster/database/name"), for hints.
  std::vector<std::string> nearest;
};

/// Chooses from the context (docs/CLI.md "Context"): `cluster` when given, else the cluster of
/// the configured collection `name` (in `database` when given), else the config's only cluster.
/// `database` overrides the configured one. Throws usage_error, naming the candidates, for an
/// unknown cluster, an ambiguous name, a name the config does not hold when no cluster can be
/// chosen or `configured_only` (with the nearest names), and a config of several clusters
/// without --cluster or name.
context_choice choose_from_context(const cli_context& ctx, const std::string& cluster,
                                   const std::string& database, const std::string& name,
                                   bool configured_only = false);

/// "prod/default/ext_books, staging/default/ext_books"; past ten names "… and 90 more".
std::string join_names(const std::vector<std::string>& names);

/// `milvus-refreshd clusters`: the context's clusters as a table, or JSON (`{"config":FILE,
/// "clusters":[{"name","endpoint","database","collections","token","tls",...}]}`). A token
/// shows where it comes from ("env VAR", "file PATH"), never its value.
void print_clusters(const cli_context& ctx, output_format fmt, std::ostream& out);

/// `milvus-refreshd collections`: the configured collections (of `cluster` when not empty,
/// usage_error when it is unknown), in the config's order, as a table or JSON
/// (`{"config":FILE,"collections":[{"cluster","database","collection","schedule","timezone",
/// "suspended","external_source"}]}`; never the spec).
void print_collections(const cli_context& ctx, const std::string& cluster, output_format fmt,
                       std::ostream& out);

}  // namespace refreshd::daemon
