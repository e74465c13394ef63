#pragma once
// A blocking HTTP/1.1 helper for tests (control API of the simulator, the daemon's endpoints).

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace refreshd::test {

struct http_reply {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// method "GET" or "POST"; throws std::runtime_error on a connection failure.
http_reply http_request(std::string_view method, const std::string& host, unsigned short port,
                        std::string_view target, std::string body = {},
                        std::vector<std::pair<std::string, std::string>> headers = {},
                        std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace refreshd::test
