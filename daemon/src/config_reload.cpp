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
#include <refreshd/config/token.hpp>
#include <refreshd/daemon/config_reload.hpp>
#include <refreshd/log/logging.hpp>
#include <refreshd/runtime/runtime_log.hpp>

namespace refreshd::daemon {

namespace {

/// A hash of the file's content or, when it cannot be read, of why.
std::size_t content_hash(const std::filesystem::path& path, std::size_t max_bytes,
                         const char* what) {
  // Bounded and non-blocking: a FIFO or /dev/zero put in the file's place is refused here (the
  // reload then reports why, naming the file), never waited on or read without end.
  try {
    return std::hash<std::string>{}(config::read_bounded_regular_file(path, max_bytes, what));
  } catch (const config::file_read_error& e) {
    return std::hash<std::string>{}(e.what()) ^ 0x9e3779b97f4a7c15U;
  }
}

}  // namespace

std::vector<watched_file> files_named_by(const config::config& c) {
  std::vector<watched_file> out;
  std::set<std::filesystem::path> seen;
  const auto add = [&](const std::string& path, std::size_t max_bytes, std::string what) {
    if (!path.empty() && seen.insert(path).second) {
      out.push_back({path, max_bytes, std::move(what)});
    }
  };
  const auto add_token = [&](const config::token_source& t, const char* what) {
    if (t.kind == config::token_kind::file) {
      add(t.reference, config::max_token_file_size, what);
    }
  };
  add(c.listen_tls.cert_file, config::max_cert_file_size, "listen_tls.cert_file");
  add(c.listen_tls.key_file, config::max_key_file_size, "listen_tls.key_file");
  add(c.listen_tls.client_ca_file, config::max_ca_file_size, "listen_tls.client_ca_file");
  add_token(c.admin.token, "admin.token_file");
  add_token(c.read_auth.token, "read_auth.token_file");
  for (const auto& cl : c.clusters) {
    add_token(cl.token, "token_file");
    add(cl.tls.ca_file, config::max_ca_file_size, "tls.ca_file");
  }
  return out;
}

std::shared_ptr<config_reloader> config_reloader::create(executor ex, std::filesystem::path file,
                                                         hooks h, config_reload_options options) {
  return std::make_shared<config_reloader>(ex, std::move(file), std::move(h), options);
}

config_reloader::config_reloader(executor ex, std::filesystem::path file, hooks h,
                                 config_reload_options options)
    : ex_(ex),
      file_(std::move(file)),
      hooks_(std::move(h)),
      options_(options),
      wake_(ex),
      settle_(ex),
      check_timer_(ex) {}

std::vector<std::size_t> config_reloader::content_hashes() const {
  std::vector<std::size_t> out;
  out.reserve(1 + named_.size());
  out.push_back(content_hash(file_, config::max_config_size, "config file"));
  for (const auto& f : named_) {
    out.push_back(content_hash(f.path, f.max_bytes, f.what.c_str()));
  }
  return out;
}

std::string config_reloader::what_changed(const std::vector<std::size_t>& now) const {
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

void config_reloader::start(std::vector<watched_file> named) {
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
    net::co_spawn(ex_, std::move(work), [self = shared_from_this(), what](std::exception_ptr e) {
      log_task_failure(what, e);
    });
  };
  spawn(worker(), "config reload");
  if (inotify_) {
    spawn(watch_loop(), "config watch");
  }
  if (options_.check_interval.count() > 0) {
    spawn(check_loop(), "config check");
  }
}

void config_reloader::add_watches() {
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
  for (const int wd : watches_) {
    ::inotify_rm_watch(inotify_->native_handle(), wd);
  }
  watches_.clear();
  for (const auto& d : dirs) {
    const int wd = ::inotify_add_watch(inotify_->native_handle(), d.c_str(),
                                       IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE |
                                           IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF);
    if (wd >= 0) {
      watches_.push_back(wd);
    } else {
      log_fields f;
      f.add("directory", d.string()).add("error", std::strerror(errno));
      log_event(config::log_level::warn, "cannot watch the config directory", f);
    }
  }
}

void config_reloader::request(std::string why, bool force) {
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

void config_reloader::stop() {
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

awaitable<void> config_reloader::worker() {
  auto self = shared_from_this();
  while (!stopped_) {
    if (!pending_) {
      wake_.expires_at(net::steady_timer::time_point::max());
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
    reload_once(why, std::move(hashes));
  }
}

bool config_reloader::reload_once(const std::string& why, std::vector<std::size_t> hashes) {
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
  auto loaded = load_daemon_config(file_);
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
  return ok;
}

awaitable<void> config_reloader::watch_loop() {
  auto self = shared_from_this();
  alignas(inotify_event) std::array<char, 4096> buf{};
  while (!stopped_) {
    auto [ec, n] = co_await inotify_->async_read_some(net::buffer(buf), use_nothrow);
    if (ec || stopped_) {
      break;
    }
    bool rewatch = false;
    for (std::size_t at = 0; at + sizeof(inotify_event) <= n;) {
      const auto* ev = reinterpret_cast<const inotify_event*>(buf.data() + at);
      rewatch = rewatch || (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) != 0;
      at += sizeof(inotify_event) + ev->len;
    }
    if (rewatch) {
      add_watches();  // the directory itself went away or moved; the periodic check covers it
    }
    request("file changed", false);
  }
}

awaitable<void> config_reloader::check_loop() {
  auto self = shared_from_this();
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
