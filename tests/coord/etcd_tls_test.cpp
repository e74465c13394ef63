// etcd_client over TLS with a client certificate (mutual TLS), against a real etcd member started
// here with `--client-cert-auth` and certificates made by openssl (tests/support/
// gen_test_certs.sh). Skipped, saying so, only where the etcd binary is absent.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include <refreshd/coord/etcd_client.hpp>
#include <refreshd/test/child_process.hpp>
#include <refreshd/test/etcd_cluster.hpp>
#include <refreshd/test/http.hpp>

#include "../client/loopback_server.hpp"

namespace refreshd::coord {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::etcd_cluster;
using test::run_task;

class EtcdTls : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!etcd_cluster::binary()) {
      GTEST_SKIP() << etcd_cluster::missing;
    }
    dir_ = fs::temp_directory_path() / ("refreshd-etcd-tls-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    const auto made = test::run({"/bin/bash", REFRESHD_CERT_SCRIPT, (dir_ / "certs").string()});
    ASSERT_EQ(made.exit_code, 0) << made.err;
    const auto ports = etcd_cluster::free_ports(3);
    tls_port_ = ports[0];
    const auto at = [](unsigned short p, const char* scheme) {
      return std::string(scheme) + "://127.0.0.1:" + std::to_string(p);
    };
    const std::string certs = (dir_ / "certs").string();
    // The https listener checks client certificates; a plain one beside it answers /health.
    member_ = std::make_unique<test::child_process>(
        std::vector<std::string>{*etcd_cluster::binary(),
                                 "--name",
                                 "m0",
                                 "--data-dir",
                                 (dir_ / "m0").string(),
                                 "--listen-client-urls",
                                 at(ports[0], "https") + "," + at(ports[1], "http"),
                                 "--advertise-client-urls",
                                 at(ports[0], "https"),
                                 "--listen-peer-urls",
                                 at(ports[2], "http"),
                                 "--initial-advertise-peer-urls",
                                 at(ports[2], "http"),
                                 "--initial-cluster",
                                 "m0=" + at(ports[2], "http"),
                                 "--cert-file",
                                 certs + "/etcd-server.pem",
                                 "--key-file",
                                 certs + "/etcd-server.key",
                                 "--trusted-ca-file",
                                 certs + "/ca.pem",
                                 "--client-cert-auth",
                                 "--logger",
                                 "zap",
                                 "--log-outputs",
                                 (dir_ / "etcd.log").string()});
    ASSERT_TRUE(test::poll_until(
        [&] {
          try {
            return test::http_request("GET", "127.0.0.1", ports[1], "/health", {}, {}, 1s).status ==
                   200;
          } catch (const std::exception&) {
            return false;
          }
        },
        30s, 50ms))
        << "etcd with TLS did not start";
  }
  void TearDown() override {
    if (HasFailure() && member_) {
      std::ifstream log(dir_ / "etcd.log");
      std::cerr << std::string(std::istreambuf_iterator<char>(log), {}).substr(0, 4000);
    }
    member_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  etcd_client client(bool with_certificate) {
    etcd_options o;
    o.endpoints = {"https://127.0.0.1:" + std::to_string(tls_port_)};
    o.request_timeout = 2s;
    o.tls.ca_file = (dir_ / "certs" / "ca.pem").string();
    if (with_certificate) {
      o.tls.cert_file = (dir_ / "certs" / "client.pem").string();
      o.tls.key_file = (dir_ / "certs" / "client.key").string();
    }
    return etcd_client(ioc_.get_executor(), o);
  }

  fs::path dir_;
  unsigned short tls_port_ = 0;
  std::unique_ptr<test::child_process> member_;
  net::io_context ioc_;
};

TEST_F(EtcdTls, AClientCertificateIsAcceptedAndItsAbsenceRefused) {
  auto with = client(true);
  put_request put{"/tls/k", "v", 0};
  const auto stored = run_task(ioc_, with.put(std::move(put)));
  ASSERT_TRUE(std::holds_alternative<std::int64_t>(stored)) << std::get<etcd_error>(stored).message;
  const auto read = run_task(ioc_, with.range(key_range("/tls/k")));
  ASSERT_TRUE(std::holds_alternative<range_result>(read));
  EXPECT_EQ(std::get<range_result>(read).kvs.at(0).value, "v");

  ioc_.restart();
  auto without = client(false);
  const auto refused = run_task(ioc_, without.range(key_range("/tls/k")));
  ASSERT_TRUE(std::holds_alternative<etcd_error>(refused)) << "etcd demands a client certificate";
  EXPECT_TRUE(std::get<etcd_error>(refused).transport) << std::get<etcd_error>(refused).message;
}

TEST_F(EtcdTls, AKeyThatDoesNotMatchTheCertificateIsAStartupError) {
  etcd_options o;
  o.endpoints = {"https://127.0.0.1:" + std::to_string(tls_port_)};
  o.tls.ca_file = (dir_ / "certs" / "ca.pem").string();
  o.tls.cert_file = (dir_ / "certs" / "client.pem").string();
  o.tls.key_file = (dir_ / "certs" / "server.key").string();
  try {
    etcd_client c(ioc_.get_executor(), o);
    ADD_FAILURE() << "a mismatched key was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("does not match the certificate"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace refreshd::coord
