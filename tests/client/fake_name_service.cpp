#include "fake_name_service.hpp"

#include <algorithm>
#include <condition_variable>
#include <dlfcn.h>
#include <map>
#include <mutex>
#include <netdb.h>
#include <string_view>

namespace refreshd::test::fake_dns {
namespace {

// The test threads and the resolver threads share this state: a mutex is right here.
struct state {
  std::mutex m;
  std::condition_variable changed;
  std::map<std::string, int> calls;
  int blocked = 0;
  int max_blocked = 0;
  bool released = false;
};

state& the_state() {
  static state s;
  return s;
}

// A broken resolver must fail the test, not hang it: a hung call gives up after this.
constexpr auto safety_limit = std::chrono::seconds(20);

bool hangs(std::string_view host) {
  constexpr std::string_view suffix = ".hang.invalid";
  return host.size() > suffix.size() && host.ends_with(suffix);
}

using getaddrinfo_fn = int (*)(const char*, const char*, const addrinfo*, addrinfo**);

getaddrinfo_fn real_getaddrinfo() {
  static const auto fn = reinterpret_cast<getaddrinfo_fn>(dlsym(RTLD_NEXT, "getaddrinfo"));
  return fn;
}

int hang(const std::string& host) {
  state& s = the_state();
  std::unique_lock lock(s.m);
  ++s.calls[host];
  if (!s.released) {
    ++s.blocked;
    s.max_blocked = std::max(s.max_blocked, s.blocked);
    s.changed.notify_all();
    s.changed.wait_for(lock, safety_limit, [&] { return s.released; });
    --s.blocked;
    s.changed.notify_all();
  }
  return EAI_NONAME;
}

}  // namespace

int calls(const std::string& host) {
  state& s = the_state();
  std::lock_guard lock(s.m);
  const auto it = s.calls.find(host);
  return it == s.calls.end() ? 0 : it->second;
}

int blocked() {
  state& s = the_state();
  std::lock_guard lock(s.m);
  return s.blocked;
}

int max_blocked() {
  state& s = the_state();
  std::lock_guard lock(s.m);
  return s.max_blocked;
}

bool wait_blocked(int n, std::chrono::milliseconds limit) {
  state& s = the_state();
  std::unique_lock lock(s.m);
  return s.changed.wait_for(lock, limit, [&] { return s.blocked >= n; });
}

void release_all() {
  state& s = the_state();
  std::lock_guard lock(s.m);
  s.released = true;
  s.changed.notify_all();
}

bool wait_idle(std::chrono::milliseconds limit) {
  state& s = the_state();
  std::unique_lock lock(s.m);
  return s.changed.wait_for(lock, limit, [&] { return s.blocked == 0; });
}

void reset() {
  state& s = the_state();
  std::lock_guard lock(s.m);
  s.calls.clear();
  s.max_blocked = s.blocked;
  s.released = false;
}

}  // namespace refreshd::test::fake_dns

// Interposes on the C library's getaddrinfo for this executable only.
extern "C" int getaddrinfo(const char* node, const char* service, const addrinfo* hints,
                           addrinfo** res) {
  if (node != nullptr && refreshd::test::fake_dns::hangs(node)) {
    *res = nullptr;
    return refreshd::test::fake_dns::hang(node);
  }
  return refreshd::test::fake_dns::real_getaddrinfo()(node, service, hints, res);
}
