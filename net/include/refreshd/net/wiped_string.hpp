#pragma once
// A private key's bytes, wiped (OPENSSL_cleanse) when they go out of scope: for the listener's
// key and a client certificate's key (docs/SECURITY.md).
#include <string>

#include <openssl/crypto.h>

namespace refreshd {

struct wiped_string {
  std::string text;
  wiped_string() = default;
  explicit wiped_string(std::string t) : text(std::move(t)) {}
  wiped_string(const wiped_string&) = delete;
  wiped_string& operator=(const wiped_string&) = delete;
  ~wiped_string() {
    if (!text.empty()) {
      OPENSSL_cleanse(text.data(), text.size());
    }
  }
};

}  // namespace refreshd
