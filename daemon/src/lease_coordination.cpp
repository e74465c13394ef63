#include "lease_coordination.hpp"

#include <cstdlib>
#include <stdexcept>

#include <refreshd/config/env.hpp>
#include <refreshd/config/token.hpp>
#include <refreshd/coord/lease_elector.hpp>
#include <refreshd/log/logging.hpp>
#include <refreshd/runtime/spawn.hpp>

namespace refreshd::daemon {
namespace {

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

// The in-cluster configuration, as client-go's rest.InClusterConfig reads it.
coord::kube_lease_options lease_options(const config::kubernetes_lease_settings& s) {
  coord::kube_lease_options o;
  o.name = s.name;
  o.token_file = s.service_account_dir + "/token";
  o.ca_file = s.service_account_dir + "/ca.crt";
  o.api_server = s.api_server;
  if (o.api_server.empty()) {
    const std::string host = env_or_empty("KUBERNETES_SERVICE_HOST");
    const std::string port = env_or_empty("KUBERNETES_SERVICE_PORT");
    if (host.empty() || port.empty()) {
      throw std::invalid_argument(
          "coordination.kubernetes_lease: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT "
          "are not set (not in a pod?): set api_server");
    }
    o.api_server =
        "https://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + port;
  }
  o.lease_namespace = s.lease_namespace;
  try {
    // Read like tokens (bounded, trailing whitespace dropped); the token is read again before
    // every request, this only says at startup when it is missing.
    const auto file = [](std::string path) {
      return config::token_source{config::token_kind::file, std::move(path), {}};
    };
    if (o.lease_namespace.empty()) {
      o.lease_namespace =
          config::read_token(file(s.service_account_dir + "/namespace"), config::process_env());
    }
    (void)config::read_token(file(o.token_file), config::process_env());
  } catch (const config::token_error& e) {
    throw std::invalid_argument(std::string("coordination.kubernetes_lease: ") + e.what());
  }
  o.request_timeout =
      std::max<std::chrono::milliseconds>(s.renew_deadline / 4, std::chrono::milliseconds(500));
  return o;
}

class lease_coordination final : public replica_coordination,
                                 public std::enable_shared_from_this<lease_coordination> {
 public:
  lease_coordination(executor ex, const config::coordination_settings& s)
      : ex_(ex),
        identity_(s.replica_id.empty() ? default_replica_id() : s.replica_id),
        api_(ex, lease_options(*s.kubernetes_lease)),
        elector_(ex, api_, identity_,
                 coord::election_timings{std::chrono::duration_cast<std::chrono::seconds>(
                                             s.kubernetes_lease->lease_duration),
                                         s.kubernetes_lease->renew_deadline,
                                         s.kubernetes_lease->retry_period}) {}

  [[nodiscard]] bool owns(std::string_view) const override {
    return elector_.leading(coord::lease_elector::clock::now());
  }
  awaitable<bool> fence(std::string) override {
    auto self = shared_from_this();
    co_return co_await elector_.confirm();
  }
  [[nodiscard]] coordination_status status() const override {
    coordination_status s;
    s.backend = "kubernetes_lease";
    s.replica_id = identity_;
    s.lease_valid = elector_.leading(coord::lease_elector::clock::now());
    s.owned = s.lease_valid ? keys_.size() : 0;
    s.lease_grants = elector_.acquired();
    s.renewals = elector_.renewals();
    s.renewal_failures = elector_.failures();
    s.claims = elector_.acquired();
    s.releases = elector_.lost();
    s.fence_refusals = elector_.refusals();
    s.last_handoff = last_handoff();
    return s;
  }
  void stopping() override { elector_.cancel_confirms(); }
  void set_collections(const config::config& cfg) override { keys_ = collection_keys(cfg); }

  void start(std::function<void(const std::vector<std::string>&)> gained) override {
    log_fields f;
    f.add("replica_id", identity_)
        .add("lease", api_.options().lease_namespace + "/" + api_.options().name)
        .add("api_server", api_.options().api_server);
    log_event(config::log_level::info, "coordination: standing for election (Kubernetes Lease)", f);
    elector_.on_started_leading = [this, gained = std::move(gained)] {
      note_handoff();
      log_fields g;
      g.add_number("collections", static_cast<std::int64_t>(keys_.size()));
      log_event(config::log_level::info, "coordination: leading; driving every collection", g);
      gained(keys_);
    };
    elector_.on_stopped_leading = [this](const std::string& why) {
      note_handoff();
      log_fields g;
      g.add("reason", why);
      log_event(config::log_level::warn, "coordination: no longer leading; standing by", g);
    };
    run_loop(ex_, elector_.run(), "leader election", shared_from_this(),
             [this] { elector_.stop(); });
  }

 private:
  executor ex_;
  std::string identity_;
  coord::kube_lease_client api_;
  coord::lease_elector elector_;
  std::vector<std::string> keys_;
};

}  // namespace

std::shared_ptr<replica_coordination> make_lease_coordination(
    executor ex, const config::coordination_settings& s) {
  return std::make_shared<lease_coordination>(std::move(ex), s);
}

}  // namespace refreshd::daemon
