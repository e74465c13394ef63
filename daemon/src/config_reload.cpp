// config_reload.hpp: the files a config names, content hashes, and the reloader over real_clock
// (its template bodies are config_reload_impl.hpp).
#include <set>

#include <refreshd/config/file_read.hpp>
#include <refreshd/config/token.hpp>
#include <refreshd/daemon/config_reload.hpp>

#include "config_reload_impl.hpp"

namespace refreshd::daemon {

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

template class basic_config_reloader<real_clock>;

}  // namespace refreshd::daemon
