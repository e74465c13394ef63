#pragma once
// Private: host name lookups for the http_clients of one execution context.
//
// Asio's async_resolve runs getaddrinfo on one private thread per io_context, one query at a
// time, so a name server that never answers for one cluster's host queues every other cluster's
// lookups behind it, and nothing can interrupt the blocked call. Here each lookup runs on a
// short-lived thread of its own, never joined (a blocking getaddrinfo, through Asio's synchronous
// resolver on a private io_context) and posts its result back to the io_context, so the
// io_context thread never blocks and sees no locks:
//  - one lookup per host:port at a time: a second caller joins the lookup in progress;
//  - at most max_running_lookups at once: a further host fails at once (`refused`);
//  - an IP address is converted in place, without a lookup;
//  - the caller bounds its own wait (its timer); a caller that gave up is not woken, and a
//    result that no caller waits for any more is dropped (nothing is cached);
//  - a lookup that outlives its execution context posts nothing (the service's shutdown closes
//    the mailbox under the one mutex shared with the lookup threads);
//  - a getaddrinfo that never returns keeps its thread and its host:port slot for good: later
//    callers for that host join it and time out, other hosts are unaffected (up to the cap).

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include <refreshd/net/asio.hpp>

namespace refreshd::client::detail {

/// Lookups running at once per execution context (each a thread that may be blocked in a
/// hung getaddrinfo).
inline constexpr std::size_t max_running_lookups = 16;

struct lookup_result {
  boost::system::error_code ec;
  tcp::resolver::results_type results;
  bool refused = false;  ///< not looked up: max_running_lookups were running (ec: try again)
};

/// One caller's wait. The caller arms `timer` with its timeout and waits on it (cancelling it
/// wakes the caller early, e.g. on close); the lookup fills `result` and cancels the timer.
struct lookup_wait {
  explicit lookup_wait(const executor& ex) : timer(ex) {}
  net::steady_timer timer;
  std::optional<lookup_result> result;
};

/// Looks up host:port for `wait`, on the execution context of `ex`. Fills wait->result before
/// returning for an IP address or a refusal; otherwise later, on the io_context of `ex` (on `ex`
/// itself when it is not a plain io_context executor), when the lookup ends,
/// provided the caller still holds `wait`. Never blocks.
void start_lookup(const executor& ex, const std::string& host, const std::string& port,
                  const std::shared_ptr<lookup_wait>& wait);

}  // namespace refreshd::client::detail
