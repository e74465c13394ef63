#include <algorithm>
#include <array>
#include <climits>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>

#include <refreshd/config/token.hpp>
#include <refreshd/coord/coordinator.hpp>
#include <refreshd/coord/etcd_client.hpp>
#include <refreshd/coord/etcd_wire.hpp>
#include <refreshd/daemon/replica_coordination.hpp>
#include <refreshd/log/logging.hpp>
#include <refreshd/runtime/spawn.hpp>

#include "lease_coordination.hpp"

namespace refreshd::daemon {
namespace {

/// Pauses in etcd (docs/OPERATIONS.md "Pause"): PREFIX/pauses/<cluster/database/name>, one key
/// each, written by the replica asked and read by every replica (pause_sync).
class etcd_pause_store final : public pause_store {
 public:
  etcd_pause_store(coord::etcd_client& etcd, std::string prefix)
      : etcd_(etcd), prefix_(std::move(prefix)) {}
  awaitable<std::optional<std::string>> save(std::string key,
                                             std::optional<pause_record> r) override {
    ++saves_;
    ++in_flight_;
    const std::string at = prefix_ + key;
    std::optional<coord::etcd_error> error;
    // Requests named, not temporaries in the co_await (a g++ 12 coroutine bug frees those twice).
    if (r) {
      coord::put_request request{at, pause_record_json(*r), 0};
      auto put = co_await etcd_.put(std::move(request));
      if (auto* e = std::get_if<coord::etcd_error>(&put)) {
        error = *e;
      }
    } else {
      coord::delete_request request{at, {}};
      auto del = co_await etcd_.delete_range(std::move(request));
      if (auto* e = std::get_if<coord::etcd_error>(&del)) {
        error = *e;
      }
    }
    --in_flight_;
    if (error) {
      co_return "cannot save the pause in etcd: " + error->message;
    }
    co_return std::nullopt;
  }
  /// The stored pauses, or nullopt when etcd did not answer or a save ran meanwhile (its
  /// answer may predate the save).
  awaitable<std::optional<pause_book>> read() {
    const auto before = saves_;
    const bool busy = in_flight_ > 0;
    coord::range_request request = coord::prefix_range(prefix_);
    auto got = co_await etcd_.range(std::move(request));
    const auto* r = std::get_if<coord::range_result>(&got);
    if (r == nullptr || busy || in_flight_ > 0 || saves_ != before) {
      co_return std::nullopt;
    }
    pause_book book;
    for (const auto& kv : r->kvs) {
      const std::string key = kv.key.substr(prefix_.size());
      try {
        book.emplace(key, parse_pause_record(kv.value, "etcd key " + kv.key));
      } catch (const std::runtime_error& e) {
        log_fields f;
        f.add("error", e.what());
        log_event(config::log_level::warn, "pauses: an etcd key is not a pause; ignored", f);
      }
    }
    co_return book;
  }

 private:
  coord::etcd_client& etcd_;
  std::string prefix_;
  std::uint64_t saves_ = 0;      ///< saves started
  std::uint64_t in_flight_ = 0;  ///< saves not answered yet
};

/// Through etcd (docs/COORDINATION.md "Membership and ownership").
class etcd_coordination final : public replica_coordination,
                                public std::enable_shared_from_this<etcd_coordination> {
 public:
  etcd_coordination(executor ex, const config::coordination_settings& s, std::string password);
  pause_store* pauses() override { return &pauses_; }

  [[nodiscard]] bool owns(std::string_view key) const override;
  awaitable<bool> fence(std::string key) override;
  [[nodiscard]] coordination_status status() const override;
  void stopping() override { coordinator_.cancel_fences(); }
  void set_collections(const config::config& cfg) override;
  void start(std::function<void(const std::vector<std::string>&)> gained) override;

 private:
  /// Reads the pauses at once, then every pause_period until stopped.
  awaitable<void> pause_sync();
  awaitable<bool> read_pauses();  ///< false when etcd did not answer

  executor ex_;
  std::string replica_id_;
  coord::etcd_client etcd_;
  coord::coordinator coordinator_;
  etcd_pause_store pauses_;
  std::chrono::milliseconds pause_period_;
  net::steady_timer pause_timer_;
  std::optional<pause_book> seen_;
  bool stopping_pauses_ = false;
};

coord::etcd_options etcd_options(const config::etcd_settings& s, std::string password) {
  coord::etcd_options o;
  o.endpoints = s.endpoints;
  o.request_timeout = s.request_timeout;
  o.tls.ca_file = s.ca_file;
  o.tls.cert_file = s.cert_file;
  o.tls.key_file = s.key_file;
  o.username = s.username;
  o.password = std::move(password);
  return o;
}

/// The etcd password (file or variable), empty without a username.
std::string etcd_password(const config::etcd_settings& s) {
  return s.password.kind == config::token_kind::none
             ? std::string()
             : config::read_token(s.password, config::process_env());
}

coord::coordinator_options coordinator_options(const config::coordination_settings& s) {
  coord::coordinator_options o;
  o.prefix = s.etcd.prefix;
  o.replica_id = s.replica_id.empty() ? default_replica_id() : s.replica_id;
  o.ttl = std::chrono::duration_cast<std::chrono::seconds>(s.etcd.lease_ttl);
  // The lease's deadline (docs/COORDINATION.md "The lease"): a second before etcd could expire
  // it, or a third of the TTL when that is shorter.
  o.margin = std::min<std::chrono::milliseconds>(std::chrono::seconds(1), s.etcd.lease_ttl / 3);
  return o;
}

// One info line per sync for claims or releases, naming the first few; every key at debug.
void log_keys(const char* what, const std::vector<std::string>& keys) {
  constexpr std::size_t named = 5;
  log_fields f;
  f.add_number("collections", static_cast<std::int64_t>(keys.size()));
  std::string first;
  for (std::size_t i = 0; i < keys.size() && i < named; ++i) {
    first += (i == 0 ? "" : ", ") + keys[i];
  }
  f.add(keys.size() > named ? "first" : "keys", first);
  log_event(config::log_level::info, what, f);
  for (const auto& k : keys) {
    log_fields one;
    one.add("key", k);
    log_event(config::log_level::debug, what, one);
  }
}

}  // namespace

std::string default_replica_id() {
  std::array<char, HOST_NAME_MAX + 1> host{};
  if (::gethostname(host.data(), host.size() - 1) != 0 || host[0] == '\0') {
    std::copy_n("replica", 7, host.begin());
  }
  std::string id(host.data());
  // The id names an etcd key: keep it to the characters the config allows.
  std::replace_if(
      id.begin(), id.end(),
      [](char c) {
        return !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == '-');
      },
      '_');
  return id + "-" + std::to_string(::getpid());
}

std::vector<std::string> collection_keys(const config::config& cfg) {
  std::vector<std::string> keys;
  for (const auto& cl : cfg.clusters) {
    for (const auto& c : cl.collections) {
      keys.push_back(ownership_key(cl.name, *c.database, c.name));
    }
  }
  return keys;
}

std::shared_ptr<replica_coordination> replica_coordination::create(executor ex,
                                                                   const config::config& cfg) {
  if (!cfg.coordination.enabled) {
    return nullptr;
  }
  std::shared_ptr<replica_coordination> c;
  if (cfg.coordination.kubernetes_lease) {
    c = make_lease_coordination(std::move(ex), cfg.coordination);
  } else {
    c = std::make_shared<etcd_coordination>(std::move(ex), cfg.coordination,
                                            etcd_password(cfg.coordination.etcd));
  }
  c->set_collections(cfg);
  return c;
}

std::optional<pause_book> read_shared_pauses(const config::config& cfg) {
  if (!cfg.coordination.enabled || cfg.coordination.kubernetes_lease) {
    return std::nullopt;
  }
  // An io_context of its own, run until the answer only: the client's idle connection would
  // keep run() waiting; what is left is dropped with it.
  net::io_context ioc;
  coord::etcd_client etcd(ioc.get_executor(), etcd_options(cfg.coordination.etcd,
                                                           etcd_password(cfg.coordination.etcd)));
  etcd_pause_store store(etcd, cfg.coordination.etcd.prefix + "/pauses/");
  std::optional<pause_book> book;
  bool done = false;
  net::co_spawn(
      ioc,
      [&]() -> awaitable<void> {
        book = co_await store.read();
        done = true;
      },
      [&done](const std::exception_ptr&) { done = true; });
  while (!done && ioc.run_one() > 0) {
  }
  if (!book) {
    throw std::runtime_error("cannot read the pauses kept in etcd (" +
                             cfg.coordination.etcd.endpoints.front() +
                             ", ...): run --once leaves paused collections out, so it needs them");
  }
  return book;
}

etcd_coordination::etcd_coordination(executor ex, const config::coordination_settings& s,
                                     std::string password)
    : ex_(ex),
      replica_id_(coordinator_options(s).replica_id),
      etcd_(ex, etcd_options(s.etcd, std::move(password))),
      coordinator_(ex, etcd_,
                   [&] {
                     auto o = coordinator_options(s);
                     o.replica_id = replica_id_;
                     return o;
                   }()),
      pauses_(etcd_, s.etcd.prefix + "/pauses/"),
      pause_period_(
          std::max<std::chrono::milliseconds>(std::chrono::seconds(1), s.etcd.lease_ttl / 3)),
      pause_timer_(ex) {}

awaitable<bool> etcd_coordination::read_pauses() {
  auto book = co_await pauses_.read();
  if (!book) {
    co_return false;
  }
  if (book != seen_) {
    seen_ = *book;
    if (on_pauses) {
      on_pauses(std::move(*book));
    }
  }
  co_return true;
}

awaitable<void> etcd_coordination::pause_sync() {
  while (!stopping_pauses_) {
    pause_timer_.expires_after(pause_period_);
    co_await pause_timer_.async_wait(use_nothrow);
    if (!stopping_pauses_) {
      co_await read_pauses();
    }
  }
}

bool etcd_coordination::owns(std::string_view key) const {
  return coordinator_.owns(key, coord::coordinator::clock::now());
}

awaitable<bool> etcd_coordination::fence(std::string key) {
  auto self = shared_from_this();  // the frame may outlive the caller's reference
  co_return co_await coordinator_.fence(std::move(key));
}

coordination_status etcd_coordination::status() const {
  coordination_status s;
  s.backend = "etcd";
  s.replica_id = replica_id_;
  const auto& keeper = coordinator_.keeper();
  s.lease = keeper.lease();
  s.lease_valid = keeper.valid_lease(coord::coordinator::clock::now()) != 0;
  s.members = coordinator_.members().size();
  s.owned = s.lease_valid ? coordinator_.owned() : 0;
  s.lease_grants = static_cast<std::uint64_t>(keeper.grants());
  s.renewals = keeper.renewals();
  s.renewal_failures = keeper.renewal_failures();
  s.claims = coordinator_.claims();
  s.releases = coordinator_.releases();
  s.fence_refusals = coordinator_.fence_refusals();
  s.last_handoff = last_handoff();
  return s;
}

void etcd_coordination::set_collections(const config::config& cfg) {
  coordinator_.set_collections(collection_keys(cfg), config::dependency_groups(cfg));
}

void replica_coordination::note_handoff() {
  last_handoff_ =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

void replica_coordination::loop_ended() {
  finished_ = true;
  if (done_) {
    std::exchange(done_, {})();
  }
}

void replica_coordination::stop(std::function<void()> done) {
  if (!started_ || finished_) {
    done();
    return;
  }
  done_ = std::move(done);
  end_();
}

void etcd_coordination::start(std::function<void(const std::vector<std::string>&)> gained) {
  log_fields f;
  f.add("replica_id", replica_id_).add("etcd", etcd_.current_endpoint());
  log_event(config::log_level::info, "coordination: joining the replicas through etcd", f);
  coordinator_.on_claimed = [this, gained = std::move(gained)](const auto& keys) {
    note_handoff();
    log_keys("coordination: claimed collections", keys);
    gained(keys);
  };
  coordinator_.on_released = [this](const auto& keys) {
    note_handoff();
    log_keys("coordination: released collections (handed off)", keys);
  };
  coordinator_.on_lease_granted = [](std::int64_t id) {
    log_fields g;
    g.add("lease", std::to_string(id));
    log_event(config::log_level::info, "coordination: lease granted", g);
  };
  // A replica without a lease drives nothing: say why, once per distinct reason.
  coordinator_.on_lease_grant_failed = [last = std::string()](const std::string& why) mutable {
    if (why != last) {
      last = why;
      log_fields g;
      g.add("error", why);
      log_event(config::log_level::warn,
                "coordination: no lease from etcd (this replica drives nothing until it gets "
                "one); retrying every third of the TTL",
                g);
    }
  };
  coordinator_.on_lease_lost = [this](std::int64_t id, const std::string& why) {
    log_fields g;
    g.add("lease", std::to_string(id)).add("reason", why);
    g.add_number("collections", static_cast<std::int64_t>(coordinator_.owned()));
    log_event(config::log_level::warn,
              "coordination: lease lost; its collections are no longer driven here", g);
  };
  // The pauses are read before the first claim: a paused collection is never driven by mistake.
  run_loop(
      ex_,
      [](std::shared_ptr<etcd_coordination> self) -> awaitable<void> {
        // Until one read succeeds: claims wait for it (etcd down means no claims either).
        for (;;) {  // no co_await inside && (g++ 12)
          if (self->stopping_pauses_) {
            co_return;
          }
          const bool read = co_await self->read_pauses();
          if (read) {
            break;
          }
          self->pause_timer_.expires_after(std::chrono::seconds(1));
          co_await self->pause_timer_.async_wait(use_nothrow);
        }
        spawn_task(self->ex_, self->pause_sync(), "pause sync", self);
        co_await self->coordinator_.run();
      }(shared_from_this()),
      "coordination", shared_from_this(),
      [this] {
        stopping_pauses_ = true;
        pause_timer_.cancel();
        coordinator_.stop();
      });
}

}  // namespace refreshd::daemon
