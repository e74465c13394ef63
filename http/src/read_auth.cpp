#include <cctype>
#include <crypt.h>
#include <cstring>

#include <openssl/crypto.h>

#include <refreshd/config/token.hpp>
#include <refreshd/http/http_route.hpp>
#include <refreshd/http/read_auth.hpp>
#include <refreshd/net/base64.hpp>

namespace refreshd::daemon {
namespace {

// The credentials of "<scheme> <value>" when the scheme matches (case-insensitive).
std::optional<std::string_view> scheme_value(std::string_view h, std::string_view scheme) {
  while (!h.empty() && (h.front() == ' ' || h.front() == '\t')) {
    h.remove_prefix(1);
  }
  if (h.size() <= scheme.size() || (h[scheme.size()] != ' ' && h[scheme.size()] != '\t')) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(h[i])) != scheme[i]) {
      return std::nullopt;
    }
  }
  h.remove_prefix(scheme.size());
  while (!h.empty() && (h.front() == ' ' || h.front() == '\t')) {
    h.remove_prefix(1);
  }
  while (!h.empty() && (h.back() == ' ' || h.back() == '\t')) {
    h.remove_suffix(1);
  }
  return h;
}

}  // namespace

bool bcrypt_matches(std::string_view password, const std::string& hash) {
  if (password.find('\0') != std::string_view::npos) {
    return false;
  }
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  const std::string pw(password);
  const char* out = ::crypt_r(pw.c_str(), hash.c_str(), data.get());
  const bool ok = out != nullptr && std::strlen(out) == hash.size() &&
                  CRYPTO_memcmp(out, hash.data(), hash.size()) == 0;
  OPENSSL_cleanse(data.get(), sizeof(crypt_data));
  return ok;
}

read_credentials::read_credentials(std::optional<config::secret_string> token,
                                   std::vector<config::basic_auth_user> users,
                                   std::function<clock::time_point()> now)
    : token_(std::move(token)), now_(std::move(now)) {
  for (auto& u : users) {
    users_.emplace(std::move(u.name), std::move(u.hash));
  }
}

read_verdict read_credentials::check(std::optional<std::string_view> authorization) {
  if (!authorization) {
    return read_verdict::missing;
  }
  if (const auto token = bearer_token(*authorization)) {
    if (!token_) {
      return read_verdict::wrong;
    }
    return constant_time_equal(*token, token_->reveal()) ? read_verdict::allowed
                                                         : read_verdict::wrong;
  }
  if (const auto basic = scheme_value(*authorization, "basic")) {
    return users_.empty() ? read_verdict::wrong : check_basic(*basic);
  }
  return read_verdict::missing;
}

read_verdict read_credentials::check_basic(std::string_view credentials) {
  const auto decoded = base64_decode(credentials, base64_padding::optional);
  if (!decoded) {
    return read_verdict::wrong;
  }
  const auto colon = decoded->find(':');
  if (colon == std::string::npos) {
    return read_verdict::wrong;
  }
  const std::string_view user = std::string_view(*decoded).substr(0, colon);
  const std::string_view password = std::string_view(*decoded).substr(colon + 1);
  const auto digest = sha256(password);  // nullopt (OpenSSL failed): no cache, bcrypt only
  const auto it = users_.find(user);
  if (it != users_.end() && digest) {
    if (const auto v = verified_.find(user);
        v != verified_.end() &&
        CRYPTO_memcmp(v->second.data(), digest->data(), digest->size()) == 0) {
      return read_verdict::allowed;
    }
  }
  if (!take_check_budget()) {
    return read_verdict::throttled;
  }
  // An unknown user is checked against another user's hash: the same bcrypt cost.
  const auto& hash = it != users_.end() ? it->second : users_.begin()->second;
  const bool ok = bcrypt_matches(password, hash.reveal()) && it != users_.end();
  if (!ok) {
    return read_verdict::wrong;
  }
  if (digest) {
    verified_[std::string(user)] = *digest;
  }
  return read_verdict::allowed;
}

bool read_credentials::take_check_budget() {
  const auto now = now_();
  if (now - window_start_ >= std::chrono::seconds(1)) {
    window_start_ = now;
    checks_in_window_ = 0;
  }
  if (checks_in_window_ >= max_checks_per_second) {
    return false;
  }
  ++checks_in_window_;
  return true;
}

std::vector<std::string> read_credentials::challenges() const {
  std::vector<std::string> out;
  if (token_) {
    out.emplace_back("Bearer realm=\"milvus-refreshd\"");
  }
  if (!users_.empty()) {
    out.emplace_back("Basic realm=\"milvus-refreshd\", charset=\"UTF-8\"");
  }
  return out;
}

std::shared_ptr<read_credentials> load_read_credentials(const config::config& cfg) {
  const auto& a = cfg.read_auth;
  if (!a.enabled()) {
    return nullptr;
  }
  std::optional<config::secret_string> token;
  if (a.token.kind != config::token_kind::none) {
    token = config::secret_string(config::read_token(a.token, config::process_env()));
  }
  return std::make_shared<read_credentials>(std::move(token), a.basic_auth_users);
}

}  // namespace refreshd::daemon
