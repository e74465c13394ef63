// The non-template half of the HTTP API (error and admin answers) and its production
// instantiation; routing and header parsing are in http_route.cpp.
#include <nlohmann/json.hpp>

#include <refreshd/config/safe_text.hpp>
#include <refreshd/http/http_api.hpp>

#include "http_api_impl.hpp"

namespace refreshd::daemon {
namespace {

using json = nlohmann::json;

api_response json_body(int status, const json& body) {
  api_response r;
  r.status = status;
  r.body = dump_json(body);
  return r;
}

json job_id_or_null(const admin_refresh_result& r) {
  return r.job ? json(r.job->id.value) : json(nullptr);
}

}  // namespace

api_response json_error(int status, std::string_view message) {
  return json_body(status, json{{"error", std::string(message)}});
}

api_response admin_response(const admin_refresh_result& r) {
  using kind = admin_refresh_result::kind;
  switch (r.what) {
    case kind::triggered:
      return json_body(202, json{{"job_id", job_id_or_null(r)}});
    case kind::queued:
      return json_body(202, json{{"job_id", nullptr}, {"queued", true}, {"message", r.message}});
    case kind::already_running: {
      json body{{"job_id", job_id_or_null(r)},
                {"error", "a refresh job is already running"},
                {"message", r.message}};
      if (r.job) {
        body["state"] = r.job->state_text.empty() ? std::string(client::to_string(r.job->state))
                                                  : r.job->state_text;
      }
      return json_body(409, body);
    }
    case kind::suspended:
      return json_body(409, json{{"job_id", nullptr}, {"error", "collection is suspended"}});
    case kind::unavailable: {
      auto resp = json_error(503, r.message);
      resp.headers.emplace_back("Retry-After", "5");
      return resp;
    }
    case kind::failed:
      break;
  }
  json body{{"error", r.message}};
  if (r.error) {
    body["class"] = std::string(client::to_string(r.error->kind));
    body["message"] = r.error->message;
    if (r.error->code != 0) {
      body["code"] = r.error->code;
    }
    if (r.error->http_status != 0) {
      body["http_status"] = r.error->http_status;
    }
  }
  return json_body(502, body);
}

template class basic_http_api<real_clock>;

}  // namespace refreshd::daemon
