#include "check_config_listener.hpp"

#include <ostream>

#include <boost/asio/ip/address.hpp>
#include <nlohmann/json.hpp>

namespace refreshd::daemon {

bool is_loopback_host(const std::string& host) {
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  if (!ec) {
    return address.is_loopback();
  }
  return host == "localhost" || (host.size() > 10 && host.ends_with(".localhost"));
}

void print_listener(std::ostream& out, const config::config& cfg) {
  const auto& t = cfg.listen_tls;
  out << "listener: " << (t.enabled() ? "https://" : "http://") << config::to_string(cfg.listen);
  if (t.enabled()) {
    out << "  (TLS" << (t.client_ca_file.empty() ? "" : "; client certificates required") << ")\n"
        << "  cert_file: " << t.cert_file << "\n  key_file: " << t.key_file << '\n';
    if (!t.client_ca_file.empty()) {
      out << "  client_ca_file: " << t.client_ca_file << '\n';
    }
  } else {
    out << "  (plain HTTP)\n";
  }
  const auto& a = cfg.read_auth;
  if (!a.enabled()) {
    out << "  read endpoints (/metrics, /status, /): open\n";
    return;
  }
  out << "  read endpoints (/metrics, /status, /): credentials required\n";
  if (a.token.kind != config::token_kind::none) {
    out << "    bearer token: " << config::describe(a.token) << '\n';
  }
  if (!a.basic_auth_users.empty()) {
    out << "    basic auth users:";
    for (const auto& u : a.basic_auth_users) {
      out << ' ' << u.name;
    }
    out << '\n';
  }
}

nlohmann::json listener_json(const config::config& cfg) {
  using nlohmann::json;
  json tls = nullptr;
  if (cfg.listen_tls.enabled()) {
    const auto& t = cfg.listen_tls;
    tls = {{"cert_file", t.cert_file},
           {"key_file", t.key_file},
           {"client_ca_file", t.client_ca_file.empty() ? json(nullptr) : json(t.client_ca_file)}};
  }
  json read = nullptr;
  if (cfg.read_auth.enabled()) {
    const auto& a = cfg.read_auth;
    json users = json::array();
    for (const auto& u : a.basic_auth_users) {
      users.push_back(u.name);
    }
    read = {{"token_file",
             a.token.kind == config::token_kind::none ? json(nullptr) : json(a.token.reference)},
            {"basic_auth_users", users}};
  }
  return {{"listen", config::to_string(cfg.listen)}, {"tls", tls}, {"read_auth", read}};
}

std::optional<std::string> listener_warning(const config::config& cfg) {
  if (cfg.listen_tls.enabled() || is_loopback_host(cfg.listen.host)) {
    return std::nullopt;
  }
  return "listen " + config::to_string(cfg.listen) +
         " is reachable beyond loopback without TLS: /metrics, /status, /" +
         (cfg.admin.token.kind != config::token_kind::none ? " and the admin endpoint" : "") +
         " (and any credentials sent to them) travel in clear text; set listen_tls";
}

}  // namespace refreshd::daemon
