// The commands that talk to a running daemon (docs/CLI.md "The daemon's commands"): where it is
// (the config's listen address, or --url), `status` with --watch, and pause / resume / refresh.
#include <iostream>

#include <boost/asio/steady_timer.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <nlohmann/json.hpp>

#include <refreshd/cli/context.hpp>
#include <refreshd/cli/daemon_commands.hpp>
#include <refreshd/cli/duration_arg.hpp>
#include <refreshd/cli/exit_codes.hpp>
#include <refreshd/cli/interruptible.hpp>
#include <refreshd/cli/target.hpp>
#include <refreshd/config/env.hpp>
#include <refreshd/config/safe_text.hpp>
#include <refreshd/config/token.hpp>

#include "json_field.hpp"

namespace refreshd::daemon {
namespace {

using json = nlohmann::json;

/// A path segment or query value, percent-encoded (Boost.URL: all but the unreserved
/// characters).
std::string percent_encode(std::string_view s) {
  return boost::urls::encode(s, boost::urls::unreserved_chars);
}

std::string token_of(const std::string& file, const config::token_source& configured,
                     const char* option) {
  try {
    if (!file.empty()) {
      config::token_source s;
      s.kind = config::token_kind::file;
      s.reference = file;
      return config::read_token(s, config::process_env());
    }
    if (configured.kind != config::token_kind::none) {
      return config::read_token(configured, config::process_env());
    }
  } catch (const config::token_error& e) {
    throw usage_error(std::string(option) + ": " + e.what());
  }
  return {};
}

std::string listen_url(const config::config& cfg) {
  std::string host = cfg.listen.host;
  if (host.empty() || host == "0.0.0.0") {
    host = "127.0.0.1";
  } else if (host == "::") {
    host = "::1";
  }
  if (host.find(':') != std::string::npos) {
    host = "[" + host + "]";
  }
  return std::string(cfg.listen_tls.enabled() ? "https" : "http") + "://" + host + ":" +
         std::to_string(cfg.listen.port);
}

/// One answer of the daemon, or the exit code and message of its failure.
struct reply {
  int status = 0;
  std::string body;
};
using reply_or_error = std::variant<reply, std::string>;

awaitable<reply_or_error> ask(client::http_client& http, const daemon_target& t,
                              client::http_method method, std::string path, std::string body,
                              const std::string& token) {
  std::vector<client::http_header> headers;
  if (!token.empty()) {
    headers.push_back({"Authorization", "Bearer " + token});
  }
  auto r = co_await http.async_request(method, path, std::move(body), std::move(headers),
                                       method == client::http_method::get);
  if (auto* e = std::get_if<client::transport_error>(&r)) {
    co_return "cannot reach the daemon at " + t.url + ": " + e->message;
  }
  auto& resp = std::get<client::http_response>(r);
  co_return reply{resp.status, std::move(resp.body)};
}

std::string error_of(const reply& r) {
  const json j = json::parse(r.body, nullptr, false);
  if (detail::field(j, "error").is_string()) {
    return safe_text(detail::text(j, "error"));
  }
  return "HTTP " + std::to_string(r.status);
}

/// Every page of /status with the filters, as one document; or the failure and its exit code.
awaitable<std::variant<json, std::pair<int, std::string>>> fetch_status(client::http_client& http,
                                                                        const daemon_target& t,
                                                                        const status_args& a) {
  json all = json::array();
  json last;
  std::string after;
  for (int page = 0; page < 1000; ++page) {
    std::string path = "/status?limit=1000";
    if (!a.cluster.empty()) {
      path += "&cluster=" + percent_encode(a.cluster);
    }
    if (!a.status.empty()) {
      path += "&status=" + percent_encode(a.status);
    }
    if (!after.empty()) {
      path += "&after=" + percent_encode(after);
    }
    std::string no_body;  // named: no temporary in a co_await (g++ 12)
    auto got = co_await ask(http, t, client::http_method::get, std::move(path), std::move(no_body),
                            t.read_token);
    if (auto* e = std::get_if<std::string>(&got)) {
      co_return std::pair{int(exit_failed), *e};
    }
    const auto& r = std::get<reply>(got);
    if (r.status == 401 || r.status == 403) {
      co_return std::pair{int(exit_auth),
                          "the daemon refused the read credentials (" + error_of(r) +
                              "): give --read-token-file, or read_auth.token_file in the config"};
    }
    if (r.status != 200) {
      co_return std::pair{int(exit_failed), "the daemon answered: " + error_of(r)};
    }
    last = json::parse(r.body, nullptr, false);
    if (!last.is_object() || !last["collections"].is_array()) {
      co_return std::pair{int(exit_failed), std::string("the daemon's /status is not JSON")};
    }
    for (auto& c : last["collections"]) {
      all.push_back(std::move(c));
    }
    if (!last["next"].is_string()) {
      break;
    }
    after = last["next"].get<std::string>();
  }
  last["collections"] = std::move(all);
  last["next"] = nullptr;
  co_return last;
}

}  // namespace

daemon_target resolve_daemon_target(const daemon_target_options& o) {
  daemon_target t;
  const auto timeout = parse_duration_arg("--timeout", o.timeout);
  t.http.connect_timeout = timeout;
  t.http.io_timeout = timeout;
  t.http.request_timeout = timeout;
  t.http.max_body_bytes = 64U << 20U;  // a /status page of 1,000 collections is far below
  t.http.tls.ca_file = o.ca_file;
  t.http.tls.insecure_skip_verify = o.insecure_skip_verify;
  try {
    t.context = load_cli_context(o.config_file, /*required=*/false, {});
  } catch (const usage_error& e) {
    throw usage_error(std::string(e.what()) + "\nfix it, or give --url");
  }
  const auto* cfg = t.context.config.get();
  t.url = !o.url.empty() ? o.url : cfg != nullptr ? listen_url(*cfg) : "http://127.0.0.1:9748";
  if (cfg != nullptr && o.url.empty() && cfg->listen_tls.enabled() && o.ca_file.empty()) {
    t.http.tls.ca_file = cfg->listen_tls.cert_file;  // the daemon's own chain
  }
  const config::token_source none;
  t.read_token = token_of(o.read_token_file, cfg != nullptr ? cfg->read_auth.token : none,
                          "--read-token-file");
  t.admin_token =
      token_of(o.admin_token_file, cfg != nullptr ? cfg->admin.token : none, "--admin-token-file");
  return t;
}

int run_status(const daemon_target& t, const status_args& a, std::ostream& out, std::ostream& err,
               bool tty) {
  net::io_context ioc;
  client::http_client http(ioc.get_executor(), t.url, t.http);
  const auto once = [&]() -> awaitable<int> {
    auto got = co_await fetch_status(http, t, a);
    if (auto* e = std::get_if<std::pair<int, std::string>>(&got)) {
      err << "error: " << e->second << '\n';
      co_return e->first;
    }
    const auto& doc = std::get<json>(got);
    if (a.format == output_format::json) {
      out << dump_json(doc) << '\n';
    } else {
      out << status_table(dump_json(doc), std::chrono::system_clock::now(),
                          tty && std::getenv("NO_COLOR") == nullptr);
    }
    co_return exit_ok;
  };
  if (!a.watch) {
    return run_interruptible(ioc, once, exit_for_signal);
  }
  const auto loop = [&]() -> awaitable<int> {
    net::steady_timer timer(ioc);
    for (;;) {
      if (tty) {
        out << "\033[H\033[2J";  // home, clear: redrawn in place
      }
      out << "milvus-refreshd status of " << t.url << " every " << short_span(a.interval)
          << " (Ctrl-C to stop)\n\n";
      co_await once();  // an error is shown and tried again at the next turn
      out.flush();
      timer.expires_after(a.interval);
      co_await timer.async_wait(use_awaitable);
    }
  };
  return run_interruptible(ioc, loop, [](int) { return int(exit_ok); });
}

void complete_collection(intent_args& a, const cli_context& ctx) {
  if (!a.cluster.empty() && !a.database.empty()) {
    return;
  }
  if (ctx.config == nullptr) {
    if (a.cluster.empty()) {
      throw usage_error("give --cluster (no config file to take it from; -c FILE)");
    }
    a.database = "default";
    return;
  }
  // The daemon drives configured collections only.
  const auto choice =
      choose_from_context(ctx, a.cluster, a.database, a.name, /*configured_only=*/true);
  a.cluster = choice.cluster->name;
  a.database = choice.database;
}

int run_intent(const daemon_target& t, const intent_args& a, std::ostream& out, std::ostream& err) {
  if (t.admin_token.empty()) {
    throw usage_error("no admin token: give --admin-token-file, or admin.token_file in the config");
  }
  const std::string key = a.cluster + "/" + a.database + "/" + a.name;
  std::string body;
  if (a.verb == "pause" && !a.reason.empty()) {
    body = dump_json(json{{"reason", a.reason}});  // a reason that is not UTF-8: replaced
  }
  net::io_context ioc;
  client::http_client http(ioc.get_executor(), t.url, t.http);
  const std::string path = "/v1/collections/" + percent_encode(a.cluster) + "/" +
                           percent_encode(a.database) + "/" + percent_encode(a.name) + "/" + a.verb;
  const auto work = [&]() -> awaitable<int> {
    auto got = co_await ask(http, t, client::http_method::post, path, body, t.admin_token);
    if (auto* e = std::get_if<std::string>(&got)) {
      err << "error: " << *e << '\n';
      co_return exit_failed;
    }
    const auto& r = std::get<reply>(got);
    if (a.format == output_format::json) {
      out << r.body << '\n';
    }
    if (r.status == 401 || r.status == 403) {
      err << "error: the daemon refused the admin token: " << error_of(r) << '\n';
      co_return exit_auth;
    }
    if (r.status == 404) {
      err << "error: the daemon has no collection " << key << '\n';
      co_return exit_usage;
    }
    if (r.status != 200 && r.status != 202) {
      err << "error: " << a.verb << " of " << key << ": " << error_of(r) << '\n';
      co_return exit_failed;
    }
    if (a.format == output_format::text) {
      const json j = json::parse(r.body, nullptr, false);
      if (a.verb == "refresh") {
        out << "refresh of " << key << ": "
            << (detail::field(j, "job_id").is_number_integer()
                    ? "job " + std::to_string(detail::field(j, "job_id").get<std::int64_t>()) +
                          " started"
                    : std::string("queued (the daemon starts it when a job slot is free)"))
            << '\n';
      } else {
        out << (a.verb == "pause" ? "paused " : "resumed ") << key
            << (a.verb == "pause" && !a.reason.empty() ? ": " + safe_text(a.reason) : "") << '\n';
      }
    }
    co_return exit_ok;
  };
  return run_interruptible(ioc, work, exit_for_signal);
}

}  // namespace refreshd::daemon
