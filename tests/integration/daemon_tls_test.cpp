// The secured listener (docs/HTTP.md) on the real binary: HTTPS with listen_tls, mutual TLS, the
// certificate and read credentials swapped by a reload, read_auth on /metrics, /status and /,
// open probes, the clear-text warning, the nosniff/CSP headers and check-config's view. The
// certificates come from tests/support/gen_test_certs.sh.
#include <csignal>
#include <filesystem>
#include <fstream>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <refreshd/net/asio.hpp>
#include <refreshd/test/child_process.hpp>
#include <refreshd/test/http.hpp>
#include <refreshd/test/sim_process.hpp>

#include "daemon_support.hpp"

namespace refreshd::test {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr std::string_view read_token = "r3ad-t0ken-for-tests";

struct https_reply {
  bool ok = false;      ///< a response was read
  std::string error;    ///< why not
  std::string peer_cn;  ///< the server certificate's common name
  int status = 0;
  std::string body;
  std::map<std::string, std::vector<std::string>> headers;  ///< lower-case names
};

struct https_options {
  std::string ca_file;
  std::string cert_file;  ///< client certificate (mutual TLS); empty: none
  std::string key_file;
  std::optional<std::string> authorization;
};

std::string common_name(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) {
    return {};
  }
  char cn[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
  X509_free(cert);
  return cn;
}

awaitable<void> fetch(ssl::context& ctx, unsigned short port, std::string target,
                      const https_options& o, https_reply& out) {
  auto ex = co_await net::this_coro::executor;
  ssl::stream<beast::tcp_stream> stream(ex, ctx);
  auto& tcp = beast::get_lowest_layer(stream);
  tcp.expires_after(10s);
  auto [cec] = co_await tcp.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                                          use_nothrow);
  if (cec) {
    out.error = "connect: " + cec.message();
    co_return;
  }
  auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, use_nothrow);
  if (hec) {
    out.error = "handshake: " + hec.message();
    co_return;
  }
  out.peer_cn = common_name(stream.native_handle());
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "localhost");
  if (o.authorization) {
    req.set(http::field::authorization, *o.authorization);
  }
  auto [wec, wn] = co_await http::async_write(stream, req, use_nothrow);
  if (wec) {
    out.error = "write: " + wec.message();
    co_return;
  }
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  auto [rec, rn] = co_await http::async_read(stream, buffer, res, use_nothrow);
  if (rec) {
    out.error = "read: " + rec.message();
    co_return;
  }
  out.ok = true;
  out.status = res.result_int();
  out.body = res.body();
  for (const auto& field : res) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    out.headers[name].emplace_back(field.value());
  }
}

// One HTTPS GET on a new connection (TLS 1.2+, the chain verified against o.ca_file; the name
// is not checked, so a swapped certificate for another name can be inspected).
https_reply https_get(unsigned short port, const std::string& target, const https_options& o) {
  net::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  ctx.load_verify_file(o.ca_file);
  ctx.set_verify_mode(ssl::verify_peer);
  if (!o.cert_file.empty()) {
    ctx.use_certificate_chain_file(o.cert_file);
    ctx.use_private_key_file(o.key_file, ssl::context::pem);
  }
  https_reply out;
  net::co_spawn(ioc, fetch(ctx, port, target, o, out), [&out](const std::exception_ptr& e) {
    if (e) {
      out.error = "exception";
    }
  });
  ioc.run_for(15s);
  if (!out.ok && out.error.empty()) {
    out.error = "timeout";
  }
  return out;
}

class DaemonTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certs_ = new fs::path(fs::temp_directory_path() /
                          ("refreshd-daemon-tls-" + std::to_string(getpid())));
    fs::create_directories(*certs_);
    auto r = run({"/bin/bash", REFRESHD_CERT_SCRIPT, certs_->string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() {
    fs::remove_all(*certs_);
    delete certs_;
  }
  static std::string cert(const char* name) { return (*certs_ / name).string(); }

  void SetUp() override { sim_.reset(); }
  void TearDown() override {
    if (d_) {
      expect_clean_stop(*d_);
    }
  }

  /// The config text: `top` (top-level keys) inserted before defaults, listen replaced.
  std::string config_text(const std::string& top, const std::string& listen = "127.0.0.1:0") {
    auto cfg = daemon_config(sim_, "  schedule: \"@daily\"\n  catch_up: false\n",
                             "    token: \"\"\n    rate_limit: 0\n", "      - name: ext_books\n");
    cfg.replace(cfg.find("127.0.0.1:0"), 11, listen);
    cfg.insert(cfg.find("defaults:"), top);
    return cfg;
  }
  /// Starts the daemon and waits for "listening on <scheme>://..."; returns the port (0: none).
  unsigned short start(const std::string& top, const std::string& scheme = "https",
                       const std::string& listen = "127.0.0.1:0") {
    config_ = dir_.write("config.yaml", config_text(top, listen));
    d_ = std::make_unique<child_process>(daemon_argv(config_));
    const auto line = d_->wait_for_err_line(
        [&](std::string_view l) {
          return l.find("\"msg\":\"listening on " + scheme + "://") != std::string_view::npos;
        },
        15s);
    if (!line) {
      return 0;
    }
    const auto msg = json::parse(*line)["msg"].get<std::string>();
    return static_cast<unsigned short>(std::stoi(msg.substr(msg.rfind(':') + 1)));
  }
  std::string tls_keys(const std::string& leaf, bool mutual = false) {
    std::string s = "listen_tls:\n  cert_file: " + dir_.path().string() + "/" + leaf +
                    ".pem\n  key_file: " + dir_.path().string() + "/" + leaf + ".key\n";
    if (mutual) {
      s += "  client_ca_file: " + cert("ca.pem") + "\n";
    }
    return s;
  }
  /// Copies the test leaf `from` to `to`.pem/.key in the config directory.
  void install_leaf(const std::string& from, const std::string& to) {
    for (const char* ext : {".pem", ".key"}) {
      const auto dest = dir_.path() / (to + ext);
      fs::copy_file(cert((from + ext).c_str()), dest.string() + ".tmp",
                    fs::copy_options::overwrite_existing);
      fs::rename(dest.string() + ".tmp", dest);  // atomic, as a secret volume update
    }
  }
  std::string read_auth_keys() {
    const auto token = dir_.write("read.token", std::string(read_token) + "\n");
    fs::permissions(token, fs::perms::owner_read | fs::perms::owner_write);
    return "read_auth:\n  token_file: " + token + "\n";
  }
  https_options with_ca(std::optional<std::string> authorization = std::nullopt) {
    return {cert("ca.pem"), {}, {}, std::move(authorization)};
  }
  /// The CN of the certificate a new connection to `port` is served ("" when it fails).
  std::string served_cn(unsigned short port) {
    const auto r = https_get(port, "/healthz", with_ca());
    EXPECT_TRUE(r.ok) << r.error;
    return r.ok ? r.peer_cn : "";
  }

  static fs::path* certs_;
  sim_process sim_;
  temp_dir dir_;
  std::string config_;
  std::unique_ptr<child_process> d_;
};

fs::path* DaemonTls::certs_ = nullptr;

TEST_F(DaemonTls, ServesHttpsAndGuardsTheReadEndpoints) {
  install_leaf("server", "tls");
  const auto port = start(tls_keys("tls") + read_auth_keys());
  ASSERT_NE(port, 0) << d_->err();
  auto r = https_get(port, "/healthz", with_ca());
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.peer_cn, "localhost");
  EXPECT_EQ(r.status, 200) << "probes stay open";
  EXPECT_EQ(r.headers["x-content-type-options"], std::vector<std::string>{"nosniff"});
  EXPECT_TRUE(
      poll_until([&] { return https_get(port, "/readyz", with_ca()).status == 200; }, 15s, 50ms));
  for (const std::string path : {"/metrics", "/status", "/"}) {
    r = https_get(port, path, with_ca());
    EXPECT_EQ(r.status, 401) << path;
    EXPECT_EQ(r.headers["www-authenticate"],
              std::vector<std::string>{"Bearer realm=\"milvus-refreshd\""})
        << path;
    EXPECT_EQ(https_get(port, path, with_ca("Bearer wrong")).status, 401) << path;
    r = https_get(port, path, with_ca("Bearer " + std::string(read_token)));
    EXPECT_EQ(r.status, 200) << path << r.body;
  }
  r = https_get(port, "/", with_ca("Bearer " + std::string(read_token)));
  ASSERT_EQ(r.headers["content-security-policy"].size(), 1u);
  EXPECT_NE(r.headers["content-security-policy"][0].find("default-src 'none'"), std::string::npos);
  EXPECT_THROW(http_request("GET", "127.0.0.1", port, "/healthz", {}, {}, 3s), std::exception)
      << "plain HTTP is not answered on a TLS listener";
}

TEST_F(DaemonTls, MutualTlsRejectsAClientWithoutACertificate) {
  install_leaf("server", "tls");
  const auto port = start(tls_keys("tls", true));
  ASSERT_NE(port, 0) << d_->err();
  auto r = https_get(port, "/healthz", with_ca());
  EXPECT_FALSE(r.ok) << "status " << r.status;
  https_options o = with_ca();
  o.cert_file = cert("client.pem");
  o.key_file = cert("client.key");
  r = https_get(port, "/healthz", o);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 200);
  // A certificate from another CA is refused too (the server's own leaf is not a client cert
  // of clients-ca; wrong.pem is signed by the same CA but is a server certificate).
  o.cert_file = cert("server.pem");
  o.key_file = cert("server.key");
  EXPECT_FALSE(https_get(port, "/healthz", o).ok) << "serverAuth-only certificate as a client";
}

TEST_F(DaemonTls, ReloadSwapsTheCertificateAndTheReadToken) {
  install_leaf("server", "tls");
  const auto port = start(tls_keys("tls") + read_auth_keys());
  ASSERT_NE(port, 0) << d_->err();
  ASSERT_EQ(served_cn(port), "localhost");
  install_leaf("wrong", "tls");
  dir_.write("read.token", "n3w-read-token\n");
  d_->send_signal(SIGHUP);
  ASSERT_TRUE(d_->wait_for_err_line(json_line("reload applied"), 15s)) << d_->err();
  EXPECT_EQ(served_cn(port), "wrong.example") << "new connections see the new certificate";
  EXPECT_EQ(https_get(port, "/metrics", with_ca("Bearer " + std::string(read_token))).status, 401);
  EXPECT_EQ(https_get(port, "/metrics", with_ca("Bearer n3w-read-token")).status, 200);
}

TEST_F(DaemonTls, ACertificateRotatedInPlaceIsServedWithoutASignal) {
  // cert-manager and kubelet replace the files of a mounted Secret; nobody sends SIGHUP.
  install_leaf("server", "tls");
  const auto port = start(tls_keys("tls"));
  ASSERT_NE(port, 0) << d_->err();
  ASSERT_EQ(served_cn(port), "localhost");
  install_leaf("wrong", "tls");
  const auto line = d_->wait_for_err_line(json_line("reloading the configuration"), 15s);
  ASSERT_TRUE(line) << d_->err();
  EXPECT_NE(line->find("listen_tls."), std::string::npos)
      << "the trigger names the file: " << *line;
  ASSERT_TRUE(d_->wait_for_err_line(json_line("reload applied"), 15s)) << d_->err();
  EXPECT_EQ(served_cn(port), "wrong.example");
}

TEST_F(DaemonTls, ReloadWithABrokenKeyKeepsTheOldCertificate) {
  install_leaf("server", "tls");
  const auto port = start(tls_keys("tls"));
  ASSERT_NE(port, 0) << d_->err();
  fs::copy_file(cert("wrong.key"), dir_.path() / "tls.key", fs::copy_options::overwrite_existing);
  d_->send_signal(SIGHUP);
  const auto line = d_->wait_for_err_line(
      json_line("reload failed; the previous configuration keeps running"), 15s);
  ASSERT_TRUE(line) << d_->err();
  EXPECT_NE(line->find("does not match the certificate"), std::string::npos) << *line;
  EXPECT_EQ(line->find("PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(served_cn(port), "localhost");
}

TEST_F(DaemonTls, StartFailsWhenTheKeyDoesNotMatchTheCertificate) {
  install_leaf("server", "tls");
  fs::copy_file(cert("wrong.key"), dir_.path() / "tls.key", fs::copy_options::overwrite_existing);
  config_ = dir_.write("config.yaml", config_text(tls_keys("tls")));
  auto d = child_process(daemon_argv(config_));
  const auto r = d.wait(15s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->exit_code, 2);
  EXPECT_NE(d.err().find("listen_tls.key_file"), std::string::npos) << d.err();
  EXPECT_NE(d.err().find("does not match the certificate"), std::string::npos) << d.err();
}

TEST_F(DaemonTls, WarnsWhenListeningBeyondLoopbackWithoutTls) {
  const auto port = start("", "http", "0.0.0.0:0");
  ASSERT_NE(port, 0) << d_->err();
  const auto line = d_->wait_for_err_line(
      [](std::string_view l) {
        return l.find("\"msg\":\"listening on a non-loopback address without TLS") !=
               std::string_view::npos;
      },
      5s);
  ASSERT_TRUE(line) << d_->err();
  EXPECT_EQ(json::parse(*line)["level"], "warn") << *line;
}

TEST_F(DaemonTls, PlainListenerSendsNosniffAndThePageItsPolicy) {
  const auto port = start("", "http");
  ASSERT_NE(port, 0) << d_->err();
  auto header = [](const http_reply& r, std::string_view name) {
    for (const auto& [k, v] : r.headers) {
      if (beast::iequals(k, name)) {
        return v;
      }
    }
    return std::string();
  };
  const auto health = http_request("GET", "127.0.0.1", port, "/healthz");
  EXPECT_EQ(header(health, "X-Content-Type-Options"), "nosniff");
  const auto page = http_request("GET", "127.0.0.1", port, "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(header(page, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(header(page, "Content-Security-Policy"),
            "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
            "frame-ancestors 'none'");
  EXPECT_EQ(http_request("GET", "127.0.0.1", port, "/metrics").status, 200) << "no read_auth";
  EXPECT_FALSE(d_->wait_for_err_line(
      [](std::string_view l) { return l.find("non-loopback") != std::string_view::npos; }, 1ms))
      << "no warning on loopback";
}

class CheckConfigTls : public DaemonTls {};

TEST_F(CheckConfigTls, PrintsTheListenerWithoutSecretsAndChecksTheKeyPair) {
  install_leaf("server", "tls");
  const std::string hash = "$2b$04$Kx9ZrWm2V9PzG6yq0P0nLe0e2XyN3o2Wl3iTq3H9x5Yl8o5m5q6ZC";
  auto file =
      dir_.write("c.yaml", config_text(tls_keys("tls", true) + read_auth_keys() +
                                           "  basic_auth_users:\n    prometheus: '" + hash + "'\n",
                                       "0.0.0.0:9748"));
  auto r = run({REFRESHD_DAEMON_BINARY, "check-config", "-c", file});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("listener: https://0.0.0.0:9748  (TLS; client certificates required)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("basic auth users: prometheus"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(hash), std::string::npos);
  EXPECT_EQ(r.out.find(read_token), std::string::npos);
  EXPECT_EQ(r.err.find("without TLS"), std::string::npos) << r.err;
  r = run({REFRESHD_DAEMON_BINARY, "check-config", "-c", file, "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(r.out)["listener"];
  EXPECT_EQ(j["tls"]["client_ca_file"], cert("ca.pem"));
  EXPECT_EQ(j["read_auth"]["basic_auth_users"], json::array({"prometheus"}));
  EXPECT_EQ(r.out.find(hash), std::string::npos);

  fs::copy_file(cert("wrong.key"), dir_.path() / "tls.key", fs::copy_options::overwrite_existing);
  r = run({REFRESHD_DAEMON_BINARY, "check-config", "-c", file});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("does not match the certificate"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("PRIVATE KEY"), std::string::npos) << r.err;
}

TEST_F(CheckConfigTls, WarnsAboutClearTextBeyondLoopback) {
  auto file = dir_.write("c.yaml", config_text("", "0.0.0.0:9748"));
  auto r = run({REFRESHD_DAEMON_BINARY, "check-config", "-c", file});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: listen 0.0.0.0:9748 is reachable beyond loopback without TLS"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.out.find("listener: http://0.0.0.0:9748  (plain HTTP)"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace refreshd::test
