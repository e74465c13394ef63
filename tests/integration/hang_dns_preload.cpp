// Preloaded into the daemon by daemon_dns_test.cpp (LD_PRELOAD): a name server that never
// answers for names under .hang.invalid (reserved, RFC 2606) — getaddrinfo blocks for ever, like
// a resolver stuck on a dead DNS server — while every other name goes to the C library. The
// daemon binary is unchanged and runs its real resolution code; no test-only hook is needed.
#include <dlfcn.h>
#include <netdb.h>
#include <string_view>
#include <unistd.h>

extern "C" int getaddrinfo(const char* node, const char* service, const addrinfo* hints,
                           addrinfo** res) {
  constexpr std::string_view suffix = ".hang.invalid";
  if (node != nullptr && std::string_view(node).ends_with(suffix)) {
    for (;;) {
      pause();  // returns only after a signal handler ran; the process exit ends this thread
    }
  }
  using getaddrinfo_fn = int (*)(const char*, const char*, const addrinfo*, addrinfo**);
  static const auto real = reinterpret_cast<getaddrinfo_fn>(dlsym(RTLD_NEXT, "getaddrinfo"));
  return real(node, service, hints, res);
}
