#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <malloc.h>
#include <stdexcept>
#include <sys/prctl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <refreshd/cli/duration_arg.hpp>
#include <refreshd/cli/exit_codes.hpp>
#include <refreshd/cli/query.hpp>
#include <refreshd/config/load_config.hpp>
#include <refreshd/config/safe_text.hpp>
#include <refreshd/config/token.hpp>
#include <refreshd/daemon/config_reload.hpp>
#include <refreshd/daemon/heap.hpp>
#include <refreshd/daemon/pause_store.hpp>
#include <refreshd/daemon/replica_coordination.hpp>
#include <refreshd/daemon/run_command.hpp>
#include <refreshd/daemon/runtime_metrics.hpp>
#include <refreshd/http/http_listener.hpp>
#include <refreshd/http/listen_tls.hpp>
#include <refreshd/http/read_auth.hpp>
#include <refreshd/log/logging.hpp>
#include <refreshd/runtime/runtime_log.hpp>
#include <refreshd/runtime/spawn.hpp>
#include <refreshd/systemd/systemd_notify.hpp>

#include "shutdown_control.hpp"

namespace refreshd::daemon {
namespace {

constexpr const char* run_help =
    "Exit codes: 0 ok (run: stopped by SIGTERM/SIGINT); 2 usage or configuration error.\n"
    "run --once: 0 every collection completed; 1 a job failed or an API call failed;\n"
    "3 a cluster does not support the refresh API (HTTP 404); 4 authentication failed\n"
    "(4 wins over 3, 3 over 1); 130/143 interrupted (SIGINT/SIGTERM).\n"
    "A first SIGTERM/SIGINT stops scheduling and waits up to 5s for requests in flight\n"
    "(running jobs keep running on the server and are adopted at the next start); a second\n"
    "signal terminates at once.";

logging_options logging_for(const run_options& o, const config::config& cfg) {
  logging_options l;
  l.format = cfg.log.format;
  l.level = cfg.log.level;
  if (o.log_format == "json") {
    l.format = config::log_format::json;
  } else if (o.log_format == "text") {
    l.format = config::log_format::text;
  }
  static const std::pair<const char*, config::log_level> levels[] = {
      {"trace", config::log_level::trace}, {"debug", config::log_level::debug},
      {"info", config::log_level::info},   {"warn", config::log_level::warn},
      {"error", config::log_level::error}, {"critical", config::log_level::critical},
      {"off", config::log_level::off}};
  for (const auto& [name, level] : levels) {
    if (o.log_level == name) {
      l.level = level;
    }
  }
  l.journald = detect_journal_stream();
  return l;
}

std::filesystem::path config_path(const run_options& o) {
  return o.config_file.empty() ? default_config_path() : std::filesystem::path(o.config_file);
}

/// MILVUS_REFRESHD_RELOAD_CHECK_INTERVAL (a duration, "0" disables): how often the config
/// file's content is compared with the one in use, besides inotify (docs/DAEMON.md, "Reload").
config_reload_options reload_options() {
  config_reload_options r;
  const char* v = std::getenv("MILVUS_REFRESHD_RELOAD_CHECK_INTERVAL");
  if (v != nullptr && *v != '\0') {
    r.check_interval = std::string_view(v) == "0"
                           ? std::chrono::milliseconds(0)
                           : parse_duration_arg("MILVUS_REFRESHD_RELOAD_CHECK_INTERVAL", v);
  }
  return r;
}

/// Loads the config; prints every error and returns nullptr when it is invalid.
std::shared_ptr<const config::config> load(const run_options& o) {
  const std::filesystem::path path = config_path(o);
  auto loaded = load_daemon_config(path);
  if (!loaded.ok()) {
    std::cerr << config::to_string(loaded.errors);
    std::cerr << "error: " << loaded.errors.size() << " error(s) in " << path.string() << '\n';
    return nullptr;
  }
  auto cfg = std::make_shared<const config::config>(std::move(*loaded.value));
  setup_logging(logging_for(o, *cfg));
  for (const auto& w : loaded.warnings) {
    log_event(config::log_level::warn, config::to_string(w));
  }
  return cfg;
}

/// The reload of `run`: validates, applies per collection, re-reads the admin token, the
/// read_auth credentials and the listen_tls files, switches logging, re-attaches the metrics to
/// new clusters and reports to systemd and the metrics.
std::shared_ptr<config_reloader> start_reloader(net::io_context& ioc,
                                                const std::shared_ptr<runtime>& rt,
                                                const run_options& o, runtime_metrics& metrics,
                                                http_listener& http,
                                                const std::shared_ptr<systemd_notifier>& notifier,
                                                const std::shared_ptr<replica_coordination>& co) {
  config_reloader::hooks h;
  h.can_apply = [rt] { return rt->can_apply_config(); };
  h.reloading = [notifier] { notifier->reloading(); };
  h.reloaded = [notifier](bool applied) { notifier->reloaded(applied); };
  h.result = [&metrics](bool ok) {
    metrics.set_reload_result(
        ok, std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()));
  };
  h.apply = [rt, &o, &metrics, &http,
             co](std::shared_ptr<const config::config> next) -> std::optional<std::string> {
    std::optional<config::secret_string> admin;
    std::shared_ptr<read_credentials> read_auth;
    std::shared_ptr<ssl::context> tls;
    const bool tls_kept = next->listen_tls.enabled() == http.is_tls();
    try {  // before anything changes
      admin = read_admin_token(*next);
      read_auth = load_read_credentials(*next);
      if (tls_kept && http.is_tls()) {
        tls = make_listen_tls_context(next->listen_tls);
      }
    } catch (const config::token_error& e) {
      return std::string(e.what());
    } catch (const listen_tls_error& e) {
      return std::string(e.what());
    }
    reload_summary s;
    try {
      s = rt->apply_config(next);
    } catch (const config::token_error& e) {
      return std::string(e.what());
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    if (co) {
      co->set_collections(*next);  // the claims follow at the next sync
    }
    http.set_admin_token(std::move(admin));
    http.set_read_auth(std::move(read_auth));
    if (tls) {
      http.set_tls_context(std::move(tls));
    }
    setup_logging(logging_for(o, *next));
    metrics.attach();
    log_fields f;
    f.add_number("added", static_cast<std::int64_t>(s.added));
    f.add_number("removed", static_cast<std::int64_t>(s.removed));
    f.add_number("changed", static_cast<std::int64_t>(s.changed));
    f.add_number("unchanged", static_cast<std::int64_t>(s.unchanged));
    f.add_number("clusters_replaced", static_cast<std::int64_t>(s.clusters_replaced));
    f.add_number("tokens_changed", static_cast<std::int64_t>(s.tokens_changed));
    if (std::max({s.added, s.removed, s.changed}) > reload_lines_at_info) {
      f.add("per_collection_lines", "the first " + std::to_string(reload_lines_at_info) +
                                        " of each kind; the others at debug level");
    }
    log_event(config::log_level::info, "reload applied", f);
    if (!tls_kept) {
      s.needs_restart.push_back(std::string("listen_tls: ") +
                                (http.is_tls() ? "removed" : "added") + " (kept until a restart)");
    }
    for (const auto& line : s.needs_restart) {
      log_event(config::log_level::warn, "reload: needs a restart to apply: " + line);
    }
    return std::nullopt;
  };
  auto reloader =
      config_reloader::create(ioc.get_executor(), config_path(o), std::move(h), reload_options());
  reloader->start(files_named_by(rt->configuration()));
  return reloader;
}

/// Turns every SIGHUP into a reload request until the signal set is cancelled (shutdown).
awaitable<void> watch_hangups(net::signal_set& hangups, std::shared_ptr<config_reloader> reloader) {
  for (;;) {
    auto [ec, sig] = co_await hangups.async_wait(use_nothrow);
    if (ec) {
      co_return;
    }
    reloader->request("SIGHUP", true);
  }
}

/// Where pauses are kept (docs/OPERATIONS.md "Pause"): etcd under etcd coordination, else the
/// state file, read now (an unreadable or damaged file is a startup error: pauses are never
/// dropped silently).
std::optional<std::string> keep_pauses(runtime& rt, const config::config& cfg,
                                       const std::shared_ptr<replica_coordination>& co) {
  if (co && co->pauses() != nullptr) {
    rt.persist_pause = [co](std::string key, std::optional<pause_record> r) {
      return co->pauses()->save(std::move(key), std::move(r));
    };
    co->on_pauses = [weak = rt.weak_from_this()](pause_book book) {
      if (auto r = weak.lock()) {
        r->set_pauses(std::move(book));
      }
    };
    return std::nullopt;
  }
  auto store = std::make_shared<file_pause_store>(cfg.state_dir);
  try {
    rt.set_pauses(store->load());
  } catch (const std::runtime_error& e) {
    return std::string(e.what()) + " (fix it, or move it away to drop every pause)";
  }
  rt.persist_pause = [store](std::string key, std::optional<pause_record> r) {
    return store->save(std::move(key), std::move(r));
  };
  return std::nullopt;
}

int run_daemon(net::io_context& ioc, const std::shared_ptr<runtime>& rt, const run_options& o,
               net::signal_set& hangups, const std::shared_ptr<replica_coordination>& co) {
  shutdown_control control(ioc, *rt, o.drain_timeout);
  if (co) {
    // docs/COORDINATION.md: claims are released once nothing is driven here any more.
    rt->set_ownership(co.get());
    co->start([weak = std::weak_ptr<runtime>(rt)](const std::vector<std::string>& keys) {
      if (auto r = weak.lock()) {
        r->ownership_gained(keys);
      }
    });
    control.after_drain = [co](std::function<void()> done) { co->stop(std::move(done)); };
  }
  // The HTTP endpoints (docs/HTTP.md); a listen failure is a startup error (exit 2).
  // The metrics (docs/METRICS.md) are scraped through /metrics.
  auto metrics = std::make_shared<runtime_metrics>(*rt);
  metrics->attach();
  // Freed heap pages go back to the system twice a minute and after each scrape
  // (docs/DAEMON.md "Memory").
  auto trimmer = std::make_shared<heap_trimmer>(ioc.get_executor(), std::chrono::seconds(30));
  std::unique_ptr<http_listener> http;
  try {
    // One scrape: the values of this moment, written about a thousand lines at a time.
    http = start_http_listener(ioc.get_executor(), rt, [metrics, trimmer]() -> body_parts {
      return [stream = std::shared_ptr<scrape_stream>(metrics->begin_scrape()), trimmer] {
        auto part = stream->next(1000);
        if (part.empty()) {
          trimmer->soon();
        }
        return part;
      };
    });
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << '\n';
    return exit_usage;
  }
  spawn_task(ioc.get_executor(), trimmer->run(), "heap trim", trimmer);
  // sd_notify (READY=1 when the runtime is ready): docs/SYSTEMD.md.
  auto notifier =
      systemd_notifier::create(ioc.get_executor(), rt, notify_options_from_environment());
  notifier->start();
  // Weakly: the notifier holds the runtime, so a strong reference here would be a cycle (leaked
  // at exit, as LeakSanitizer showed).
  rt->on_ready = [weak = std::weak_ptr<systemd_notifier>(notifier)] {
    ::malloc_trim(0);  // the startup lists' peak
    if (auto n = weak.lock()) {
      n->ready();
    }
  };
  // Live reload (docs/DAEMON.md "Reload"): SIGHUP, inotify, a periodic check.
  auto reloader = start_reloader(ioc, rt, o, *metrics, *http, notifier, co);
  spawn_task(ioc.get_executor(), watch_hangups(hangups, reloader), "SIGHUP watch", reloader);
  // The first signal, in this order (docs/DAEMON.md "Shutdown"): tell systemd, stop reloading,
  // stop accepting HTTP connections; then shutdown_control stops the runtime and drains.
  control.on_shutdown = [notifier, reloader, &hangups, trimmer, server = http.get()] {
    notifier->stopping();
    reloader->stop();
    hangups.cancel();
    trimmer->stop();
    server->stop();
  };
  rt->start();
  ioc.run();
  // A file still being parsed when the drain deadline stopped the loop: its thread posts the
  // result to the io_context, which must still exist then (docs/DAEMON.md "Reload").
  reloader->join_parser();
  return exit_ok;
}

int run_once(net::io_context& ioc, const std::shared_ptr<runtime>& rt, const run_options& o) {
  shutdown_control control(ioc, *rt, o.drain_timeout);
  std::optional<std::vector<once_result>> results;
  net::co_spawn(
      ioc,
      [&]() -> awaitable<void> {
        results = co_await rt->async_run_once();
        if (!rt->stopping()) {
          control.release();
        }
      },
      [](std::exception_ptr e) {
        if (e) {
          std::rethrow_exception(e);
        }
      });
  ioc.run();
  if (control.signal() != 0) {
    return control.signal() == SIGINT ? exit_sigint : exit_sigterm;
  }
  const bool json = o.output == "json" || o.query;
  return with_query(
      o.query, std::cout, std::cerr, isatty(STDOUT_FILENO) == 1, [&](std::ostream& out) {
        out << (json ? once_summary_json(*results) : once_summary(*results)) << std::flush;
        return once_exit_code(*results);
      });
}

}  // namespace

CLI::App* add_run_command(CLI::App& app, run_options& o) {
  auto* run = app.add_subcommand("run", "Run the daemon (or refresh everything once: --once)");
  run->add_option("-c,--config", o.config_file,
                  "Config file (default: $MILVUS_REFRESHD_CONFIG or "
                  "/etc/milvus-refreshd/config.yaml)");
  run->add_flag("--once", o.once,
                "Refresh every configured, non-suspended collection once, wait for all jobs to "
                "end, print a summary and exit");
  run->add_option("--output", o.output, "With --once: the summary as text or json")
      ->check(CLI::IsMember({"text", "json"}));
  run->add_option("--log-format", o.log_format, "text or json (default: the config's log.format)")
      ->check(CLI::IsMember({"text", "json"}));
  run->add_option("--log-level", o.log_level, "Log level (default: the config's log.level)")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  run->footer(run_help);
  return run;
}

int run_command(const run_options& o) {
  // Before any secret is read: no core dump, and no ptrace or /proc/PID/{mem,environ} access by
  // other processes of the same user (docs/SECURITY.md). /proc/PID becomes owned by root.
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  set_heap_policy();
  net::io_context ioc;
  // The daemon handles SIGHUP (reload) from the start: a SIGHUP during startup must not kill it
  // (it reloads once startup reconciliation is done). run --once keeps the default.
  std::optional<net::signal_set> hangups;
  if (!o.once) {
    hangups.emplace(ioc, SIGHUP);
  }
  auto cfg = load(o);
  if (!cfg) {
    return exit_usage;
  }
  std::shared_ptr<replica_coordination> co;  // outlives the runtime that points to it
  std::shared_ptr<runtime> rt;
  try {
    if (!o.once) {  // run --once drives every collection (docs/COORDINATION.md)
      co = replica_coordination::create(ioc.get_executor(), *cfg);
    }
    rt = runtime::create(ioc.get_executor(), cfg, make_http_client);
  } catch (const config::token_error& e) {
    std::cerr << "error: " << e.what() << '\n';
    return exit_usage;
  } catch (const std::invalid_argument& e) {
    std::cerr << "error: " << e.what() << '\n';
    return exit_usage;
  }
  if (auto error = keep_pauses(*rt, *cfg, co)) {
    std::cerr << "error: " << *error << '\n';
    return exit_usage;
  }
  if (o.once) {  // pauses kept in etcd count too (docs/OPERATIONS.md)
    try {
      if (auto shared = read_shared_pauses(*cfg)) {
        rt->set_pauses(std::move(*shared));
      }
    } catch (const std::exception& e) {
      std::cerr << "error: " << e.what() << '\n';
      return exit_failed;
    }
  }
  // The YAML parse peak is freed by now; hand it back to the system (RSS target, bench/RESULTS.md).
  ::malloc_trim(0);
  log_fields f;
  f.add("config", cfg->file).add("mode", o.once ? "once" : "daemon");
  f.add_number("collections", static_cast<std::int64_t>(rt->collections().size()));
  log_event(config::log_level::info, "milvus-refreshd starting", f);
  const int rc = o.once ? run_once(ioc, rt, o) : run_daemon(ioc, rt, o, *hangups, co);
  // Coroutines abandoned at the drain deadline hold the runtime; they go with the io_context.
  rt.reset();
  return rc;
}

}  // namespace refreshd::daemon
