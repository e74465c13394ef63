// http_client over TLS against a loopback Beast TLS server, with certificates made at test time
// by tests/support/gen_test_certs.sh (a CA, a server certificate for localhost/127.0.0.1, one for
// wrong.example, an unrelated CA).
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <vector>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <refreshd/client/http_client.hpp>
#include <refreshd/test/child_process.hpp>
#include <refreshd/test/quiet_logger.hpp>

#include "loopback_server.hpp"

namespace refreshd::client {
namespace {

using namespace std::chrono_literals;
using test::loopback_server;
using test::run_task;
using test::server_request;
namespace fs = std::filesystem;

// tests/support/gen_test_certs.sh writes ca.pem, server.{pem,key} (localhost, 127.0.0.1),
// wrong.{pem,key} (wrong.example) and other-ca.pem into `dir`.
void generate_certs(const fs::path& dir) {
  const auto r = test::run(
      {"/bin/bash", REFRESHD_SOURCE_DIR "/tests/support/gen_test_certs.sh", dir.string()}, {}, 60s);
  if (r.exit_code != 0) {
    throw std::runtime_error("gen_test_certs.sh failed: " + r.err);
  }
}

using log_capture = refreshd::test::captured_log;

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) {
    ++n;
  }
  return n;
}

class HttpClientTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("refreshd-http-tls-" + std::to_string(::getpid()));
    generate_certs(dir_);
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  /// Serves TLS with `name`.pem/.key, echoing bodies and recording requests.
  void serve(const std::string& name) {
    server_ctx_.use_certificate_chain_file(dir_ / (name + ".pem"));
    server_ctx_.use_private_key_file(dir_ / (name + ".key"), ssl::context::pem);
    server_.serve([this](tcp::socket socket, int) -> awaitable<void> {
      ssl::stream<beast::tcp_stream> stream(std::move(socket), server_ctx_);
      beast::get_lowest_layer(stream).expires_after(5s);
      auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, use_nothrow);
      beast::get_lowest_layer(stream).expires_never();
      if (ec) {
        co_return;
      }
      beast::flat_buffer buffer;
      while (auto req = co_await test::read_request(stream, buffer)) {
        seen_.push_back(*req);
        if (!co_await test::write_response(stream, test::make_response(200, req->body()))) {
          co_return;
        }
      }
    });
  }

  static http_client_options options(std::string ca_file = {}, bool insecure = false) {
    http_client_options o;
    o.connect_timeout = 2s;
    o.io_timeout = 2s;
    o.request_timeout = 5s;
    o.tls.ca_file = std::move(ca_file);
    o.tls.insecure_skip_verify = insecure;
    return o;
  }

  http_result post(http_client& client, std::string body = "{}") {
    return run_task(ioc_, client.async_post("/v2/x", std::move(body)));
  }

  static std::string ca() { return dir_ / "ca.pem"; }

  static inline fs::path dir_;
  ssl::context server_ctx_{ssl::context::tls_server};  // outlives the server coroutines
  net::io_context ioc_;
  loopback_server server_{ioc_};
  std::vector<server_request> seen_;
};

TEST_F(HttpClientTlsTest, RejectsAnUntrustedCertificateWithoutTheCaFile) {
  serve("server");
  http_client client(ioc_.get_executor(), server_.url("https", "localhost"), options());

  const auto result = post(client);

  ASSERT_TRUE(std::holds_alternative<transport_error>(result));
  const auto& err = std::get<transport_error>(result);
  EXPECT_EQ(err.stage, transport_stage::tls_handshake);
  EXPECT_FALSE(err.maybe_sent);
  EXPECT_FALSE(err.timed_out);
  EXPECT_NE(err.message.find("TLS handshake with " + client.authority() + " failed"),
            std::string::npos)
      << err.message;
  EXPECT_NE(err.message.find("certificate verify failed"), std::string::npos) << err.message;
  EXPECT_TRUE(seen_.empty());
}

TEST_F(HttpClientTlsTest, AcceptsTheServerWithTheCaFileAndKeepsTheConnection) {
  serve("server");
  http_client client(ioc_.get_executor(), server_.url("https", "localhost"), options(ca()));

  const auto first = post(client, "1");
  const auto second = post(client, "2");

  ASSERT_TRUE(std::holds_alternative<http_response>(first)) << std::get<1>(first).message;
  ASSERT_TRUE(std::holds_alternative<http_response>(second)) << std::get<1>(second).message;
  EXPECT_EQ(std::get<http_response>(first).body, "1");
  EXPECT_EQ(std::get<http_response>(second).body, "2");
  EXPECT_TRUE(client.is_tls());
  EXPECT_EQ(server_.accepted(), 1);
  ASSERT_EQ(seen_.size(), 2u);
  EXPECT_EQ(seen_[0][http::field::host], "localhost:" + std::to_string(server_.port()));
}

TEST_F(HttpClientTlsTest, AcceptsAnIpAddressEndpointMatchingAnIpSan) {
  serve("server");
  http_client client(ioc_.get_executor(), server_.url("https", "127.0.0.1"), options(ca()));

  const auto result = post(client);

  ASSERT_TRUE(std::holds_alternative<http_response>(result)) << std::get<1>(result).message;
  EXPECT_EQ(std::get<http_response>(result).status, 200);
}

TEST_F(HttpClientTlsTest, RejectsACertificateFromAnotherCa) {
  serve("server");
  http_client client(ioc_.get_executor(), server_.url("https", "localhost"),
                     options(dir_ / "other-ca.pem"));

  const auto result = post(client);

  ASSERT_TRUE(std::holds_alternative<transport_error>(result));
  const auto& err = std::get<transport_error>(result);
  EXPECT_EQ(err.stage, transport_stage::tls_handshake);
  EXPECT_NE(err.message.find("unable to get local issuer certificate"), std::string::npos)
      << err.message;
}

TEST_F(HttpClientTlsTest, RejectsACertificateForAnotherHostName) {
  serve("wrong");
  http_client client(ioc_.get_executor(), server_.url("https", "localhost"), options(ca()));

  const auto result = post(client);

  ASSERT_TRUE(std::holds_alternative<transport_error>(result));
  const auto& err = std::get<transport_error>(result);
  EXPECT_EQ(err.stage, transport_stage::tls_handshake);
  EXPECT_FALSE(err.maybe_sent);
  EXPECT_NE(err.message.find("hostname mismatch"), std::string::npos) << err.message;
  EXPECT_TRUE(seen_.empty());
}

TEST_F(HttpClientTlsTest, InsecureSkipVerifyAcceptsTheMismatchAndWarnsOnce) {
  serve("wrong");
  log_capture log;
  http_client client(ioc_.get_executor(), server_.url("https", "localhost"),
                     options({}, /*insecure=*/true));

  const auto first = post(client);
  const auto second = post(client);

  ASSERT_TRUE(std::holds_alternative<http_response>(first)) << std::get<1>(first).message;
  ASSERT_TRUE(std::holds_alternative<http_response>(second)) << std::get<1>(second).message;
  EXPECT_EQ(count(log.text(), "TLS verification disabled for " + client.authority()), 1u)
      << log.text();
}

TEST_F(HttpClientTlsTest, MissingOrInvalidCaFileIsRejectedNamingTheFile) {
  const std::string missing = dir_ / "missing.pem";
  const std::string garbage = dir_ / "garbage.pem";
  std::ofstream(garbage) << "not a certificate\n";
  for (const auto& file : {missing, garbage}) {
    try {
      http_client client(ioc_.get_executor(), "https://localhost:1", options(file));
      ADD_FAILURE() << "accepted CA file " << file;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace refreshd::client
