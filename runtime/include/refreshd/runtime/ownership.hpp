#pragma once
// Which collections this replica drives (docs/COORDINATION.md "The runtime under
// coordination"). Set only with `coordination:`; without it the runtime drives every collection.
// The daemon binds it to the etcd coordinator; runtime tests hand it a double.
#include <string>
#include <string_view>

#include <refreshd/cycle/coordination_status.hpp>
#include <refreshd/net/asio.hpp>

namespace refreshd::daemon {

class ownership {
 public:
  ownership() = default;
  ownership(const ownership&) = delete;
  ownership& operator=(const ownership&) = delete;
  virtual ~ownership() = default;
  /// This replica may drive the collection now (claimed on a lease that is still valid).
  [[nodiscard]] virtual bool owns(std::string_view key) const = 0;
  /// Right before a trigger: the claim still holds in etcd. False on any doubt.
  virtual awaitable<bool> fence(std::string key) = 0;
  [[nodiscard]] virtual coordination_status status() const = 0;
  /// The runtime is shutting down: fences still waiting give up (they answer false).
  virtual void stopping() {}
};

/// A collection's key among the replicas: "cluster/database/name" (cluster names have no '/',
/// Milvus names neither).
std::string ownership_key(std::string_view cluster, std::string_view database,
                          std::string_view name);

}  // namespace refreshd::daemon
