#include "resolver.hpp"

#include <map>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/execution/context.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/query.hpp>

namespace refreshd::client::detail {
namespace {

using boost::system::error_code;

// Runs on a lookup thread: Asio's synchronous resolver calls getaddrinfo on the calling thread
// (only async_resolve uses the shared private thread), with the same flags and error codes.
lookup_result blocking_lookup(const std::string& host, const std::string& port) {
  lookup_result r;
  try {
    net::io_context local;
    tcp::resolver resolver(local);
    r.results = resolver.resolve(host, port, r.ec);
  } catch (const std::exception&) {
    r.ec = make_error_code(boost::system::errc::not_enough_memory);
  }
  return r;
}

// The only state a lookup thread shares with the io_context thread.
struct mailbox {
  std::mutex m;
  bool open = true;
};

class lookup_service final : public net::execution_context::service {
 public:
  static net::execution_context::id id;

  explicit lookup_service(net::execution_context& ctx) : net::execution_context::service(ctx) {}

  void start(const executor& ex, const std::string& host, const std::string& port,
             const std::shared_ptr<lookup_wait>& wait) {
    std::string name = host + ":" + port;
    if (auto it = running_.find(name); it != running_.end()) {
      // Callers that gave up on a long hang leave expired entries: keep the list short.
      std::erase_if(it->second, [](const auto& w) { return w.expired(); });
      it->second.push_back(wait);
      return;
    }
    if (running_.size() >= max_running_lookups) {
      wait->result = lookup_result{
          make_error_code(boost::system::errc::resource_unavailable_try_again), {}, true};
      return;
    }
    // Untracked: a hung lookup must not keep io_context::run() from returning. A plain
    // io_context executor (the project's) is a pointer the thread can drop at any time, even
    // after the context is gone; another executor (a strand) must outlive the lookup.
    executor home = net::prefer(ex, net::execution::outstanding_work.untracked);
    if (const auto* plain = ex.target<net::io_context::executor_type>()) {
      home = *plain;
    }
    try {
      std::thread(run, mailbox_, std::move(home), this, name, host, port).detach();
    } catch (const std::system_error&) {
      wait->result =
          lookup_result{make_error_code(boost::system::errc::resource_unavailable_try_again), {}};
      return;
    }
    running_[std::move(name)].push_back(wait);
  }

 private:
  // The lookup thread owns copies of everything it uses. `self` is dereferenced only by the
  // posted handler, which runs on the io_context before its services shut down.
  static void run(std::shared_ptr<mailbox> box, executor home, lookup_service* self,
                  std::string name, std::string host, std::string port) {
    lookup_result r = blocking_lookup(host, port);
    std::lock_guard lock(box->m);
    if (box->open) {
      net::post(home, [self, name = std::move(name), r = std::move(r)]() mutable {
        self->finish(name, std::move(r));
      });
    }
  }

  void finish(const std::string& name, lookup_result r) {
    auto it = running_.find(name);
    if (it == running_.end()) {
      return;
    }
    auto waits = std::move(it->second);
    running_.erase(it);
    for (const auto& weak : waits) {
      if (auto wait = weak.lock(); wait && !wait->result) {
        wait->result = r;
        wait->timer.cancel();
      }
    }
  }

  void shutdown() override {
    {
      std::lock_guard lock(mailbox_->m);
      mailbox_->open = false;
    }
    running_.clear();
  }

  std::shared_ptr<mailbox> mailbox_ = std::make_shared<mailbox>();
  std::map<std::string, std::vector<std::weak_ptr<lookup_wait>>> running_;
};

net::execution_context::id lookup_service::id;

}  // namespace

void start_lookup(const executor& ex, const std::string& host, const std::string& port,
                  const std::shared_ptr<lookup_wait>& wait) {
  error_code ec;
  const auto address = net::ip::make_address(host, ec);
  if (!ec) {
    const auto number = static_cast<unsigned short>(std::stoul(port));
    wait->result = lookup_result{
        {}, tcp::resolver::results_type::create(tcp::endpoint(address, number), host, port)};
    return;
  }
  auto& ctx = net::query(ex, net::execution::context_as<net::execution_context&>);
  net::use_service<lookup_service>(ctx).start(ex, host, port, wait);
}

}  // namespace refreshd::client::detail
