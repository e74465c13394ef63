#pragma once
// Live reload of `run` (docs/DAEMON.md, "Reload"): what triggers a reload (SIGHUP, a change
// noticed by inotify on the directories of the config file and of the files it names, a periodic
// content check), how triggers coalesce, and the reload itself: load and validate the file, then
// hand the new config to the caller's apply function. An invalid file keeps the old config
// running.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/thread_pool.hpp>

#include <refreshd/config/config.hpp>
#include <refreshd/config/loader.hpp>
#include <refreshd/net/asio.hpp>
#include <refreshd/runtime/clock.hpp>

namespace refreshd::daemon {

/// A file the config in use names (token, CA, listener certificate and key files): its content
/// changing in place (a rotated certificate, a Kubernetes Secret update) reloads like a changed
/// config file, so the new bytes are read by the reload (docs/DAEMON.md, "Reload").
struct watched_file {
  std::filesystem::path path;
  std::size_t max_bytes = 0;  ///< the cap its reader applies (read_bounded_regular_file)
  std::string what;           ///< "tls.ca_file", "token file", ...

  bool operator==(const watched_file&) const = default;
};

/// The files `c` names, each once: cluster token files and tls.ca_file, admin.token_file,
/// read_auth.token_file, listen_tls cert_file, key_file and client_ca_file.
std::vector<watched_file> files_named_by(const config::config& c);

struct config_reload_options {
  /// After a trigger, wait this long for more (editors and `kubectl` write in several steps).
  std::chrono::milliseconds settle{200};
  /// The file's content is compared with the last one read this often (changes inotify cannot
  /// see: a symlinked file in another directory, network file systems). 0 disables.
  std::chrono::milliseconds check_interval{30000};
  /// Watch the directories with inotify (off: SIGHUP and the periodic check only).
  bool use_inotify = true;
};

/// What a reload calls.
struct config_reload_hooks {
  /// Applies a validated config; returns an error message (the old config stays) or nullopt.
  using apply_function =
      std::function<std::optional<std::string>(std::shared_ptr<const config::config>)>;

  apply_function apply;
  /// May a reload run now (the runtime finished reconciling)? Polled every 100 ms.
  std::function<bool()> can_apply;
  std::function<void()> reloading;             ///< sd_notify RELOADING=1
  std::function<void(bool applied)> reloaded;  ///< sd_notify READY=1
  std::function<void(bool ok)> result;         ///< metrics
};

/// `Clock`: real_clock in the daemon, the mock clock in tests (config_reload_mock.hpp): the
/// settle time, the can_apply poll and the periodic check run on it.
template <class Clock>
class basic_config_reloader : public std::enable_shared_from_this<basic_config_reloader<Clock>> {
 public:
  using hooks = config_reload_hooks;
  using timer_type = net::basic_waitable_timer<Clock>;

  static std::shared_ptr<basic_config_reloader> create(executor ex, std::filesystem::path file,
                                                       hooks h, config_reload_options options = {});

  /// Reads the file's current content, and that of `named` (files_named_by the config in use),
  /// as the ones in use and starts watching. After each applied reload the reloader watches the
  /// files the new config names.
  void start(std::vector<watched_file> named = {});
  /// A reload is wanted (`why`: "SIGHUP", "file changed"). Requests coalesce: any number of
  /// them while one is pending or running cause one more reload at most. `force`: reload even
  /// when the content did not change (SIGHUP).
  void request(std::string why, bool force);
  /// Stops watching; a reload in progress finishes its current step. Idempotent.
  void stop();
  /// Waits for a file being parsed off the loop (if any): call it after the io_context stopped
  /// and before it is destroyed, since the parser posts its result to it.
  void join_parser();

  std::uint64_t reloads() const noexcept { return reloads_; }
  std::uint64_t failures() const noexcept { return failures_; }

  basic_config_reloader(executor ex, std::filesystem::path file, hooks h,
                        config_reload_options options);  // use create()

 private:
  awaitable<void> worker();
  awaitable<void> watch_loop();
  awaitable<void> check_loop();
  void add_watches();
  /// `hashes`: content_hashes() as the caller just read them.
  awaitable<bool> reload_once(std::string why, std::vector<std::size_t> hashes);
  /// load_daemon_config(file_) on a thread of its own, the loop free meanwhile (docs/DAEMON.md
  /// "Reload": parsing takes a second or more at 100,000 collections).
  awaitable<config::load_result> load_off_the_loop();
  /// A hash of the content of the config file, then of each of named_, in that order; for a
  /// file that cannot be read (missing, a FIFO, a device, over the size cap), of why: an
  /// unreadable file is reported once, not on every file event.
  std::vector<std::size_t> content_hashes() const;
  /// Why `now` (content_hashes()) differs from the contents in use: "file changed" for the
  /// config file, else the first named file that changed ("tls.ca_file /x changed").
  std::string what_changed(const std::vector<std::size_t>& now) const;

  executor ex_;
  std::filesystem::path file_;
  hooks hooks_;
  config_reload_options options_;
  timer_type wake_;
  timer_type settle_;
  timer_type check_timer_;
  std::optional<net::posix::stream_descriptor> inotify_;
  /// The one thread that parses reloaded files, made at the first reload (an idle daemon has
  /// none).
  std::unique_ptr<net::thread_pool> parser_;
  /// Watched directory -> its inotify watch. Kept across reloads: removing and re-adding a
  /// watch queues an IN_IGNORED event, which must not start another round (docs/DAEMON.md
  /// "Reload").
  std::map<std::filesystem::path, int> watches_;
  std::vector<watched_file> named_;  ///< files the config in use names
  /// content_hashes() of the config in use, as last read by a reload (or at start).
  std::vector<std::size_t> hashes_;
  bool pending_ = false;
  bool force_ = false;
  std::string why_;
  bool stopped_ = false;
  std::uint64_t reloads_ = 0;
  std::uint64_t failures_ = 0;
};

extern template class basic_config_reloader<real_clock>;
using config_reloader = basic_config_reloader<real_clock>;

}  // namespace refreshd::daemon
