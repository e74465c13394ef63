// Endpoint URLs and listen addresses.
#include <gtest/gtest.h>

#include "config_test_support.hpp"

namespace refreshd::config {
namespace {

std::string with_endpoint(const std::string& endpoint) {
  return "version: 1\nclusters:\n  - name: a\n    endpoint: " + endpoint +
         "\n    token_env: TOKEN\n    collections: [{name: b, schedule: '@daily'}]\n";
}

class AcceptsEndpoint : public ::testing::TestWithParam<std::string> {};

TEST_P(AcceptsEndpoint, AsWritten) {
  const load_result r = test::load(with_endpoint(GetParam()));
  ASSERT_TRUE(r.ok()) << GetParam() << "\n" << test::dump(r);
  EXPECT_EQ(r.value->clusters[0].endpoint, GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    Table, AcceptsEndpoint,
    ::testing::Values("https://in01-abc.aws-us-west-2.vectordb.zillizcloud.com:19530",
                      "https://milvus.example.com", "http://127.0.0.1:19530",
                      "http://localhost:19530/", "https://m.example.com/api/milvus",
                      "HTTPS://M.EXAMPLE.COM", "http://[::1]:19530", "https://[fd00::1]",
                      "http://milvus_host:1", "https://m.example.com:65535"));

struct endpoint_error_case {
  std::string endpoint;
  std::string message;
};

class RejectsEndpoint : public ::testing::TestWithParam<endpoint_error_case> {};

TEST_P(RejectsEndpoint, AtTheValue) {
  const load_result r = test::load(with_endpoint(GetParam().endpoint));
  ASSERT_EQ(r.errors.size(), 1u) << GetParam().endpoint << "\n" << test::dump(r);
  const diagnostic& d = r.errors[0];
  EXPECT_EQ(d.line, 4);
  EXPECT_EQ(d.column, 15);
  EXPECT_EQ(d.path, "clusters[0].endpoint");
  EXPECT_NE(d.message.find(GetParam().message), std::string::npos) << d.message;
}

INSTANTIATE_TEST_SUITE_P(
    Table, RejectsEndpoint,
    ::testing::Values(
        endpoint_error_case{"milvus.example.com:19530", "http:// or https:// URL"},
        endpoint_error_case{"ftp://m.example.com", "http:// or https:// URL"},
        endpoint_error_case{"grpc://m:19530", "http:// or https:// URL"},
        endpoint_error_case{"\"\"", "http:// or https:// URL"},
        endpoint_error_case{"https://user:pw@m.example.com", "must not contain credentials"},
        endpoint_error_case{"https://token@m.example.com", "must not contain credentials"},
        endpoint_error_case{"https://m.example.com/?db=x", "query"},
        endpoint_error_case{"https://m.example.com#frag", "query"},
        endpoint_error_case{"https://", "invalid or empty host"},
        endpoint_error_case{"https://:19530", "invalid or empty host"},
        endpoint_error_case{"https://m.exa mple.com", "spaces"},
        endpoint_error_case{"https://m.example.com:0", "invalid port"},
        endpoint_error_case{"https://m.example.com:65536", "invalid port"},
        endpoint_error_case{"\"https://m.example.com:\"", "invalid port"},
        endpoint_error_case{"https://m.example.com:http", "invalid port"},
        endpoint_error_case{"https://[::1", "invalid or empty host"},
        endpoint_error_case{"https://[zz]:1", "invalid or empty host"},
        endpoint_error_case{"https://::1:19530", "invalid or empty host"},
        endpoint_error_case{"https://m!x.com", "invalid or empty host"}));

struct listen_case {
  std::string text;
  std::string host;
  int port;
};

class AcceptsListen : public ::testing::TestWithParam<listen_case> {};

TEST_P(AcceptsListen, HostAndPort) {
  const load_result r = test::load(test::with_top("listen: \"" + GetParam().text + "\""));
  ASSERT_TRUE(r.ok()) << test::dump(r);
  EXPECT_EQ(r.value->listen.host, GetParam().host);
  EXPECT_EQ(r.value->listen.port, GetParam().port);
  EXPECT_EQ(to_string(r.value->listen), GetParam().text);
}

INSTANTIATE_TEST_SUITE_P(Table, AcceptsListen,
                         ::testing::Values(listen_case{"127.0.0.1:9748", "127.0.0.1", 9748},
                                           listen_case{"0.0.0.0:80", "0.0.0.0", 80},
                                           listen_case{"localhost:0", "localhost", 0},
                                           listen_case{"[::]:9748", "::", 9748},
                                           listen_case{"[::1]:65535", "::1", 65535},
                                           listen_case{"metrics.local:9100", "metrics.local",
                                                       9100}));

class RejectsListen : public ::testing::TestWithParam<std::string> {};

TEST_P(RejectsListen, AtTheValue) {
  const load_result r = test::load(test::with_top("listen: \"" + GetParam() + "\""));
  ASSERT_EQ(r.errors.size(), 1u) << GetParam() << "\n" << test::dump(r);
  EXPECT_EQ(r.errors[0].path, "listen");
  EXPECT_EQ(r.errors[0].line, 9);
  EXPECT_EQ(r.errors[0].column, 9);
}

INSTANTIATE_TEST_SUITE_P(Table, RejectsListen,
                         ::testing::Values("9748", ":9748", "127.0.0.1", "127.0.0.1:", "host:-1",
                                           "host:65536", "::1:9748", "[::1]", "[::1]9748", "a b:1",
                                           "", "host:port"));

}  // namespace
}  // namespace refreshd::config
