#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <refreshd/config/file_read.hpp>
#include <refreshd/config/safe_text.hpp>
#include <refreshd/daemon/pause_store.hpp>
#include <refreshd/schedule/zone.hpp>

namespace refreshd::daemon {
namespace {

using json = nlohmann::json;

json record_json(const pause_record& r) {
  return {{"reason", r.reason},
          {"at", schedule::format_utc(r.at)},
          {"at_ms", r.at.time_since_epoch().count()},
          {"quarantined", r.quarantined}};
}

pause_record record_from(const json& v, const std::string& where) {
  const auto fail = [&](const std::string& why) -> pause_record {
    throw std::runtime_error(where + ": " + why);
  };
  if (!v.is_object()) {
    return fail("expected an object with reason, at_ms and quarantined");
  }
  pause_record r;
  const auto reason = v.find("reason");
  if (reason == v.end() || !reason->is_string()) {
    return fail("'reason' must be a string");
  }
  r.reason = reason->get<std::string>();
  if (r.reason.size() > max_pause_reason) {
    return fail("'reason' is longer than " + std::to_string(max_pause_reason) + " bytes");
  }
  const auto at = v.find("at_ms");
  if (at == v.end() || !at->is_number_integer()) {
    return fail("'at_ms' must be an integer (milliseconds since the epoch)");
  }
  r.at = wall_time(std::chrono::milliseconds(at->get<std::int64_t>()));
  const auto q = v.find("quarantined");
  if (q != v.end() && !q->is_boolean()) {
    return fail("'quarantined' must be true or false");
  }
  r.quarantined = q != v.end() && q->get<bool>();
  return r;
}

std::string errno_text(int e) {
  return std::strerror(e);
}

/// Writes all of `text` to `fd`; false with errno set on failure.
bool write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return false;
    }
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

// dump_json: a quarantine's reason holds the server's text, which may not be UTF-8.
std::string pause_record_json(const pause_record& r) {
  return dump_json(record_json(r));
}

std::string pause_book_json(const pause_book& book) {
  json paused = json::object();
  for (const auto& [key, r] : book) {
    paused[key] = record_json(r);
  }
  // Indented for people who open it; a reason that is not UTF-8 (a server's) is replaced.
  return json{{"version", 1}, {"paused", std::move(paused)}}.dump(2, ' ', false,
                                                                  json::error_handler_t::replace) +
         "\n";
}

pause_record parse_pause_record(std::string_view text, const std::string& what) {
  const json v = json::parse(text, nullptr, false);
  if (v.is_discarded()) {
    throw std::runtime_error(what + ": not valid JSON");
  }
  return record_from(v, what);
}

pause_book parse_pause_book(std::string_view text, const std::string& what) {
  const json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) {
    throw std::runtime_error(what + ": not valid JSON");
  }
  if (!doc.is_object() || doc.value("version", 0) != 1 || !doc.contains("paused") ||
      !doc["paused"].is_object()) {
    throw std::runtime_error(what + ": expected {\"version\": 1, \"paused\": {...}}");
  }
  pause_book book;
  for (const auto& [key, v] : doc["paused"].items()) {
    book.emplace(key, record_from(v, what + ": paused." + key));
  }
  return book;
}

file_pause_store::file_pause_store(std::filesystem::path dir) : dir_(std::move(dir)) {}

pause_book file_pause_store::load() {
  std::error_code ec;
  if (!std::filesystem::exists(file(), ec)) {
    book_.clear();
    return book_;  // nothing paused yet (or state_dir not created yet)
  }
  std::string text;
  try {
    text = config::read_bounded_regular_file(file(), max_pause_file, "state file");
  } catch (const config::file_read_error& e) {
    throw std::runtime_error(e.what());
  }
  book_ = parse_pause_book(text, "state file " + file().string());
  return book_;
}

awaitable<std::optional<std::string>> file_pause_store::save(std::string key,
                                                             std::optional<pause_record> r) {
  pause_book next = book_;
  if (r) {
    next[key] = std::move(*r);
  } else {
    next.erase(key);
  }
  if (auto error = write(next)) {
    co_return error;
  }
  book_ = std::move(next);
  co_return std::nullopt;
}

std::optional<std::string> file_pause_store::write(const pause_book& book) const {
  const auto fail = [this](const std::string& step, int e) {
    return std::optional<std::string>("cannot save the pause in " + dir_.string() + ": " + step +
                                      ": " + errno_text(e) +
                                      " (state_dir must be a directory the daemon can write)");
  };
  const std::string tmp = (dir_ / ".pauses.json.tmp").string();
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
  if (fd < 0) {
    return fail("create " + tmp, errno);
  }
  const std::string text = pause_book_json(book);
  if (!write_all(fd, text) || ::fsync(fd) != 0) {
    const int e = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return fail("write " + tmp, e);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), file().c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    return fail("rename to " + file().string(), e);
  }
  // The rename itself reaches the disk with the directory.
  if (const int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return std::nullopt;
}

}  // namespace refreshd::daemon
