// read_auth (docs/HTTP.md): /metrics, /status and / need a bearer token or a basic-auth user with a
// bcrypt hash; /healthz and /readyz stay open; the admin endpoint keeps its own token. The
// hashes are made here with libcrypt (crypt_gensalt_rn + crypt_r), cost 4 to stay fast.
#include <crypt.h>
#include <cstring>

#include <nlohmann/json.hpp>

#include <refreshd/http/http_api.hpp>
#include <refreshd/http/read_auth.hpp>
#include <refreshd/runtime/runtime_mock.hpp>

#include "http_fixture.hpp"

namespace refreshd::daemon::test_http {
namespace {

using mock_api = http_api;

std::string bcrypt_hash(const std::string& password) {
  char salt[64] = {};
  EXPECT_NE(::crypt_gensalt_rn("$2b$", 4, nullptr, 0, salt, sizeof salt), nullptr);
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  const char* h = ::crypt_r(password.c_str(), salt, data.get());
  EXPECT_NE(h, nullptr);
  return h == nullptr ? std::string() : std::string(h);
}

std::string basic(std::string_view user_password) {
  static constexpr char table[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out = "Basic ";
  unsigned bits = 0;
  int count = 0;
  for (unsigned char c : user_password) {
    bits = (bits << 8U) | c;
    count += 8;
    while (count >= 6) {
      count -= 6;
      out += table[(bits >> static_cast<unsigned>(count)) & 0x3FU];
    }
  }
  if (count > 0) {
    out += table[(bits << static_cast<unsigned>(6 - count)) & 0x3FU];
  }
  while ((out.size() - 6) % 4 != 0) {
    out += '=';
  }
  return out;
}

std::vector<std::string> headers(const api_response& r, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [k, v] : r.headers) {
    if (k == name) {
      out.push_back(v);
    }
  }
  return out;
}

class ReadAuth : public runtime_fixture {
 protected:
  void make_api(std::optional<std::string> token, std::vector<config::basic_auth_user> users) {
    http_api_options o;
    o.admin_token = config::secret_string("s3cret-admin");
    o.metrics = fixed_metrics("up 1\n");
    std::optional<config::secret_string> t;
    if (token) {
      t = config::secret_string(*token);
    }
    creds_ =
        std::make_shared<read_credentials>(std::move(t), std::move(users), [this] { return now_; });
    o.read_auth = creds_;
    cluster(1);
    start();
    api_ = std::make_unique<mock_api>(rt_, std::move(o));
  }
  api_response get(std::string target, std::optional<std::string> authorization,
                   std::string method = "GET") {
    auto r = api_->handle(api_request{std::move(method), std::move(target), authorization});
    EXPECT_TRUE(r.has_value());
    return r.value_or(api_response{});
  }
  std::unique_ptr<mock_api> api_;
  std::shared_ptr<read_credentials> creds_;
  read_credentials::clock::time_point now_{std::chrono::seconds(100)};
};

TEST_F(ReadAuth, GuardedPathsAre401WithWwwAuthenticateWithoutCredentials) {
  make_api("read-token", {{"prometheus", config::secret_string(bcrypt_hash("pw"))}});
  for (const std::string path : {"/metrics", "/status", "/", "/status?limit=1"}) {
    const auto r = get(path, std::nullopt);
    EXPECT_EQ(r.status, 401) << path;
    EXPECT_EQ(headers(r, "WWW-Authenticate"),
              (std::vector<std::string>{"Bearer realm=\"milvus-refreshd\"",
                                        "Basic realm=\"milvus-refreshd\", charset=\"UTF-8\""}))
        << path;
    EXPECT_EQ(r.body.find("metrics"), std::string::npos) << path;
  }
  EXPECT_EQ(get("/metrics", std::nullopt, "POST").status, 401) << "auth before the method";
}

TEST_F(ReadAuth, WrongCredentialsAre401AndNeverEchoed) {
  make_api("read-token", {{"prometheus", config::secret_string(bcrypt_hash("pw"))}});
  for (const std::string& a :
       std::vector<std::string>{"Bearer read-tokem", "Bearer read-token-and-more", "Bearer",
                                "Token read-token", basic("prometheus:wrong"), basic("nobody:pw"),
                                basic("prometheus"), "Basic !!!notbase64", "Bearer s3cret-admin"}) {
    const auto r = get("/metrics", a);
    EXPECT_EQ(r.status, 401) << a;
    EXPECT_FALSE(headers(r, "WWW-Authenticate").empty()) << a;
    EXPECT_EQ(r.body.find("read-tok"), std::string::npos);
  }
}

TEST_F(ReadAuth, BearerAndBasicAreBothAccepted) {
  make_api("read-token", {{"prometheus", config::secret_string(bcrypt_hash("pa:ss word"))}});
  auto r = get("/metrics", "Bearer read-token");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(whole_body(r), "up 1\n");
  EXPECT_EQ(get("/status", "bearer  read-token ").status, 200);
  EXPECT_EQ(get("/", basic("prometheus:pa:ss word")).status, 200);
  // The second time the verified password comes from the cache (no budget used).
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(get("/metrics", basic("prometheus:pa:ss word")).status, 200);
  }
}

TEST_F(ReadAuth, OnlyTheConfiguredSchemeIsAccepted) {
  make_api(std::nullopt, {{"prometheus", config::secret_string(bcrypt_hash("pw"))}});
  auto r = get("/metrics", "Bearer anything");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(headers(r, "WWW-Authenticate"),
            (std::vector<std::string>{"Basic realm=\"milvus-refreshd\", charset=\"UTF-8\""}));
  EXPECT_EQ(get("/metrics", basic("prometheus:pw")).status, 200);
}

TEST_F(ReadAuth, ProbesStayOpen) {
  make_api("read-token", {});
  EXPECT_EQ(get("/healthz", std::nullopt).status, 200);
  EXPECT_EQ(get("/readyz", std::nullopt).status, 200);
  EXPECT_EQ(get("/healthz", "Bearer wrong").status, 200);
  EXPECT_EQ(get("/nope", std::nullopt).status, 404);
}

TEST_F(ReadAuth, AdminKeepsItsOwnToken) {
  make_api("read-token", {});
  const std::string path = "/v1/collections/prod/default/ext_0/refresh";
  auto r = api_->handle(api_request{"POST", path, "Bearer read-token"});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 403) << "the read token is not the admin token";
  r = api_->handle(api_request{"POST", path, std::nullopt});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 401);
  EXPECT_FALSE(api_->handle(api_request{"POST", path, "Bearer s3cret-admin"}).has_value())
      << "the admin token alone is enough for the admin endpoint";
}

TEST_F(ReadAuth, UncachedPasswordChecksAreThrottled) {
  make_api(std::nullopt, {{"prometheus", config::secret_string(bcrypt_hash("pw"))}});
  EXPECT_EQ(get("/metrics", basic("prometheus:pw")).status, 200);  // cached from now on
  for (int i = 1; i < read_credentials::max_checks_per_second; ++i) {
    EXPECT_EQ(get("/metrics", basic("prometheus:guess")).status, 401);
  }
  auto r = get("/metrics", basic("prometheus:guess"));
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(headers(r, "Retry-After"), std::vector<std::string>{"1"});
  EXPECT_EQ(get("/metrics", basic("prometheus:pw")).status, 200) << "the cached password";
  now_ += std::chrono::seconds(1);
  EXPECT_EQ(get("/metrics", basic("prometheus:guess")).status, 401);
}

TEST_F(ReadAuth, SwappedCredentialsApplyToTheNextRequest) {
  make_api("old-token", {});
  EXPECT_EQ(get("/metrics", "Bearer old-token").status, 200);
  api_->set_read_auth(std::make_shared<read_credentials>(config::secret_string("new-token"),
                                                         std::vector<config::basic_auth_user>{}));
  EXPECT_EQ(get("/metrics", "Bearer old-token").status, 401);
  EXPECT_EQ(get("/metrics", "Bearer new-token").status, 200);
  api_->set_read_auth(nullptr);
  EXPECT_EQ(get("/metrics", std::nullopt).status, 200);
}

TEST_F(ReadAuth, PageCarriesAStrictContentSecurityPolicy) {
  make_api("t", {});
  const auto r = get("/", "Bearer t");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(headers(r, "Content-Security-Policy"),
            std::vector<std::string>{std::string(status_page_csp)});
  EXPECT_NE(status_page_csp.find("default-src 'none'"), std::string_view::npos);
  EXPECT_EQ(r.body.find("<script"), std::string::npos);
}

TEST(BcryptMatches, ChecksWithCryptR) {
  const std::string h = bcrypt_hash("secret");
  EXPECT_TRUE(bcrypt_matches("secret", h));
  EXPECT_FALSE(bcrypt_matches("secreT", h));
  EXPECT_FALSE(bcrypt_matches(std::string_view("secret\0x", 8), h));
  EXPECT_FALSE(bcrypt_matches("secret", "$2b$04$tooshort"));
}

}  // namespace
}  // namespace refreshd::daemon::test_http
