// milvus-refresh-sim: serves the Milvus refresh-job and servability REST endpoints plus the
// /_sim/ control API.
// stdout carries exactly one line, "listening on http[s]://HOST:PORT"; logs go to stderr.
#include <csignal>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <refreshd/net/http_server.hpp>
#include <refreshd/sim/control.hpp>
#include <refreshd/sim/service.hpp>
#include <refreshd/sim/simulator.hpp>

namespace {

using refreshd::tcp;
namespace net = refreshd::net;
namespace ssl = refreshd::ssl;

struct options {
  std::string listen = "127.0.0.1:19530";
  std::string tls_cert;
  std::string tls_key;
  std::string scenario;
  std::string auth_token;
  std::uint64_t seed = 42;
  std::string log_level = "info";
  std::size_t max_connections = 4096;
};

tcp::endpoint parse_listen(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) {
    throw std::invalid_argument("--listen: expected HOST:PORT, got \"" + text + "\"");
  }
  std::string host = text.substr(0, colon);
  const std::string port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty() || host == "*") {
    host = "0.0.0.0";
  } else if (host == "localhost") {
    host = "127.0.0.1";
  }
  std::size_t used = 0;
  int port = -1;
  try {
    port = std::stoi(port_text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != port_text.size() || port < 0 || port > 65535) {
    throw std::invalid_argument("--listen: bad port \"" + port_text + "\"");
  }
  boost::system::error_code ec;
  auto address = net::ip::make_address(host, ec);
  if (ec) {
    throw std::invalid_argument("--listen: bad address \"" + host + "\" (use an IP address)");
  }
  return {address, static_cast<unsigned short>(port)};
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot read " + path);
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string url_of(const tcp::endpoint& ep, bool tls) {
  const auto addr =
      ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string();
  return std::string(tls ? "https" : "http") + "://" + addr + ":" + std::to_string(ep.port());
}

int serve(const options& opt) {
  refreshd::sim::sim_config base;
  base.auth_token = opt.auth_token;
  refreshd::sim::simulator sim(base);
  if (!opt.scenario.empty()) {
    try {
      refreshd::sim::apply_scenario(sim, read_file(opt.scenario));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(opt.scenario + ": " + e.what());
    }
    spdlog::info("scenario {}: {} collections", opt.scenario, sim.state().collection_count());
  }
  net::io_context ioc{1};
  std::optional<ssl::context> tls;
  if (!opt.tls_cert.empty()) {
    tls.emplace(ssl::context::tls_server);
    tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    tls->use_certificate_chain_file(opt.tls_cert);
    tls->use_private_key_file(opt.tls_key, ssl::context::pem);
  }
  refreshd::http_server_options sopt;
  sopt.limits.max_connections = opt.max_connections;
  sopt.limits.max_body_bytes = 32 * 1024 * 1024;  // bulk POST /_sim/collections
  sopt.on_error = [](std::string_view line) { spdlog::warn("{}", line); };
  refreshd::http_server server(ioc.get_executor(), parse_listen(opt.listen),
                               refreshd::sim::make_http_handler(sim, opt.seed), sopt,
                               tls ? &*tls : nullptr);
  server.start();
  std::cout << "listening on " << url_of(server.local_endpoint(), tls.has_value()) << std::endl;

  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&server](const boost::system::error_code& ec, int sig) {
    if (!ec) {
      spdlog::info("signal {}: stopping", sig);
      server.stop();
    }
  });
  ioc.run();
  spdlog::info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"milvus-refresh-sim: a simulator of the Milvus/Zilliz refresh-job REST API"};
  options opt;
  app.add_option("--listen", opt.listen, "HOST:PORT to listen on; port 0 picks a free port")
      ->capture_default_str();
  app.add_option("--tls-cert", opt.tls_cert, "PEM certificate chain: serve HTTPS")
      ->check(CLI::ExistingFile);
  auto* key = app.add_option("--tls-key", opt.tls_key, "PEM private key for --tls-cert")
                  ->check(CLI::ExistingFile);
  app.get_option("--tls-cert")->needs(key);
  key->needs(app.get_option("--tls-cert"));
  app.add_option("--scenario", opt.scenario,
                 "JSON file {\"config\":{...},\"collections\":[...]} applied at start")
      ->check(CLI::ExistingFile);
  app.add_option("--auth-token", opt.auth_token,
                 "require 'Authorization: Bearer TOKEN' on job requests (kept across reset)");
  app.add_option("--seed", opt.seed, "seed of the fault draw")->capture_default_str();
  app.add_option("--max-connections", opt.max_connections, "open connections accepted")
      ->capture_default_str();
  app.add_option("--log-level", opt.log_level, "trace, debug, info, warn, error, off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help is 0; every usage error is 2
  }

  spdlog::set_default_logger(spdlog::stderr_logger_st("milvus-refresh-sim"));
  spdlog::set_level(spdlog::level::from_str(opt.log_level));
  try {
    return serve(opt);
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 2;
  }
}
