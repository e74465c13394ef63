#pragma once
// basic_config_reloader's template bodies (config_reload.hpp), instantiated for real_clock in
// config_reload.cpp and for the mock clock in config_reload_mock.cpp.

#include <array>
#include <cerrno>
#include <cstring>
#include <set>
#include <sys/inotify.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>

#include <refreshd/config/diagnostic.hpp>
#include <refreshd/config/file_read.hpp>
#include <refreshd/config/load_config.hpp>
#include <refreshd/config/loader.hpp>
#include <refreshd/daemon/config_reload.hpp>
#include <refreshd/log/logging.hpp>
#include <refreshd/runtime/spawn.hpp>

namespace refreshd::daemon {

/// load_daemon_config(*file), as a coroutine for the parser's thread. The path is passed by
/// pointer: a lambda capturing it by value, given to co_spawn, was destroyed with an invalid
/// free of the path's short-string buffer under g++ 12 (valgrind, when the frame ended).
inline awaitable<config::load_result> parse_config(const std::filesystem::path* file) {
  co_return load_daemon_config(*file);
}

/// A hash of the file's content or, when it cannot be read, of why.
std::size_t content_hash(const std::filesystem::path& path, std::size_t max_bytes,
                         const char* what);

template <class Clock>
std::shared_ptr<basic_config_reloader<Clock>> basic_config_reloader<Clock>::create(
    executor ex, std::filesystem::path file, hooks h, config_reload_options options) {
  return std::make_shared<basic_config_reloader>(ex, std::move(file), std::move(h), options);
}

template <class Clock>
basic_config_reloader<Clock>::basic_config_reloader(executor ex, std::filesystem::path file,
                                                    hooks h, config_reload_options options)
    : ex_(ex),
      file_(std::move(file)),
      hooks_(std::move(h)),
      options_(options),
      wake_(ex),
      settle_(ex),
      check_timer_(ex) {}

template <class Clock>
std::vector<std::size_t> basic_config_reloader<Clock>::content_hashes() const {
  std::vector<std::size_t> out;
  out.reserve(1 + named_.size());
  out.push_back(content_hash(file_, config::max_config_size, "config file"));
  for (const auto& f : named_) {
    out.push_back(content_hash(f.path, f.max_bytes, f.what.c_str()));
  }
  return out;
}

template <class Clock>
std::string basic_config_reloader<Clock>::what_changed(const std::vector<std::size_t>& now) const {
  if (now.size() != hashes_.size() || now[0] != hashes_[0]) {
    return "file changed";
  }
  for (std::size_t i = 1; i < now.size(); ++i) {
    if (now[i] != hashes_[i]) {
      return named_[i - 1].what + " " + named_[i - 1].path.string() + " changed";
    }
  }
  return "file changed";
}

template <class Clock>
void basic_config_reloader<Clock>::start(std::vector<watched_file> named) {
  named_ = std::move(named);
  hashes_ = content_hashes();
  const int fd = options_.use_inotify ? ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC) : -2;
  if (fd == -2) {
    // inotify off: SIGHUP and the periodic check only.
  } else if (fd < 0) {
    log_fields f;
    f.add("error", std::strerror(errno));
    log_event(config::log_level::warn,
              "cannot watch the config file (inotify); relying on SIGHUP and the periodic check",
              f);
  } else {
    inotify_.emplace(ex_, fd);
    add_watches();
  }
  auto spawn = [this](awaitable<void> work, const char* what) {
    spawn_task(ex_, std::move(work), what, this->shared_from_this());
  };
  spawn(worker(), "config reload");
  if (inotify_) {
    spawn(watch_loop(), "config watch");
  }
  if (options_.check_interval.count() > 0) {
    spawn(check_loop(), "config check");
  }
}

template <class Clock>
void basic_config_reloader<Clock>::add_watches() {
  if (!inotify_) {
    return;
  }
  // For the config file and every file it names: the directory of the path as given (editors
  // that rename on save, the Kubernetes `..data` symlink swap) and, when the file is a symlink
  // elsewhere, the directory of its target.
  std::set<std::filesystem::path> dirs;
  const auto add_dirs_of = [&dirs](const std::filesystem::path& file) {
    std::error_code ec;
    const auto absolute = std::filesystem::absolute(file, ec);
    if (ec) {
      return;
    }
    dirs.insert(absolute.parent_path());
    const auto target = std::filesystem::canonical(absolute, ec);
    if (!ec) {
      dirs.insert(target.parent_path());
    }
  };
  add_dirs_of(file_);
  for (const auto& f : named_) {
    add_dirs_of(f.path);
  }
  // Only directories no longer needed lose their watch, and only new ones get one.
  for (auto it = watches_.begin(); it != watches_.end();) {
    if (dirs.contains(it->first)) {
      ++it;
    } else {
      ::inotify_rm_watch(inotify_->native_handle(), it->second);
      it = watches_.erase(it);
    }
  }
  for (const auto& d : dirs) {
    if (watches_.contains(d)) {
      continue;
    }
    const int wd = ::inotify_add_watch(inotify_->native_handle(), d.c_str(),
                                       IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE |
                                           IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF);
    if (wd >= 0) {
      watches_.emplace(d, wd);
    } else {
      log_fields f;
      f.add("directory", d.string()).add("error", std::strerror(errno));
      log_event(config::log_level::warn, "cannot watch the config directory", f);
    }
  }
}

template <class Clock>
void basic_config_reloader<Clock>::request(std::string why, bool force) {
  if (stopped_) {
    return;
  }
  if (!pending_) {
    why_ = std::move(why);
  }
  pending_ = true;
  force_ = force_ || force;
  wake_.cancel();
}

template <class Clock>
void basic_config_reloader<Clock>::stop() {
  if (stopped_) {
    return;
  }
  stopped_ = true;
  wake_.cancel();
  settle_.cancel();
  check_timer_.cancel();
  if (inotify_) {
    boost::system::error_code ignored;
    inotify_->close(ignored);
  }
}

template <class Clock>
void basic_config_reloader<Clock>::join_parser() {
  if (parser_) {
    parser_->join();
  }
}

template <class Clock>
awaitable<void> basic_config_reloader<Clock>::worker() {
  auto self = this->shared_from_this();
  while (!stopped_) {
    if (!pending_) {
      wake_.expires_at(Clock::time_point::max());
      co_await wake_.async_wait(use_nothrow);
      continue;
    }
    // Let a burst of triggers settle; requests meanwhile join this reload.
    settle_.expires_after(options_.settle);
    co_await settle_.async_wait(use_nothrow);
    while (!stopped_ && hooks_.can_apply && !hooks_.can_apply()) {
      settle_.expires_after(std::chrono::milliseconds(100));
      co_await settle_.async_wait(use_nothrow);
    }
    if (stopped_) {
      break;
    }
    std::string why = std::move(why_);
    const bool force = force_;
    pending_ = false;
    force_ = false;
    // A file event or the periodic check reloads only a changed content; SIGHUP always.
    auto hashes = content_hashes();
    if (!force && hashes == hashes_) {
      continue;
    }
    if (!force) {
      why += ": " + what_changed(hashes);
    }
    co_await reload_once(std::move(why), std::move(hashes));
  }
}

template <class Clock>
awaitable<config::load_result> basic_config_reloader<Clock>::load_off_the_loop() {
  if (!parser_) {
    parser_ = std::make_unique<net::thread_pool>(1);
  }
  // The parse shares nothing with the loop: the path is read (it does not change while this
  // coroutine waits; the reloader is held by worker()), the result comes back with the
  // resumption of this coroutine on the loop (no lock).
  co_return co_await net::co_spawn(parser_->get_executor(), parse_config(&file_),
                                   net::use_awaitable);
}

template <class Clock>
awaitable<bool> basic_config_reloader<Clock>::reload_once(std::string why,
                                                          std::vector<std::size_t> hashes) {
  ++reloads_;
  if (hooks_.reloading) {
    hooks_.reloading();
  }
  log_fields f;
  f.add("config", file_.string()).add("trigger", why);
  log_event(config::log_level::info, "reloading the configuration", f);
  hashes_ = std::move(hashes);
  std::optional<std::string> error;
  std::vector<watched_file> named;
  auto loaded = co_await load_off_the_loop();
  if (stopped_) {
    co_return false;  // shut down while the file was parsed: nothing is applied
  }
  if (!loaded.ok()) {
    for (const auto& d : loaded.errors) {
      log_fields g;
      g.add("config", file_.string());
      log_event(config::log_level::error, "reload: " + config::to_string(d), g);
    }
    error = std::to_string(loaded.errors.size()) + " error(s) in " + file_.string();
  } else {
    for (const auto& w : loaded.warnings) {
      log_event(config::log_level::warn, "reload: " + config::to_string(w));
    }
    named = files_named_by(*loaded.value);
    try {
      error = hooks_.apply(std::make_shared<const config::config>(std::move(*loaded.value)));
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  const bool ok = !error;
  if (ok) {
    // The new config's files are the ones in use now (read by the apply just done). A file that
    // changed between that read and this one is seen as unchanged until its next change or the
    // next SIGHUP: the window is the apply's few microseconds. After a failure the previous
    // config keeps its files, and the contents read before this attempt stay the ones in use,
    // so the same broken state is not retried on every file event.
    named_ = std::move(named);
    hashes_ = content_hashes();
  }
  add_watches();  // a symlinked file may point into another directory now
  if (ok) {
    log_event(config::log_level::info, "configuration reloaded", f);
  } else {
    ++failures_;
    f.add("error", *error);
    log_event(config::log_level::error, "reload failed; the previous configuration keeps running",
              f);
  }
  if (hooks_.result) {
    hooks_.result(ok);
  }
  if (hooks_.reloaded) {
    hooks_.reloaded(ok);
  }
  co_return ok;
}

template <class Clock>
awaitable<void> basic_config_reloader<Clock>::watch_loop() {
  auto self = this->shared_from_this();
  alignas(inotify_event) std::array<char, 4096> buf{};
  while (!stopped_) {
    auto [ec, n] = co_await inotify_->async_read_some(net::buffer(buf), use_nothrow);
    if (ec || stopped_) {
      break;
    }
    bool rewatch = false;
    for (std::size_t at = 0; at + sizeof(inotify_event) <= n;) {
      const auto* ev = reinterpret_cast<const inotify_event*>(buf.data() + at);
      if ((ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) != 0) {
        // The watch of a directory in use is gone (the directory was deleted or moved): watch
        // its path again. The IN_IGNORED of a watch removed here is not in watches_ any more.
        const auto erased =
            std::erase_if(watches_, [wd = ev->wd](const auto& w) { return w.second == wd; });
        if (erased > 0 && (ev->mask & IN_MOVE_SELF) != 0) {
          ::inotify_rm_watch(inotify_->native_handle(), ev->wd);  // it follows the moved inode
        }
        rewatch = rewatch || erased > 0;
      }
      at += sizeof(inotify_event) + ev->len;
    }
    if (rewatch) {
      add_watches();  // the directory itself went away or moved; the periodic check covers it
    }
    request("file changed", false);
  }
}

template <class Clock>
awaitable<void> basic_config_reloader<Clock>::check_loop() {
  auto self = this->shared_from_this();
  while (!stopped_) {
    check_timer_.expires_after(options_.check_interval);
    co_await check_timer_.async_wait(use_nothrow);
    if (stopped_) {
      break;
    }
    if (watches_.empty()) {
      add_watches();
    }
    if (content_hashes() != hashes_) {
      request("periodic check: file changed", false);
    }
  }
}

}  // namespace refreshd::daemon
