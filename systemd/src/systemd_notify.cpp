#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include <systemd/sd-daemon.h>

#include <refreshd/systemd/systemd_notify.hpp>

namespace refreshd::daemon {

status_counts count_statuses(const collection_list& collections) {
  status_counts c;
  c.total = collections.size();
  for (const auto& col : collections) {
    ++c.by_status[static_cast<std::size_t>(col.state.current)];
  }
  return c;
}

std::string status_line(const status_counts& counts) {
  std::string out = std::to_string(counts.total) +
                    (counts.total == 1 ? " collection, " : " collections, ") +
                    std::to_string(counts.of(status::running)) + " running, " +
                    std::to_string(counts.of(status::failing)) + " failing";
  static const std::pair<status, const char*> optional_parts[] = {
      {status::stuck, "stuck"},
      {status::misconfigured, "misconfigured"},
      {status::unsupported, "unsupported"},
      {status::auth_failed, "auth failed"},
      {status::suspended, "suspended"},
      {status::paused, "paused"}};
  for (const auto& [s, label] : optional_parts) {
    if (const auto n = counts.of(s); n > 0) {
      out += ", " + std::to_string(n) + " " + label;
    }
  }
  return out;
}

notify_options notify_options_from_environment() {
  notify_options o;
  const char* socket = std::getenv("NOTIFY_SOCKET");
  o.enabled = socket != nullptr && *socket != '\0';
  std::uint64_t usec = 0;
  // > 0 only when $WATCHDOG_USEC is set and $WATCHDOG_PID (if set) names this process.
  if (o.enabled && sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    o.watchdog = std::chrono::microseconds(usec);
  }
  return o;
}

bool send_notification(const std::string& message) {
  static bool warned = false;
  const int r = sd_notify(0, message.c_str());
  if (r > 0) {
    return true;
  }
  // r == 0: $NOTIFY_SOCKET vanished from the environment; r < 0: -errno.
  log_fields f;
  f.add("error", r == 0 ? std::string("NOTIFY_SOCKET is not set") : std::strerror(-r));
  log_event(warned ? config::log_level::debug : config::log_level::warn, "sd_notify failed", f);
  warned = true;
  return false;
}

std::uint64_t monotonic_usec() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000U +
         static_cast<std::uint64_t>(ts.tv_nsec) / 1000U;
}

}  // namespace refreshd::daemon
