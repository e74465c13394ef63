#include <chrono>
#include <stdexcept>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <refreshd/config/env.hpp>
#include <refreshd/config/token.hpp>
#include <refreshd/coord/kube_lease_client.hpp>

namespace refreshd::coord {
namespace {

using json = nlohmann::json;

client::http_client_options kube_http_options(const kube_lease_options& o) {
  client::http_client_options h;
  h.request_timeout = o.request_timeout;
  h.io_timeout = o.request_timeout;
  h.connect_timeout = o.request_timeout;
  h.tls.ca_file = o.ca_file;
  h.max_body_bytes = 64 * 1024;  // one Lease
  return h;
}

kube_error kube_error_of(const client::http_result& r, std::string_view what) {
  if (const auto* t = std::get_if<client::transport_error>(&r)) {
    return kube_error{0, fmt::format("{}: {}", what, t->message)};
  }
  const auto& resp = std::get<client::http_response>(r);
  // A Status object names the reason; never echo more than its message.
  const json s = json::parse(resp.body, nullptr, false);
  std::string message = s.is_object() && s.contains("message") && s["message"].is_string()
                            ? s["message"].get<std::string>()
                            : std::string("HTTP ") + std::to_string(resp.status);
  return kube_error{resp.status,
                    fmt::format("{}: HTTP {}: {}", what, resp.status, message.substr(0, 300))};
}

std::string lease_text(const json& o, const char* key) {
  return o.contains(key) && o[key].is_string() ? o[key].get<std::string>() : std::string();
}

std::int64_t lease_int(const json& o, const char* key) {
  return o.contains(key) && o[key].is_number_integer() ? o[key].get<std::int64_t>() : 0;
}

}  // namespace

std::optional<kube_lease> parse_lease(std::string_view text) {
  const json o = json::parse(text, nullptr, false);
  if (!o.is_object() || !o.contains("metadata") || !o["metadata"].is_object()) {
    return std::nullopt;
  }
  kube_lease l;
  l.resource_version = lease_text(o["metadata"], "resourceVersion");
  if (o.contains("spec") && o["spec"].is_object()) {
    const json& s = o["spec"];
    l.spec.holder = lease_text(s, "holderIdentity");
    l.spec.duration_seconds = lease_int(s, "leaseDurationSeconds");
    l.spec.acquire_time = lease_text(s, "acquireTime");
    l.spec.renew_time = lease_text(s, "renewTime");
    l.spec.transitions = lease_int(s, "leaseTransitions");
  }
  return l;
}

std::string micro_time_now() {
  const auto now = std::chrono::system_clock::now();
  const auto us =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() %
      1'000'000;
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:06d}Z", std::chrono::floor<std::chrono::seconds>(now),
                     us);
}

kube_lease_client::kube_lease_client(executor ex, kube_lease_options options)
    : options_(std::move(options)),
      http_(std::move(ex), options_.api_server, kube_http_options(options_)) {}

std::optional<kube_error> kube_lease_client::authorization(
    std::vector<client::http_header>& headers) const {
  try {
    // Read again every time: the kubelet replaces a projected token about hourly.
    const config::token_source token{config::token_kind::file, options_.token_file, {}};
    headers.push_back(
        {"Authorization", "Bearer " + config::read_token(token, config::process_env())});
  } catch (const config::token_error& e) {
    return kube_error{0, e.what()};
  }
  return std::nullopt;
}

std::string kube_lease_client::object_path() const {
  return "/apis/coordination.k8s.io/v1/namespaces/" + options_.lease_namespace + "/leases/" +
         options_.name;
}

std::string kube_lease_client::body(const lease_spec& spec, const std::string& rv) const {
  json meta = {{"name", options_.name}, {"namespace", options_.lease_namespace}};
  if (!rv.empty()) {
    meta["resourceVersion"] = rv;
  }
  json s = {{"leaseDurationSeconds", spec.duration_seconds},
            {"leaseTransitions", spec.transitions}};
  // An empty holder (a released Lease) is written as absent, as client-go does.
  if (!spec.holder.empty()) {
    s["holderIdentity"] = spec.holder;
  }
  if (!spec.acquire_time.empty()) {
    s["acquireTime"] = spec.acquire_time;
  }
  if (!spec.renew_time.empty()) {
    s["renewTime"] = spec.renew_time;
  }
  return json{{"apiVersion", "coordination.k8s.io/v1"},
              {"kind", "Lease"},
              {"metadata", std::move(meta)},
              {"spec", std::move(s)}}
      .dump();
}

awaitable<kube_result<std::optional<kube_lease>>> kube_lease_client::get() {
  std::vector<client::http_header> headers;
  if (auto e = authorization(headers)) {
    co_return std::move(*e);
  }
  const std::string path = object_path();
  std::string no_body;  // named: g++ 12 and temporaries in co_await
  auto r = co_await http_.async_request(client::http_method::get, path, std::move(no_body),
                                        std::move(headers));
  if (const auto* resp = std::get_if<client::http_response>(&r)) {
    if (resp->status == 404) {
      co_return std::optional<kube_lease>();
    }
    if (resp->status == 200) {
      if (auto l = parse_lease(resp->body)) {
        co_return std::optional<kube_lease>(std::move(*l));
      }
      co_return kube_error{200, "GET lease: the answer is not a Lease object"};
    }
  }
  co_return kube_error_of(r, "GET lease");
}

awaitable<kube_result<kube_lease>> kube_lease_client::create(lease_spec spec) {
  std::string path =
      "/apis/coordination.k8s.io/v1/namespaces/" + options_.lease_namespace + "/leases";
  std::string text = body(spec, {});  // named: g++ 12 and temporaries in co_await
  co_return co_await write(client::http_method::post, std::move(path), std::move(text));
}

awaitable<kube_result<kube_lease>> kube_lease_client::update(lease_spec spec,
                                                             std::string resource_version) {
  std::string path = object_path();  // named: g++ 12 and temporaries in co_await
  std::string text = body(spec, resource_version);
  co_return co_await write(client::http_method::put, std::move(path), std::move(text));
}

awaitable<kube_result<kube_lease>> kube_lease_client::write(client::http_method method,
                                                            std::string path, std::string b) {
  std::vector<client::http_header> headers;
  if (auto e = authorization(headers)) {
    co_return std::move(*e);
  }
  const char* what = method == client::http_method::post ? "create lease" : "update lease";
  // Never re-sent once written: a write that may have landed is decided by the next read.
  auto r = co_await http_.async_request(method, path, std::move(b), std::move(headers), false);
  if (const auto* resp = std::get_if<client::http_response>(&r)) {
    if (resp->status == 200 || resp->status == 201) {
      if (auto l = parse_lease(resp->body)) {
        co_return std::move(*l);
      }
      co_return kube_error{resp->status, std::string(what) + ": the answer is not a Lease"};
    }
  }
  co_return kube_error_of(r, what);
}

}  // namespace refreshd::coord
