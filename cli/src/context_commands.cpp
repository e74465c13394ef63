// `clusters` and `collections`: what the CLI's context holds (docs/CLI.md "Context").
#include <algorithm>
#include <ostream>

#include <nlohmann/json.hpp>

#include <refreshd/cli/context.hpp>
#include <refreshd/cli/target.hpp>
#include <refreshd/config/duration.hpp>
#include <refreshd/config/safe_text.hpp>
#include <refreshd/config/token.hpp>

namespace refreshd::daemon {
namespace {

using json = nlohmann::json;
using table = std::vector<std::vector<std::string>>;

/// Columns padded to their widest cell (two spaces apart), the last one not padded.
void print_table(std::ostream& out, const table& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) {
        line.append(widths[i] - row[i].size() + 2, ' ');
      }
    }
    out << line << '\n';
  }
}

std::string plural(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

void print_clusters(const cli_context& ctx, output_format fmt, std::ostream& out) {
  const auto& cfg = *ctx.config;
  if (fmt == output_format::json) {
    json list = json::array();
    for (const auto& cl : cfg.clusters) {
      list.push_back({{"name", cl.name},
                      {"endpoint", cl.endpoint},
                      {"database", cl.database},
                      {"collections", cl.collections.size()},
                      {"token", config::describe(cl.token)},
                      {"request_timeout", config::format_duration(cl.request_timeout)},
                      {"rate_limit", cl.rate_limit},
                      {"tls",
                       {{"ca_file", cl.tls.ca_file.empty() ? json(nullptr) : json(cl.tls.ca_file)},
                        {"insecure_skip_verify", cl.tls.insecure_skip_verify}}}});
    }
    out << dump_json(json{{"config", ctx.file.string()}, {"clusters", std::move(list)}}) << '\n';
    return;
  }
  table rows{{"CLUSTER", "ENDPOINT", "DATABASE", "COLLECTIONS", "TOKEN"}};
  for (const auto& cl : cfg.clusters) {
    rows.push_back({safe_text(cl.name), safe_text(cl.endpoint), safe_text(cl.database),
                    std::to_string(cl.collections.size()), safe_text(config::describe(cl.token))});
  }
  print_table(out, rows);
  out << '\n'
      << plural(cfg.clusters.size(), "cluster", "clusters") << " in "
      << safe_text(ctx.file.string()) << ".\n";
}

void print_collections(const cli_context& ctx, const std::string& cluster, output_format fmt,
                       std::ostream& out) {
  const auto& cfg = *ctx.config;
  // Only that cluster's, when given (an unknown one is a usage error naming the nearest).
  const config::cluster* only =
      cluster.empty() ? nullptr : choose_from_context(ctx, cluster, {}, {}).cluster;
  json list = json::array();
  table rows{{"COLLECTION", "SCHEDULE", "TIMEZONE", "STATE", "SOURCE"}};
  for (const auto& cl : cfg.clusters) {
    if (only != nullptr && &cl != only) {
      continue;
    }
    for (const auto& c : cl.collections) {
      const auto& s = *c.settings;
      if (fmt == output_format::json) {
        list.push_back(
            {{"cluster", cl.name},
             {"database", *c.database},
             {"collection", c.name},
             {"schedule", config::timing_text(s)},
             {"timezone", s.timezone},
             {"suspended", c.suspend},
             {"external_source", c.has_external() ? json(c.external->source) : json(nullptr)}});
      } else {
        rows.push_back({safe_text(config::key_of(cl, c)), safe_text(config::timing_text(s)),
                        safe_text(s.timezone), c.suspend ? "suspended" : "active",
                        c.has_external() ? safe_text(c.external->source)
                                         : std::string("(kept by the server)")});
      }
    }
  }
  if (fmt == output_format::json) {
    out << dump_json(json{{"config", ctx.file.string()}, {"collections", std::move(list)}}) << '\n';
    return;
  }
  print_table(out, rows);
  out << '\n'
      << plural(rows.size() - 1, "collection", "collections") << " in "
      << safe_text(ctx.file.string()) << ".\n";
}

}  // namespace refreshd::daemon
