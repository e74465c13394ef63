#pragma once
// The credentials guarding GET /metrics, /status and / (docs/HTTP.md, `read_auth`): a bearer token
// and/or HTTP basic-auth users with bcrypt hashes, checked with libcrypt's crypt_r as
// Prometheus' exporter-toolkit does. /healthz and /readyz are never guarded.

#include <array>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <refreshd/config/config.hpp>

namespace refreshd::daemon {

enum class read_verdict {
  allowed,
  missing,    ///< no Authorization header, or another scheme
  wrong,      ///< a bearer token or user/password that does not match
  throttled,  ///< too many uncached bcrypt checks this second: answer 429, check nothing
};

class read_credentials {
 public:
  using clock = std::chrono::steady_clock;
  /// Uncached bcrypt checks allowed per second, for every client together. bcrypt runs on the
  /// event loop; a verified password is cached (as a SHA-256 digest), so a scraper with the
  /// right password costs one check per reload.
  static constexpr int max_checks_per_second = 4;

  read_credentials(
      std::optional<config::secret_string> token, std::vector<config::basic_auth_user> users,
      std::function<clock::time_point()> now = [] { return clock::now(); });

  /// Checks an Authorization header value (nullopt: none sent). Bearer tokens are compared in
  /// constant time; basic-auth passwords with crypt_r against the user's hash (an unknown
  /// user costs the same bcrypt work, so timing does not tell which users exist).
  read_verdict check(std::optional<std::string_view> authorization);

  /// The WWW-Authenticate values of a 401: Bearer and/or Basic, realm "milvus-refreshd".
  std::vector<std::string> challenges() const;

  bool has_token() const noexcept { return token_.has_value(); }
  std::size_t user_count() const noexcept { return users_.size(); }

 private:
  read_verdict check_basic(std::string_view credentials);
  bool take_check_budget();

  std::optional<config::secret_string> token_;
  std::map<std::string, config::secret_string, std::less<>> users_;
  std::function<clock::time_point()> now_;
  /// user -> SHA-256 of the password last verified for it.
  std::map<std::string, std::array<unsigned char, 32>, std::less<>> verified_;
  clock::time_point window_start_{};
  int checks_in_window_ = 0;
};

/// The credentials of `cfg.read_auth`, or nullptr when read_auth is not configured. Reads the
/// token file (throws config::token_error naming the file, never the token).
std::shared_ptr<read_credentials> load_read_credentials(const config::config& cfg);

/// crypt_r(password, hash) equals hash (compared in constant time). False for a password
/// holding a NUL byte or a hash crypt_r rejects.
bool bcrypt_matches(std::string_view password, const std::string& hash);

}  // namespace refreshd::daemon
