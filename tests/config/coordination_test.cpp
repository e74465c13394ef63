// `coordination` (docs/COORDINATION.md "Configuration"): defaults, every check with its key path
// and position, files resolved against the config's directory, and no secret in a message.
#include <gtest/gtest.h>

#include "config_test_support.hpp"

namespace refreshd::config {
namespace {

std::string messages(const load_result& r) {
  return to_string(r.errors) + to_string(r.warnings, "warning: ");
}

load_result with(const std::string& section) {
  return test::load(test::with_top(section));
}

TEST(Coordination, AbsentMeansNoCoordination) {
  const load_result r = test::load(std::string(test::base_yaml));
  ASSERT_TRUE(r.ok()) << test::dump(r);
  EXPECT_FALSE(r.value->coordination.enabled);
}

TEST(Coordination, EtcdWithDefaults) {
  const load_result r = with(
      "coordination:\n"
      "  etcd:\n"
      "    endpoints: [http://127.0.0.1:2379, \"http://[::1]:2379\"]\n");
  ASSERT_TRUE(r.ok()) << test::dump(r);
  const auto& c = r.value->coordination;
  EXPECT_TRUE(c.enabled);
  EXPECT_EQ(c.replica_id, "");  // the daemon picks host name + "-" + pid
  EXPECT_EQ(c.etcd.endpoints,
            (std::vector<std::string>{"http://127.0.0.1:2379", "http://[::1]:2379"}));
  EXPECT_EQ(c.etcd.prefix, "/milvus-refreshd");
  EXPECT_EQ(c.etcd.lease_ttl, std::chrono::seconds(10));
  EXPECT_EQ(c.etcd.request_timeout, std::chrono::seconds(1));
  EXPECT_EQ(c.etcd.password.kind, token_kind::none);
}

TEST(Coordination, EveryKeyRead) {
  test::temp_dir dir;
  dir.write("ca.crt", "-----BEGIN CERTIFICATE-----\n");
  dir.write("client.crt", "-----BEGIN CERTIFICATE-----\n");
  dir.write("client.key", "-----BEGIN PRIVATE KEY-----\n");
  dir.write("etcd.password", "pw\n");
  load_options o = test::test_options();
  o.check_files = true;
  o.base_directory = dir.path();
  const load_result r = test::load(test::with_top("coordination:\n"
                                                  "  replica_id: ${HOST}-a\n"
                                                  "  etcd:\n"
                                                  "    endpoints: [https://etcd-0:2379]\n"
                                                  "    prefix: /team/refreshd\n"
                                                  "    lease_ttl: 6s\n"
                                                  "    request_timeout: 2s\n"
                                                  "    ca_file: ca.crt\n"
                                                  "    cert_file: client.crt\n"
                                                  "    key_file: client.key\n"
                                                  "    username: refreshd\n"
                                                  "    password_file: etcd.password\n"),
                                   [&] {
                                     load_options x = o;
                                     x.env = test::fake_env({{"TOKEN", "t"}, {"HOST", "node1"}});
                                     return x;
                                   }());
  ASSERT_TRUE(r.ok()) << test::dump(r);
  const auto& c = r.value->coordination;
  EXPECT_EQ(c.replica_id, "node1-a");
  EXPECT_EQ(c.etcd.prefix, "/team/refreshd");
  EXPECT_EQ(c.etcd.lease_ttl, std::chrono::seconds(6));
  EXPECT_EQ(c.etcd.request_timeout, std::chrono::seconds(2));
  EXPECT_EQ(c.etcd.ca_file, (dir.path() / "ca.crt").string());
  EXPECT_EQ(c.etcd.cert_file, (dir.path() / "client.crt").string());
  EXPECT_EQ(c.etcd.key_file, (dir.path() / "client.key").string());
  EXPECT_EQ(c.etcd.username, "refreshd");
  EXPECT_EQ(c.etcd.password.kind, token_kind::file);
  EXPECT_EQ(c.etcd.password.reference, (dir.path() / "etcd.password").string());
}

struct bad_case {
  const char* section;
  const char* expected;  // "LINE:COL: PATH: text" fragment
};

TEST(Coordination, BadValuesNameTheKeyAndWhy) {
  const bad_case cases[] = {
      {"coordination: {}\n",
       "9:15: coordination.etcd: coordination needs an etcd or a kubernetes_lease section"},
      {"coordination:\n  etcd: {}\n",
       "10:9: coordination.etcd.endpoints: missing required key 'endpoints'"},
      {"coordination:\n  etcd: {endpoints: []}\n", "at least one etcd endpoint is required"},
      {"coordination:\n  etcd: {endpoints: [etcd:2379]}\n", "coordination.etcd.endpoints[0]"},
      {"coordination:\n  etcd: {endpoints: [\"http://e:2379/v3\"]}\n",
       "an etcd endpoint has no path"},
      {"coordination:\n  etcd: {endpoints: [\"http://e:1\", \"http://e:1\"]}\n",
       "endpoints[1]: duplicate etcd endpoint"},
      {"coordination:\n  etcd: {endpoints: [\"http://e:1\"], prefix: refreshd}\n",
       "an etcd key prefix starts with '/'"},
      {"coordination:\n  etcd: {endpoints: [\"http://e:1\"], prefix: /a/}\n", "no trailing '/'"},
      {"coordination:\n  etcd: {endpoints: [\"http://e:1\"], lease_ttl: 1500ms}\n",
       "coordination.etcd.lease_ttl: an etcd lease TTL is whole seconds from 2s to 5m"},
      {"coordination:\n  etcd: {endpoints: [\"http://e:1\"], lease_ttl: 1s}\n", "from 2s to 5m"},
      {"coordination:\n  etcd: {endpoints: [\"http://e:1\"], lease_ttl: 6s, request_timeout: "
       "3s}\n",
       "coordination.etcd.request_timeout: request_timeout must be at most a third of lease_ttl"},
      {"coordination:\n  etcd: {endpoints: [\"http://e:1\"], username: u}\n",
       "coordination.etcd.username: a user name needs password_file or password_env"},
      {"coordination:\n  etcd: {endpoints: [\"http://e:1\"], password_env: PW}\n",
       "a password needs a username"},
      {"coordination:\n  etcd: {endpoints: [\"http://e:1\"], username: u, password_env: PW, "
       "password_file: f}\n",
       "only one of password_file and password_env may be set"},
      {"coordination:\n  etcd: {endpoints: [\"https://e:1\"], cert_file: c.crt}\n",
       "cert_file and key_file are set together"},
      {"coordination:\n  replica_id: a/b\n  etcd: {endpoints: [\"http://e:1\"]}\n",
       "10:15: coordination.replica_id: a replica id is 1..128 letters"},
      {"coordination:\n  etcd: {endpoints: [\"http://e:1\"]}\n  kubernetes_lease: {}\n",
       "coordination takes etcd or kubernetes_lease, not both"},
      {"coordination:\n  kubernetes_lease: {name: My_Lease}\n",
       "coordination.kubernetes_lease.name: a Kubernetes name is lower-case"},
      {"coordination:\n  kubernetes_lease: {lease_duration: 10s}\n",
       "lease_duration must exceed renew_deadline"},
      {"coordination:\n  kubernetes_lease: {retry_period: 9s}\n",
       "renew_deadline 1.2 x retry_period"},
      {"coordination:\n  kubernetes_lease: {lease_duration: 15500ms}\n",
       "a Lease's duration is whole seconds"},
      {"coordination:\n  kubernetes_lease: {api_server: \"http://k:6443\"}\n",
       "the API server is https://host[:port]"},
      {"coordination:\n  etcd: {endpoints: [\"http://e:1\"], endpoint: x}\n",
       "coordination.etcd.endpoint: unknown key"},
      {"coordination: [a]\n", "coordination: expected a mapping"},
  };
  for (const auto& c : cases) {
    const load_result r = with(c.section);
    EXPECT_FALSE(r.ok()) << c.section;
    EXPECT_NE(messages(r).find(c.expected), std::string::npos)
        << c.section << "\nwanted: " << c.expected << "\ngot:\n"
        << messages(r);
  }
}

TEST(Coordination, KubernetesLeaseWithClientGoDefaults) {
  const load_result r = with("coordination:\n  kubernetes_lease: {}\n");
  ASSERT_TRUE(r.ok()) << test::dump(r);
  ASSERT_TRUE(r.value->coordination.kubernetes_lease.has_value());
  const auto& l = *r.value->coordination.kubernetes_lease;
  EXPECT_EQ(l.name, "milvus-refreshd");
  EXPECT_EQ(l.lease_namespace, "");
  EXPECT_EQ(l.lease_duration, std::chrono::seconds(15));
  EXPECT_EQ(l.renew_deadline, std::chrono::seconds(10));
  EXPECT_EQ(l.retry_period, std::chrono::seconds(2));
  EXPECT_EQ(l.service_account_dir, "/var/run/secrets/kubernetes.io/serviceaccount");
  const load_result set = with(
      "coordination:\n  kubernetes_lease: {name: refreshd-leader, namespace: team-a, "
      "lease_duration: 4s, renew_deadline: 3s, retry_period: 500ms, api_server: "
      "\"https://127.0.0.1:6443\", service_account_dir: /tmp/sa}\n");
  ASSERT_TRUE(set.ok()) << test::dump(set);
  const auto& s = *set.value->coordination.kubernetes_lease;
  EXPECT_EQ(s.name, "refreshd-leader");
  EXPECT_EQ(s.lease_namespace, "team-a");
  EXPECT_EQ(s.retry_period, std::chrono::milliseconds(500));
  EXPECT_EQ(s.api_server, "https://127.0.0.1:6443");
  EXPECT_EQ(s.service_account_dir, "/tmp/sa");
}

TEST(Coordination, TlsFilesOnPlainHttpEndpointsAreAWarning) {
  const load_result r =
      with("coordination:\n  etcd: {endpoints: [\"http://e:1\"], ca_file: /etc/ssl/ca.crt}\n");
  ASSERT_TRUE(r.ok()) << test::dump(r);
  EXPECT_NE(messages(r).find("TLS settings have no effect on http:// etcd endpoints"),
            std::string::npos)
      << messages(r);
}

TEST(Coordination, ThePasswordNeverAppearsInAMessage) {
  const load_result r =
      test::load(test::with_top("coordination:\n  etcd: {endpoints: [\"http://e:1\"], username: u, "
                                "password_env: \"hunter2 secret\"}\n"));
  EXPECT_FALSE(r.ok());
  EXPECT_NE(messages(r).find("invalid environment variable name"), std::string::npos);
  const load_result unset =
      test::load(test::with_top("coordination:\n  etcd: {endpoints: [\"http://e:1\"], username: u, "
                                "password_env: PW}\n"),
                 [] {
                   load_options o = test::test_options();
                   o.check_files = true;
                   return o;
                 }());
  EXPECT_NE(messages(unset).find("environment variable PW is not set"), std::string::npos)
      << messages(unset);
}

}  // namespace
}  // namespace refreshd::config
