// The Kubernetes Lease client and the elector against fake-kube-api (tests/support: the Lease
// endpoints of an API server, written from the API's documented semantics, over TLS with a test
// CA; no real API server can be installed here). Checks: 404 then create, the optimistic
// concurrency of resourceVersion (a stale update gets 409), the bearer token re-read when it
// rotates, and two electors: one leads, the other takes over within the lease duration and a
// retry period of the leader's death, and a released Lease is taken at once.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <gtest/gtest.h>

#include <refreshd/coord/kube_lease_client.hpp>
#include <refreshd/coord/lease_elector.hpp>
#include <refreshd/test/child_process.hpp>

#include "../client/loopback_server.hpp"

namespace refreshd::coord {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::run_task;

class KubeLease : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("refreshd-kube-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    const auto made = test::run({"/bin/bash", REFRESHD_CERT_SCRIPT, (dir_ / "certs").string()});
    ASSERT_EQ(made.exit_code, 0) << made.err;
    write_token("token-1");
    api_ = std::make_unique<test::child_process>(std::vector<std::string>{
        REFRESHD_FAKE_KUBE_API_BINARY, (dir_ / "certs" / "server.pem").string(),
        (dir_ / "certs" / "server.key").string(), (dir_ / "token").string()});
    const auto line = api_->wait_for_err_line(
        [](std::string_view l) { return l.starts_with("listening on "); }, 10s);
    ASSERT_TRUE(line) << api_->err();
    url_ = line->substr(std::string_view("listening on ").size());
  }
  void TearDown() override {
    api_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void write_token(const std::string& t) const { std::ofstream(dir_ / "token") << t << "\n"; }

  kube_lease_options options() const {
    kube_lease_options o;
    o.api_server = url_;
    o.ca_file = (dir_ / "certs" / "ca.pem").string();
    o.token_file = (dir_ / "token").string();
    o.lease_namespace = "team-a";
    o.name = "milvus-refreshd";
    o.request_timeout = 2s;
    return o;
  }
  template <class T>
  T run(awaitable<T> a) {
    ioc_.restart();
    return run_task(ioc_, std::move(a));
  }

  fs::path dir_;
  std::string url_;
  std::unique_ptr<test::child_process> api_;
  net::io_context ioc_;
};

lease_spec spec_of(const std::string& holder) {
  lease_spec s;
  s.holder = holder;
  s.duration_seconds = 15;
  s.acquire_time = micro_time_now();
  s.renew_time = s.acquire_time;
  return s;
}

TEST_F(KubeLease, CreateReadAndAStaleUpdateIsAConflict) {
  kube_lease_client c(ioc_.get_executor(), options());
  auto none = run(c.get());
  ASSERT_TRUE(std::holds_alternative<std::optional<kube_lease>>(none))
      << std::get<kube_error>(none).message;
  EXPECT_FALSE(std::get<std::optional<kube_lease>>(none).has_value()) << "404: no Lease yet";
  auto created = run(c.create(spec_of("a")));
  ASSERT_TRUE(std::holds_alternative<kube_lease>(created)) << std::get<kube_error>(created).message;
  const auto first = std::get<kube_lease>(created);
  EXPECT_EQ(first.spec.holder, "a");
  EXPECT_FALSE(first.resource_version.empty());
  auto again = run(c.create(spec_of("b")));
  ASSERT_TRUE(std::holds_alternative<kube_error>(again));
  EXPECT_TRUE(std::get<kube_error>(again).conflict()) << "AlreadyExists";

  auto renewed = run(c.update(spec_of("a"), first.resource_version));
  ASSERT_TRUE(std::holds_alternative<kube_lease>(renewed));
  EXPECT_NE(std::get<kube_lease>(renewed).resource_version, first.resource_version);
  auto stale = run(c.update(spec_of("b"), first.resource_version));
  ASSERT_TRUE(std::holds_alternative<kube_error>(stale));
  EXPECT_TRUE(std::get<kube_error>(stale).conflict()) << std::get<kube_error>(stale).message;
  auto read = run(c.get());
  EXPECT_EQ(std::get<std::optional<kube_lease>>(read)->spec.holder, "a");
}

TEST_F(KubeLease, TheTokenIsReadAgainBeforeEveryRequest) {
  kube_lease_client c(ioc_.get_executor(), options());
  ASSERT_TRUE(std::holds_alternative<std::optional<kube_lease>>(run(c.get())));
  write_token("token-2");  // the API server and the kubelet rotate it together
  ASSERT_TRUE(std::holds_alternative<std::optional<kube_lease>>(run(c.get())));
  // A token the server no longer accepts: 401, and the message holds no token.
  std::ofstream(dir_ / "token") << "token-3\n";
  kube_lease_options stale = options();
  stale.token_file = (dir_ / "stale-token").string();
  std::ofstream(dir_ / "stale-token") << "token-2\n";
  kube_lease_client s(ioc_.get_executor(), stale);
  auto refused = run(s.get());
  ASSERT_TRUE(std::holds_alternative<kube_error>(refused));
  EXPECT_EQ(std::get<kube_error>(refused).status, 401);
  EXPECT_EQ(std::get<kube_error>(refused).message.find("token-"), std::string::npos);
}

TEST_F(KubeLease, OneLeaderAtATimeAndAStandbyTakesOverWithinTheLeaseDuration) {
  // Each candidate on its own io_context: "a dies" is a stops being run (no renewal, no release).
  const election_timings fast{2s, 1500ms, 300ms};
  net::io_context ioc_a;
  net::io_context ioc_b;
  kube_lease_client ca(ioc_a.get_executor(), options());
  kube_lease_client cb(ioc_b.get_executor(), options());
  lease_elector a(ioc_a.get_executor(), ca, "replica-a", fast);
  lease_elector b(ioc_b.get_executor(), cb, "replica-b", fast);
  net::co_spawn(ioc_a, a.run(), [](std::exception_ptr) {});
  const auto now = [] { return lease_elector::clock::now(); };
  ASSERT_TRUE(test::poll_until(
      [&] {
        ioc_a.run_for(20ms);
        return a.leading(now());
      },
      5s, 1ms))
      << "alone, a creates the Lease and leads";
  net::co_spawn(ioc_b, b.run(), [](std::exception_ptr) {});
  for (int i = 0; i < 50; ++i) {  // b stands by while a renews
    ioc_a.run_for(20ms);
    ioc_b.run_for(20ms);
    ASSERT_FALSE(b.leading(now())) << "two leaders";
  }
  EXPECT_TRUE(a.leading(now()));
  EXPECT_TRUE(run_task(ioc_a, a.confirm())) << "the fence of the leader";
  EXPECT_FALSE(run_task(ioc_b, b.confirm())) << "the fence of a standby";
  ioc_a.restart();
  ioc_b.restart();
  const auto died = now();  // a is never run again
  ASSERT_TRUE(test::poll_until(
      [&] {
        ioc_b.run_for(20ms);
        return b.leading(now());
      },
      10s, 1ms));
  const auto took = now() - died;
  EXPECT_GE(took, fast.lease_duration - 200ms) << "not before the lease could have expired";
  EXPECT_LE(took, fast.lease_duration + fast.retry_period + 500ms)
      << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
  EXPECT_FALSE(a.leading(now())) << "the dead leader's own deadline passed before that";
  EXPECT_EQ(b.acquired(), 1u);
  // A leader that stops releases the Lease: a standby takes it at its next attempt.
  lease_elector c(ioc_a.get_executor(), ca, "replica-c", fast);
  ioc_a.restart();
  net::co_spawn(ioc_a, c.run(), [](std::exception_ptr) {});
  b.stop();
  const auto released_at = now();
  ASSERT_TRUE(test::poll_until(
      [&] {
        ioc_b.run_for(10ms);
        ioc_a.run_for(20ms);
        return c.leading(now());
      },
      5s, 1ms));
  EXPECT_LT(now() - released_at, fast.lease_duration) << "a released Lease is taken at once";
  c.stop();
  ioc_a.run_for(500ms);
}

}  // namespace
}  // namespace refreshd::coord
