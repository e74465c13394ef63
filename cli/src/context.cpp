// The CLI's context: the daemon's config as the one-shot commands' source of clusters and
// collections (docs/CLI.md "Context").
#include <cstdlib>
#include <set>

#include <refreshd/cli/context.hpp>
#include <refreshd/cli/target.hpp>
#include <refreshd/config/load_config.hpp>
#include <refreshd/config/safe_text.hpp>
#include <refreshd/config/suggest.hpp>

namespace refreshd::daemon {
namespace {

std::string where(const cli_context& ctx) {
  using origin = cli_context::origin_kind;
  return safe_text(ctx.file.string()) +
         (ctx.origin == origin::variable       ? " ($MILVUS_REFRESHD_CONFIG)"
          : ctx.origin == origin::default_path ? " (the default path)"
                                               : "");
}

std::vector<std::string> cluster_names(const config::config& cfg) {
  std::vector<std::string> names;
  for (const auto& cl : cfg.clusters) {
    names.push_back(cl.name);
  }
  return names;
}

const config::cluster& named_cluster(const cli_context& ctx, const std::string& name) {
  if (const auto* cl = config::find_cluster(*ctx.config, name)) {
    return *cl;
  }
  const auto names = cluster_names(*ctx.config);
  const std::vector<std::string_view> views(names.begin(), names.end());
  const auto near = config::nearest_names(name, views);
  throw usage_error("--cluster " + safe_text(name) + ": no such cluster in " + where(ctx) +
                    (near.empty() ? "" : "; did you mean " + join_names(near) + "?") +
                    " (clusters: " + join_names(names) + ")");
}

/// Configured keys whose collection name is close to `name` (on `cluster` when given).
std::vector<std::string> nearest_keys(const config::config& cfg, const std::string& name,
                                      const std::string& cluster) {
  std::set<std::string> unique;
  for (const auto& cl : cfg.clusters) {
    for (const auto& c : cl.collections) {
      if (cluster.empty() || cl.name == cluster) {
        unique.insert(c.name);
      }
    }
  }
  const std::vector<std::string_view> views(unique.begin(), unique.end());
  const auto near = config::nearest_names(name, views, 3);
  std::vector<std::string> keys;
  for (const auto& n : near) {
    for (const auto& cl : cfg.clusters) {
      for (const auto& c : cl.collections) {
        if (c.name == n && (cluster.empty() || cl.name == cluster) && keys.size() < 5) {
          keys.push_back(config::key_of(cl, c));
        }
      }
    }
  }
  return keys;
}

/// The cluster when no name chose one: --cluster, else the only one.
const config::cluster& cluster_without_name(const cli_context& ctx, const std::string& cluster) {
  if (!cluster.empty()) {
    return named_cluster(ctx, cluster);
  }
  if (ctx.config->clusters.size() == 1) {
    return ctx.config->clusters.front();
  }
  throw usage_error(
      "the config " + where(ctx) + " has " + std::to_string(ctx.config->clusters.size()) +
      " clusters: give --cluster (one of " + join_names(cluster_names(*ctx.config)) + ")");
}

using candidate = std::pair<const config::cluster*, const config::collection*>;

/// "collection N is ambiguous in FILE: a, b (give --cluster)": only the options that tell the
/// candidates apart (their clusters differ, their databases differ).
std::string ambiguous(const cli_context& ctx, const std::string& name,
                      const std::vector<candidate>& found) {
  std::vector<std::string> keys;
  std::set<std::string_view> clusters;
  std::set<std::string_view> databases;
  for (const auto& [cl, c] : found) {
    keys.push_back(config::key_of(*cl, *c));
    clusters.insert(cl->name);
    databases.insert(*c->database);
  }
  std::vector<std::string> options;
  if (clusters.size() > 1) {
    options.emplace_back("--cluster");
  }
  if (databases.size() > 1) {
    options.emplace_back("--database");
  }
  std::string give;
  for (const auto& o : options) {
    give += (give.empty() ? " (give " : " or ") + o;
  }
  return "collection " + safe_text(name) + " is ambiguous in " + where(ctx) + ": " +
         join_names(keys) + (give.empty() ? "" : give + ")");
}

}  // namespace

std::string join_names(const std::vector<std::string>& names) {
  constexpr std::size_t shown = 10;  // a config of 100 clusters: a line, not a page
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < shown; ++i) {
    out += (out.empty() ? "" : ", ") + safe_text(names[i]);
  }
  if (names.size() > shown) {
    out += " and " + std::to_string(names.size() - shown) + " more";
  }
  return out;
}

cli_context load_cli_context(const std::string& explicit_file, bool required,
                             const std::string& without) {
  using origin = cli_context::origin_kind;
  cli_context ctx;
  const char* env = std::getenv("MILVUS_REFRESHD_CONFIG");
  ctx.origin = !explicit_file.empty()           ? origin::option
               : env != nullptr && *env != '\0' ? origin::variable
                                                : origin::default_path;
  ctx.file = explicit_file.empty() ? default_config_path() : std::filesystem::path(explicit_file);
  std::error_code ec;
  // A file named by -c must be there; one found by the variable or the default path only when
  // the command cannot do without a config.
  if (ctx.origin != origin::option && !std::filesystem::exists(ctx.file, ec)) {
    if (required) {
      throw usage_error(
          "no config: " + safe_text(ctx.file.string()) +
          (ctx.origin == origin::default_path
               ? " does not exist and $MILVUS_REFRESHD_CONFIG is not set; give -c FILE or set "
                 "$MILVUS_REFRESHD_CONFIG"
               : " ($MILVUS_REFRESHD_CONFIG) does not exist; give -c FILE or point "
                 "$MILVUS_REFRESHD_CONFIG at the config") +
          (without.empty() ? "" : ", " + without));
    }
    return ctx;
  }
  // Files of other clusters (token files, CA files) need not exist on this machine.
  auto loaded = load_daemon_config(ctx.file, /*check_files=*/false);
  if (!loaded.ok()) {
    std::string errors;
    for (const auto& e : loaded.errors) {  // one per line; file content never raw on a terminal
      errors += (errors.empty() ? "" : "\n") + safe_text(config::to_string(e));
    }
    throw usage_error("the config " + where(ctx) + " cannot be used:\n" + errors);
  }
  ctx.config = std::make_shared<const config::config>(std::move(*loaded.value));
  return ctx;
}

context_choice choose_from_context(const cli_context& ctx, const std::string& cluster,
                                   const std::string& database, const std::string& name,
                                   bool configured_only) {
  context_choice choice;
  if (name.empty()) {
    choice.cluster = &cluster_without_name(ctx, cluster);
    choice.database = database.empty() ? choice.cluster->database : database;
    return choice;
  }
  if (!cluster.empty()) {
    named_cluster(ctx, cluster);  // an unknown cluster is named as such, not as a missing name
  }
  // The clusters that configure that name (or only `cluster`), and the collections of that name
  // in that database.
  std::set<const config::cluster*> named_on;
  std::vector<candidate> exact;
  for (const auto& cl : ctx.config->clusters) {
    for (const auto& c : cl.collections) {
      if (c.name == name && (cluster.empty() || cl.name == cluster)) {
        named_on.insert(&cl);
        if (database.empty() || *c.database == database) {
          exact.emplace_back(&cl, &c);
        }
      }
    }
  }
  if (exact.size() > 1) {
    throw usage_error(ambiguous(ctx, name, exact));
  }
  if (exact.size() == 1) {
    choice.cluster = exact.front().first;
    choice.collection = exact.front().second;
    choice.database = *choice.collection->database;
    return choice;
  }
  // Not configured in that database: --database overrides the configured collection's.
  if (named_on.size() > 1) {
    throw usage_error("collection " + safe_text(name) + " is on " +
                      std::to_string(named_on.size()) + " clusters in " + where(ctx) +
                      ": give --cluster");
  }
  choice.nearest = nearest_keys(*ctx.config, name, cluster);
  const auto not_configured = [&](const std::string& advice) {
    return usage_error(
        "no collection " + safe_text(name) + " in the config " + where(ctx) +
        (cluster.empty() ? "" : " on cluster " + safe_text(cluster)) +
        (database.empty() ? "" : " in database " + safe_text(database)) +
        (choice.nearest.empty() ? "" : "; did you mean " + join_names(choice.nearest) + "?") +
        " (milvus-refreshd collections lists them" + advice + ")");
  };
  if (configured_only) {
    throw not_configured("");
  }
  if (named_on.size() == 1) {
    choice.cluster = *named_on.begin();
  } else if (!cluster.empty() || ctx.config->clusters.size() == 1) {
    choice.cluster = &cluster_without_name(ctx, cluster);
  } else {
    throw not_configured("; give --cluster to reach a collection the config does not hold");
  }
  choice.database = database.empty() ? choice.cluster->database : database;
  return choice;
}

}  // namespace refreshd::daemon
