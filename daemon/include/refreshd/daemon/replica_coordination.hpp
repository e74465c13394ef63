#pragma once
// The replica's coordination through etcd (docs/COORDINATION.md): the etcd client and the
// coordinator, bound to the runtime as its `ownership`, with their log lines.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <refreshd/config/config.hpp>
#include <refreshd/coord/coordinator.hpp>
#include <refreshd/coord/etcd_client.hpp>
#include <refreshd/net/asio.hpp>
#include <refreshd/runtime/ownership.hpp>

namespace refreshd::daemon {

/// The host name, "-" and the process id: unique among replicas on one or several hosts.
std::string default_replica_id();

class replica_coordination final : public ownership,
                                   public std::enable_shared_from_this<replica_coordination> {
 public:
  /// nullptr without `coordination:`. Throws config::token_error (the password) and
  /// std::invalid_argument (an endpoint, a TLS file).
  static std::shared_ptr<replica_coordination> create(executor ex, const config::config& cfg);
  replica_coordination(executor ex, const config::coordination_settings& s, std::string password);

  [[nodiscard]] bool owns(std::string_view key) const override;
  awaitable<bool> fence(std::string key) override;
  [[nodiscard]] coordination_status status() const override;

  /// The configured collections to share: at start and after each reload.
  void set_collections(const config::config& cfg);
  /// Starts the lease, the membership and the claims; `gained` gets each sync's new claims.
  void start(std::function<void(const std::vector<std::string>&)> gained);
  /// Releases every claim and the lease (the others take over at once); `done` runs when etcd
  /// was told or could not be.
  void stop(std::function<void()> done);

 private:
  void note_handoff();

  executor ex_;
  std::string replica_id_;
  coord::etcd_client etcd_;
  coord::coordinator coordinator_;
  std::optional<wall_time> last_handoff_;
  std::function<void()> done_;
  bool started_ = false;
  bool finished_ = false;
};

}  // namespace refreshd::daemon
