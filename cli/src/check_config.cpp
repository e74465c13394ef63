#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <date/date.h>
#include <nlohmann/json.hpp>

#include <refreshd/cli/check_config.hpp>
#include <refreshd/cli/exit_codes.hpp>
#include <refreshd/config/duration.hpp>
#include <refreshd/config/load_config.hpp>
#include <refreshd/config/safe_text.hpp>
#include <refreshd/schedule/schedule.hpp>
#include <refreshd/schedule/zone.hpp>

#include "check_config_listener.hpp"

namespace refreshd::daemon {
namespace {

using nlohmann::json;

std::string dst_note(schedule::dst_mark mark) {
  switch (mark) {
    case schedule::dst_mark::gap:
      return "  (DST transition: the slot's local time is skipped; runs at the end of the gap)";
    case schedule::dst_mark::repeated:
      return "  (DST transition: local time repeats)";
    default:
      return "";
  }
}

struct collection_runs {
  const config::cluster* cluster;
  const config::collection* collection;
  std::vector<schedule::slot> runs;
  const date::time_zone* zone;
  bool after = false;
  bool lag = false;        ///< timed by target_lag: no slots to list
  bool dependent = false;  ///< timed by depends_on: no slots either
};

std::vector<collection_runs> compute_runs(const config::config& cfg, std::chrono::sys_seconds now,
                                          int next) {
  std::vector<collection_runs> out;
  for (const auto& cl : cfg.clusters) {
    for (const auto& co : cl.collections) {
      collection_runs r{&cl, &co, {}, nullptr, false};
      if (co.settings->target_lag.count() > 0 || !co.settings->depends_on.empty()) {
        r.lag = co.settings->target_lag.count() > 0;
        r.dependent = !r.lag;
        out.push_back(std::move(r));
        continue;
      }
      // The loader validated both, so these cannot fail here.
      auto zone = schedule::find_time_zone(co.settings->timezone);
      auto sched = schedule::parse_schedule(co.settings->schedule);
      if (!zone || !sched) {
        continue;
      }
      r.zone = *zone;
      r.after = sched->kind() == schedule::schedule_kind::after;
      r.runs = schedule::upcoming_slots(*sched, r.zone, now, static_cast<std::size_t>(next));
      out.push_back(std::move(r));
    }
  }
  return out;
}

void print_text(std::ostream& out, const config::config& cfg,
                const std::vector<collection_runs>& all) {
  std::size_t collections = 0;
  for (const auto& cl : cfg.clusters) {
    collections += cl.collections.size();
  }
  out << cfg.file << ": valid (" << cfg.clusters.size()
      << (cfg.clusters.size() == 1 ? " cluster, " : " clusters, ") << collections
      << (collections == 1 ? " collection)\n" : " collections)\n");
  print_listener(out, cfg);
  for (const auto& r : all) {
    const auto& co = *r.collection;
    out << '\n'
        << r.cluster->name << '/' << *co.database << '/' << co.name
        << (co.suspend ? "  [suspended]" : "") << '\n'
        << "  schedule: " << config::timing_text(*co.settings);
    if (r.dependent) {
      out << "\n  next run: once every upstream was ready again after its last refresh started"
          << (co.settings->min_interval.count() > 0
                  ? ", at most one per " + config::format_duration(co.settings->min_interval)
                  : std::string())
          << '\n';
      continue;
    }
    if (r.lag) {
      out << "\n  next run: when the data would be "
          << config::format_duration(co.settings->target_lag)
          << " old as the refresh lands (its duration learned from its refreshes), at most one per "
          << config::format_duration(co.settings->min_interval.count() > 0
                                         ? co.settings->min_interval
                                         : co.settings->target_lag / 10)
          << '\n';
      continue;
    }
    out << "  (" << co.settings->timezone << ")\n";
    if (r.after) {
      out << "  next run: " << co.settings->schedule.substr(6)
          << " after the previous refresh of this collection ends\n";
      continue;
    }
    out << "  next runs:\n";
    for (const auto& s : r.runs) {
      out << "    " << schedule::format_rfc3339(s.at, r.zone) << dst_note(s.dst) << '\n';
    }
  }
  // depends_on (docs/SCHEDULES.md): the graph in the order refreshes flow, upstreams first.
  const auto order = config::dependency_order(cfg);
  if (!order.empty()) {
    out << "\ndependency order (upstreams first):\n";
    for (std::size_t i = 0; i < order.size(); ++i) {
      out << "  " << i + 1 << ". " << order[i].key;
      for (std::size_t u = 0; u < order[i].upstreams.size(); ++u) {
        out << (u == 0 ? "  <- " : ", ") << order[i].upstreams[u];
      }
      out << '\n';
    }
  }
}

json errors_json(const std::vector<config::diagnostic>& errors) {
  json arr = json::array();
  for (const auto& e : errors) {
    arr.push_back({{"file", e.file},
                   {"line", e.line},
                   {"column", e.column},
                   {"path", e.path},
                   {"message", e.message}});
  }
  return arr;
}

/// One line per diagnostic, through safe_text: a config value may hold bytes that are not UTF-8
/// or a terminal escape (docs/SECURITY.md, "Hostile strings").
void print_diagnostics(std::ostream& err, const std::vector<config::diagnostic>& list,
                       std::string_view prefix) {
  for (const auto& d : list) {
    err << safe_text(config::to_string(d, prefix)) << '\n';
  }
}

}  // namespace

std::optional<std::chrono::sys_seconds> parse_utc_instant(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::chrono::sys_seconds t;
  in >> date::parse("%Y-%m-%dT%H:%M:%SZ", t);
  if (in.fail() || in.peek() != std::char_traits<char>::eof()) {
    return std::nullopt;
  }
  return t;
}

int run_check_config(const check_config_args& args, std::ostream& out, std::ostream& err) {
  auto loaded = load_daemon_config(args.file, args.check_files);
  // Warnings go to stderr in both formats, so stdout stays the documented JSON shape.
  print_diagnostics(err, loaded.warnings, "warning: ");
  if (!loaded.ok()) {
    if (args.format == output_format::json) {
      out << dump_json(json{{"valid", false}, {"errors", errors_json(loaded.errors)}}) << '\n';
    } else {
      print_diagnostics(err, loaded.errors, "");
      err << loaded.errors.size() << (loaded.errors.size() == 1 ? " error" : " errors") << " in "
          << safe_text(args.file.string()) << '\n';
    }
    return exit_usage;
  }
  const auto& cfg = *loaded.value;
  if (auto warning = listener_warning(cfg)) {
    err << "warning: " << *warning << '\n';
  }
  if (auto problem = args.check_files && args.check_listener_files ? args.check_listener_files(cfg)
                                                                   : std::nullopt) {
    if (args.format == output_format::json) {
      out << dump_json(json{{"valid", false},
                            {"errors", json::array({{{"file", cfg.file},
                                                     {"line", 0},
                                                     {"column", 0},
                                                     {"path", "listen_tls"},
                                                     {"message", *problem}}})}})
          << '\n';
    } else {
      err << safe_text(cfg.file + ": " + *problem) << "\n1 error in "
          << safe_text(args.file.string()) << '\n';
    }
    return exit_usage;
  }
  auto now =
      args.at.value_or(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  auto all = compute_runs(cfg, now, args.next);
  if (args.format == output_format::text) {
    print_text(out, cfg, all);
    return exit_ok;
  }
  json collections = json::array();
  for (const auto& r : all) {
    json runs = json::array();
    for (const auto& s : r.runs) {
      runs.push_back(schedule::format_rfc3339(s.at, r.zone));
    }
    collections.push_back({{"cluster", r.cluster->name},
                           {"database", *r.collection->database},
                           {"collection", r.collection->name},
                           {"schedule", config::timing_text(*r.collection->settings)},
                           {"timezone", r.collection->settings->timezone},
                           {"next_runs", runs}});
  }
  json doc{{"valid", true}, {"listener", listener_json(cfg)}, {"collections", collections}};
  if (const auto order = config::dependency_order(cfg); !order.empty()) {
    json graph = json::array();
    for (const auto& n : order) {
      graph.push_back({{"collection", n.key}, {"depends_on", n.upstreams}});
    }
    doc["dependency_order"] = std::move(graph);
  }
  out << dump_json(doc) << '\n';
  return exit_ok;
}

}  // namespace refreshd::daemon
