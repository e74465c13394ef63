// fake-kube-api: the coordination.k8s.io/v1 Lease endpoints of a Kubernetes API server, for the
// Kubernetes Lease tests (docs/COORDINATION.md "Kubernetes Lease"). No API server can be
// installed here (Debian 12 packages none that runs without a cluster), so this is a faithful
// fake written from the API's documented semantics:
//   * HTTPS only; `Authorization: Bearer TOKEN` must equal the token file's content, re-read at
//     every request (service-account tokens rotate): otherwise 401 with a Status object;
//   * GET    /apis/coordination.k8s.io/v1/namespaces/NS/leases/NAME   200 Lease | 404 NotFound;
//   * POST   /apis/coordination.k8s.io/v1/namespaces/NS/leases        201 | 409 AlreadyExists;
//   * PUT    /apis/coordination.k8s.io/v1/namespaces/NS/leases/NAME   200 | 404 | 409 Conflict
//     when metadata.resourceVersion is not the stored one (optimistic concurrency), 400 when it
//     is missing or the name in the body differs;
//   * resourceVersion: an opaque string, a new value at every write (a global counter).
// Usage: fake-kube-api CERT KEY TOKEN_FILE    (writes "listening on https://127.0.0.1:PORT" to
// stderr)
#include <csignal>
#include <fstream>
#include <iostream>
#include <map>
#include <string>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <nlohmann/json.hpp>

#include <refreshd/net/http_server.hpp>

namespace refreshd::test {
namespace {

using json = nlohmann::json;
constexpr std::string_view prefix = "/apis/coordination.k8s.io/v1/namespaces/";

struct store {
  std::map<std::string, json> leases;  // "ns/name" → the object
  long long version = 100;
};

http_response answer(const http_request& req, int status, const json& body) {
  http_response r{static_cast<http::status>(status), req.version()};
  r.set(http::field::content_type, "application/json");
  r.body() = body.dump();
  return r;
}

json status_object(int code, const std::string& reason, const std::string& message) {
  return {{"kind", "Status"},   {"apiVersion", "v1"}, {"status", "Failure"},
          {"message", message}, {"reason", reason},   {"code", code}};
}

std::string read_token(const std::string& file) {
  std::ifstream in(file);
  std::string t((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) {
    t.pop_back();
  }
  return t;
}

http_response handle(store& s, const std::string& token_file, const http_request& req) {
  const auto auth = req[http::field::authorization];
  if (auth != "Bearer " + read_token(token_file)) {
    return answer(req, 401, status_object(401, "Unauthorized", "Unauthorized"));
  }
  std::string target(req.target());
  if (!target.starts_with(prefix)) {
    return answer(req, 404, status_object(404, "NotFound", "the server could not find it"));
  }
  // NS/leases[/NAME]
  const std::string rest = target.substr(prefix.size());
  const auto slash = rest.find('/');
  const std::string ns = rest.substr(0, slash);
  const std::string after = slash == std::string::npos ? "" : rest.substr(slash + 1);
  if (!after.starts_with("leases")) {
    return answer(req, 404, status_object(404, "NotFound", "the server could not find it"));
  }
  const std::string name = after.size() > 7 ? after.substr(7) : "";
  const std::string key = ns + "/" + name;
  if (req.method() == http::verb::get && !name.empty()) {
    const auto it = s.leases.find(key);
    if (it == s.leases.end()) {
      return answer(req, 404, status_object(404, "NotFound", "leases \"" + name + "\" not found"));
    }
    return answer(req, 200, it->second);
  }
  json body = json::parse(req.body(), nullptr, false);
  if (!body.is_object() || !body.contains("metadata") || !body["metadata"].is_object()) {
    return answer(req, 400, status_object(400, "BadRequest", "expected a Lease object"));
  }
  auto& meta = body["metadata"];
  if (req.method() == http::verb::post && name.empty()) {
    const std::string created = ns + "/" + meta.value("name", "");
    if (s.leases.contains(created)) {
      return answer(req, 409, status_object(409, "AlreadyExists", "leases already exists"));
    }
    meta["namespace"] = ns;
    meta["resourceVersion"] = std::to_string(++s.version);
    s.leases[created] = body;
    return answer(req, 201, body);
  }
  if (req.method() == http::verb::put && !name.empty()) {
    const auto it = s.leases.find(key);
    if (it == s.leases.end()) {
      return answer(req, 404, status_object(404, "NotFound", "leases \"" + name + "\" not found"));
    }
    if (meta.value("name", "") != name || !meta.contains("resourceVersion")) {
      return answer(req, 400,
                    status_object(400, "BadRequest", "name and resourceVersion are required"));
    }
    if (meta["resourceVersion"] != it->second["metadata"]["resourceVersion"]) {
      return answer(req, 409,
                    status_object(409, "Conflict",
                                  "Operation cannot be fulfilled on leases.coordination.k8s.io "
                                  "\"" +
                                      name + "\": the object has been modified"));
    }
    meta["namespace"] = ns;
    meta["resourceVersion"] = std::to_string(++s.version);
    it->second = body;
    return answer(req, 200, body);
  }
  return answer(req, 405, status_object(405, "MethodNotAllowed", "method not allowed"));
}

}  // namespace

int fake_kube_api_main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: fake-kube-api CERT KEY TOKEN_FILE\n";
    return 2;
  }
  const std::string token_file = argv[3];
  net::io_context ioc{1};
  ssl::context tls(ssl::context::tls_server);
  tls.use_certificate_chain_file(argv[1]);
  tls.use_private_key_file(argv[2], ssl::context::pem);
  store s;
  http_server server(
      ioc.get_executor(), tcp::endpoint(net::ip::make_address("127.0.0.1"), 0),
      [&s, token_file](http_request& req) -> awaitable<http_response> {
        co_return handle(s, token_file, req);
      },
      {}, &tls);
  server.start();
  std::cerr << "listening on https://127.0.0.1:" << server.local_endpoint().port() << std::endl;
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&server](const boost::system::error_code&, int) { server.stop(); });
  ioc.run();
  return 0;
}

}  // namespace refreshd::test

int main(int argc, char** argv) {
  return refreshd::test::fake_kube_api_main(argc, argv);
}
