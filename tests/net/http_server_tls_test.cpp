// refreshd::http_server in TLS mode, with certificates made at test time by
// tests/support/gen_test_certs.sh.
#include <cstdlib>
#include <filesystem>

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/x509.h>

#include <refreshd/test/child_process.hpp>

#include "server_fixture.hpp"

namespace refreshd::test {
namespace {

class HttpServerTls : public ServerFixture {
 protected:
  void SetUp() override {
    std::string templ = (std::filesystem::temp_directory_path() / "refreshd-tls-XXXXXX").string();
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    auto r = refreshd::test::run({"/bin/bash", REFRESHD_CERT_SCRIPT, dir_.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  void TearDown() override {
    ServerFixture::TearDown();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string file(const char* name) const { return (dir_ / name).string(); }

  std::filesystem::path dir_;
};

TEST_F(HttpServerTls, ServesHttpsWithTheGivenContext) {
  ssl::context server_ctx(ssl::context::tls_server);
  server_ctx.use_certificate_chain_file(file("server.pem"));
  server_ctx.use_private_key_file(file("server.key"), ssl::context::pem);
  start(echo_handler(), {}, &server_ctx);
  EXPECT_TRUE(server_->is_tls());

  ssl::context client_ctx(ssl::context::tls_client);
  client_ctx.load_verify_file(file("ca.pem"));
  client_ctx.set_verify_mode(ssl::verify_peer);
  run([&]() -> awaitable<void> {
    ssl::stream<beast::tcp_stream> stream(co_await connect(), client_ctx);
    // SSL_set_tlsext_host_name() is a macro with a C cast; this is what it expands to.
    static char host[] = "localhost";
    SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, host);
    stream.set_verify_callback(ssl::host_name_verification("localhost"));
    co_await stream.async_handshake(ssl::stream_base::client, use_awaitable);
    auto a = co_await roundtrip(stream, make_request("/tls", "x"));
    auto b = co_await roundtrip(stream, make_request("/again", "y"));
    EXPECT_EQ(a.body(), "/tls:x");
    EXPECT_EQ(b.body(), "/again:y");
  });
}

TEST_F(HttpServerTls, PlainHttpOnATlsPortGetsNoHttpAnswer) {
  ssl::context server_ctx(ssl::context::tls_server);
  server_ctx.use_certificate_chain_file(file("server.pem"));
  server_ctx.use_private_key_file(file("server.key"), ssl::context::pem);
  start(echo_handler(), {}, &server_ctx);
  run([&]() -> awaitable<void> {
    auto plain = co_await connect();
    auto text = co_await exchange_raw(plain, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(text.find("HTTP/1.1 200"), std::string::npos);
  });
  EXPECT_TRUE(errors_.empty());
}

std::string peer_common_name(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  char cn[256] = {};
  if (cert != nullptr) {
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
    X509_free(cert);
  }
  return cn;
}

// Certificate rotation: a context given to set_tls_context() serves the connections accepted
// afterwards, while a connection opened before keeps its own (and the replaced context may be
// released by its owner: the server holds it per connection).
TEST_F(HttpServerTls, SwappedContextServesNewConnectionsAndOpenOnesKeepTheirs) {
  auto make = [&](const char* leaf) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    ctx->use_certificate_chain_file(file((std::string(leaf) + ".pem").c_str()));
    ctx->use_private_key_file(file((std::string(leaf) + ".key").c_str()), ssl::context::pem);
    return ctx;
  };
  http_server_options options;
  options.on_error = [this](std::string_view line) { errors_.emplace_back(line); };
  auto first = make("server");
  server_ = std::make_unique<http_server>(ioc_.get_executor(),
                                          tcp::endpoint(net::ip::make_address("127.0.0.1"), 0),
                                          echo_handler(), options, first);
  server_->start();
  ssl::context client_ctx(ssl::context::tls_client);
  client_ctx.load_verify_file(file("ca.pem"));
  client_ctx.set_verify_mode(ssl::verify_peer);
  run([&]() -> awaitable<void> {
    ssl::stream<beast::tcp_stream> old_conn(co_await connect(), client_ctx);
    co_await old_conn.async_handshake(ssl::stream_base::client, use_awaitable);
    EXPECT_EQ(peer_common_name(old_conn.native_handle()), "localhost");
    server_->set_tls_context(make("wrong"));
    first.reset();  // only the open connection holds the old context now
    ssl::stream<beast::tcp_stream> new_conn(co_await connect(), client_ctx);
    co_await new_conn.async_handshake(ssl::stream_base::client, use_awaitable);
    EXPECT_EQ(peer_common_name(new_conn.native_handle()), "wrong.example");
    auto a = co_await roundtrip(old_conn, make_request("/old", "x"));
    auto b = co_await roundtrip(new_conn, make_request("/new", "y"));
    EXPECT_EQ(a.body(), "/old:x");
    EXPECT_EQ(b.body(), "/new:y");
  });
  EXPECT_THROW(server_->set_tls_context(nullptr), std::logic_error);
  EXPECT_TRUE(errors_.empty());
}

TEST_F(HttpServerTls, PlainServerCannotSwitchToTls) {
  start(echo_handler());
  EXPECT_FALSE(server_->is_tls());
  EXPECT_THROW(server_->set_tls_context(std::make_shared<ssl::context>(ssl::context::tls_server)),
               std::logic_error);
}

}  // namespace
}  // namespace refreshd::test
