#pragma once
// The replica's coordination (docs/COORDINATION.md), bound to the runtime as its `ownership`:
// through etcd (the collections sharded over the replicas) or a Kubernetes Lease (one leader
// drives everything), with their log lines.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <refreshd/config/config.hpp>
#include <refreshd/daemon/pause_store.hpp>
#include <refreshd/net/asio.hpp>
#include <refreshd/runtime/ownership.hpp>
#include <refreshd/runtime/spawn.hpp>

namespace refreshd::daemon {

/// The host name, "-" and the process id: unique among replicas on one or several hosts.
std::string default_replica_id();

class replica_coordination : public ownership {
 public:
  /// nullptr without `coordination:`. Throws config::token_error (the etcd password) and
  /// std::invalid_argument (an endpoint, a TLS file, the service account's files).
  static std::shared_ptr<replica_coordination> create(executor ex, const config::config& cfg);

  /// The configured collections to share: at start and after each reload.
  virtual void set_collections(const config::config& cfg) = 0;
  /// Starts coordinating; `gained` gets the collections this replica starts to drive.
  virtual void start(std::function<void(const std::vector<std::string>&)> gained) = 0;
  /// Where the replicas keep pauses (docs/OPERATIONS.md "Pause"): etcd; nullptr for a backend
  /// without shared storage (the Kubernetes Lease: the state file is used).
  virtual pause_store* pauses() { return nullptr; }
  /// With pauses(): every change of the stored pauses (the first before any claim), set before
  /// start().
  std::function<void(pause_book)> on_pauses;
  /// Gives up what it holds (the others take over at once); `done` runs when that was said, or
  /// could not be.
  void stop(std::function<void()> done);

 protected:
  /// Runs the backend's loop as a task holding `keep`; stop() asks it to end with `end`.
  template <class Keep>
  void run_loop(executor ex, awaitable<void> loop, const char* what, Keep keep,
                std::function<void()> end) {
    end_ = std::move(end);
    started_ = true;
    spawn_task(std::move(ex), std::move(loop), what, std::move(keep), [this] { loop_ended(); });
  }
  /// A claim or a release (or the lead gained or lost): /status shows when.
  void note_handoff();
  [[nodiscard]] const std::optional<wall_time>& last_handoff() const noexcept {
    return last_handoff_;
  }

 private:
  void loop_ended();

  std::function<void()> end_;
  std::function<void()> done_;
  std::optional<wall_time> last_handoff_;
  bool started_ = false;
  bool finished_ = false;
};

/// Every configured collection's key ("cluster/database/name").
std::vector<std::string> collection_keys(const config::config& cfg);

/// run --once under etcd coordination: the pauses the replicas keep in etcd, read once (on an
/// io_context of its own); nullopt without etcd coordination. Throws std::runtime_error when
/// etcd does not answer, config::token_error for the password.
std::optional<pause_book> read_shared_pauses(const config::config& cfg);

}  // namespace refreshd::daemon
