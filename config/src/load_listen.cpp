// The listener's security keys (docs/HTTP.md): listen_tls and read_auth.
#include <algorithm>
#include <array>
#include <sys/stat.h>

#include <refreshd/config/file_read.hpp>

#include "files.hpp"
#include "raw.hpp"

namespace refreshd::config::detail {
namespace {

constexpr std::array<std::string_view, 3> listen_tls_keys{"cert_file", "key_file",
                                                          "client_ca_file"};
constexpr std::array<std::string_view, 2> read_auth_keys{"token_file", "basic_auth_users"};

bool bcrypt_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '/';
}

// $2a$/$2b$/$2y$, a two-digit cost 04..31, '$', 22 characters of salt and 31 of hash.
bool is_bcrypt_hash(std::string_view h) noexcept {
  if (h.size() != 60 || h[0] != '$' || h[1] != '2' || h[3] != '$' || h[6] != '$') {
    return false;
  }
  if (h[2] != 'a' && h[2] != 'b' && h[2] != 'y') {
    return false;
  }
  if (h[4] < '0' || h[4] > '3' || h[5] < '0' || h[5] > '9') {
    return false;
  }
  const int cost = (h[4] - '0') * 10 + (h[5] - '0');
  if (cost < 4 || cost > 31) {
    return false;
  }
  return std::all_of(h.begin() + 7, h.end(), bcrypt_char);
}

bool valid_user_name(std::string_view name) noexcept {
  return !name.empty() && name.size() <= 256 && name.find(':') == std::string_view::npos &&
         std::none_of(name.begin(), name.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// Returns whether the mapping named at least one user (valid or not).
bool read_users(reader& r, const entry& e, config& c) {
  if (e.value.IsNull()) {
    return false;
  }
  if (!e.value.IsMap()) {
    r.error(e.value_pos, e.path, "expected a mapping of user name to bcrypt hash");
    return true;
  }
  auto& users = c.read_auth.basic_auth_users;
  for (const auto& item : e.value) {
    const YAML::Node key = item.first;
    const YAML::Node value = item.second;
    const position key_pos = position_of(key, e.value_pos);
    if (!key.IsScalar() || !valid_user_name(key.Scalar())) {
      r.error(key_pos, e.path,
              "a user name must be 1..256 characters without ':' or control characters");
      continue;
    }
    const std::string& name = key.Scalar();
    const std::string path = join_path(e.path, short_key(name));
    const entry user{name, path, key_pos, value, position_of(value, key_pos)};
    if (std::any_of(users.begin(), users.end(),
                    [&](const basic_auth_user& u) { return u.name == name; })) {
      r.error(key_pos, path, "duplicate user " + quote_key(name));
      continue;
    }
    auto hash = r.string(user);
    if (!hash) {
      continue;
    }
    if (!is_bcrypt_hash(*hash)) {
      // Never quote it: a plain-text password is a common mistake here.
      r.error(user.value_pos, path,
              "not a bcrypt hash ($2b$<cost>$ and 53 characters); make one with "
              "htpasswd -nbBC 12 USER PASSWORD");
      continue;
    }
    users.push_back({name, secret_string(std::move(*hash))});
  }
  std::sort(users.begin(), users.end(),
            [](const basic_auth_user& a, const basic_auth_user& b) { return a.name < b.name; });
  return e.value.size() > 0;
}

}  // namespace

std::string read_tls_file(reader& r, const entry& e, std::size_t cap, std::string_view what) {
  auto file = r.string(e);
  if (!file || file->empty()) {
    if (file) {
      r.error(e.value_pos, e.path, "expected a file path, got an empty string");
    }
    return {};
  }
  std::string path = resolve_path(r.options().base_directory, *file);
  if (!r.options().check_files) {
    return path;
  }
  try {
    (void)read_bounded_regular_file(path, cap, what);
  } catch (const file_read_error& err) {
    r.error(e.value_pos, e.path, err.what());
    return path;
  }
  struct stat st {};
  if (e.key == "key_file" && ::stat(path.c_str(), &st) == 0 &&
      (st.st_mode & (S_IRGRP | S_IROTH)) != 0) {
    r.warning(e.value_pos, e.path,
              "key file " + path + " is readable by group or others (mode " +
                  format_mode(static_cast<unsigned>(st.st_mode) & 07777U) +
                  "); restrict it, e.g. chmod 600");
  }
  return path;
}

void read_listen_tls(reader& r, const entry& e, config& c) {
  listen_tls_settings& t = c.listen_tls;
  bool has_cert = false;
  bool has_key = false;
  for (const entry& k : r.entries(e.value, e.value_pos, e.path, listen_tls_keys)) {
    if (k.key == "cert_file") {
      has_cert = true;
      t.cert_file = read_tls_file(r, k, max_cert_file_size, "certificate file");
    } else if (k.key == "key_file") {
      has_key = true;
      t.key_file = read_tls_file(r, k, max_key_file_size, "key file");
    } else {
      t.client_ca_file = read_tls_file(r, k, max_ca_file_size, "client CA file");
    }
  }
  if (!e.value.IsDefined() || (!e.value.IsNull() && !e.value.IsMap())) {
    return;
  }
  if (!has_cert) {
    r.error(e.value_pos, join_path(e.path, "cert_file"),
            "missing required key 'cert_file' (listen_tls needs cert_file and key_file)");
  }
  if (!has_key) {
    r.error(e.value_pos, join_path(e.path, "key_file"),
            "missing required key 'key_file' (listen_tls needs cert_file and key_file)");
  }
}

void read_read_auth(reader& r, const entry& e, config& c) {
  bool any = false;  // a credential was named (valid or not)
  for (const entry& a : r.entries(e.value, e.value_pos, e.path, read_auth_keys)) {
    if (a.key == "token_file") {
      auto file = r.string(a);
      any = true;
      if (file && file->empty()) {
        r.error(a.value_pos, a.path, "expected a file path, got an empty string");
      } else if (file) {
        c.read_auth.token = {token_kind::file, token_file_path(r, a, *file), {}};
      }
    } else {
      any = read_users(r, a, c) || any;
    }
  }
  if (!any && (e.value.IsNull() || e.value.IsMap())) {
    r.error(e.value_pos, e.path,
            "read_auth needs token_file or basic_auth_users (remove read_auth to leave /metrics, "
            "/status and / open)");
  }
}

}  // namespace refreshd::config::detail
