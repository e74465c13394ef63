#include <algorithm>
#include <chrono>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <refreshd/client/http_refresh_api.hpp>
#include <refreshd/client/scrub.hpp>
#include <refreshd/client/wire.hpp>

namespace refreshd::client {

namespace {

/// Whole seconds for the `Request-Timeout` header: rounded up, at least 1.
std::string timeout_header(std::chrono::milliseconds timeout) {
  const auto ms = std::max<std::chrono::milliseconds::rep>(timeout.count(), 1);
  return std::to_string((ms + 999) / 1000);
}

/// Server messages are kept verbatim, except that our own secrets never travel on.
template <class T>
api_result<T> scrubbed(api_result<T> result, std::string_view token, std::string_view spec = {}) {
  if (result) {
    return result;
  }
  auto error = result.error();
  redact(error.message, token, min_token_bytes);
  redact(error.message, spec, min_spec_bytes);
  // The message was capped before it got here: a secret the cut went through is half there.
  redact_cut(error.message, " [truncated]", token, min_token_bytes);
  redact_cut(error.message, " [truncated]", spec, min_spec_bytes);
  return error;
}

}  // namespace

api_error from_transport(const transport_error& e) {
  api_error out;
  // A request that could not even be formed (e.g. a line break in a header value) will fail
  // the same way every time; a cap hit is a response we could not accept.
  out.kind = e.stage == transport_stage::url ? error_class::invalid
             : e.too_large                   ? error_class::bad_response
                                             : error_class::transient;
  out.message = e.message;
  out.maybe_sent = e.maybe_sent;
  return out;
}

http_refresh_api::http_refresh_api(executor ex, std::string_view endpoint, std::string token,
                                   http_client_options options)
    : http_(std::move(ex), endpoint, std::move(options)), token_(std::move(token)) {}

awaitable<std::variant<http_response, api_error>> http_refresh_api::post(operation op,
                                                                         std::string body) {
  std::vector<http_header> headers;
  if (!token_.empty()) {
    headers.push_back({"Authorization", "Bearer " + token_});
  }
  headers.push_back({"Request-Timeout", timeout_header(http_.options().request_timeout)});
  // A refresh that reached the server is never re-sent by the transport (docs/CYCLE.md step 5).
  const bool replayable = op != operation::refresh;
  auto result = co_await http_.async_post(wire::path_for(op), std::move(body), std::move(headers),
                                          replayable);
  if (auto* e = std::get_if<transport_error>(&result)) {
    auto error = from_transport(*e);
    redact(error.message, token_, min_token_bytes);
    co_return error;
  }
  co_return std::get<http_response>(std::move(result));
}

awaitable<api_result<job_id>> http_refresh_api::async_refresh(refresh_request request) {
  auto body = wire::build_refresh_body(request);  // named: g++ 12 and temporaries in co_await
  auto answer = co_await post(operation::refresh, std::move(body));
  if (auto* e = std::get_if<api_error>(&answer)) {
    co_return std::move(*e);
  }
  const auto& response = std::get<http_response>(answer);
  auto result = wire::parse_refresh_response(response.status, response.body);
  const std::string spec = request.external_spec.value_or("");
  co_return scrubbed(std::move(result), token_, spec);
}

awaitable<api_result<job_info>> http_refresh_api::async_describe(job_id id) {
  return answered<job_info>(operation::describe, wire::build_describe_body(id),
                            [this](int status, std::string_view body) {
                              return wire::parse_describe_response(status, body, token_);
                            });
}

awaitable<api_result<std::vector<job_info>>> http_refresh_api::async_list(list_request request) {
  auto body = wire::build_list_body(request);  // named: g++ 12 and temporaries in co_await
  auto answer = co_await post(operation::list, std::move(body));
  if (auto* e = std::get_if<api_error>(&answer)) {
    co_return std::move(*e);
  }
  const auto& response = std::get<http_response>(answer);
  const wire::list_keep keep{request.collection, request.max_records, token_,
                             request.only.empty() ? nullptr : &request.only};
  auto result = wire::parse_list_answer(response.status, response.body, keep);
  if (!result) {
    co_return scrubbed(api_result<std::vector<job_info>>(result.error()), token_);
  }
  last_list_dropped_ = result->dropped;
  co_return std::move(result).value().jobs;
}

template <class T, class Parse>
awaitable<api_result<T>> http_refresh_api::answered(operation op, std::string body, Parse parse) {
  auto answer = co_await post(op, std::move(body));
  if (auto* e = std::get_if<api_error>(&answer)) {
    co_return std::move(*e);
  }
  const auto& response = std::get<http_response>(answer);
  co_return scrubbed(parse(response.status, std::string_view(response.body)), token_);
}

// Not coroutines: each hands its request to answered(), whose frame owns everything it uses.
awaitable<api_result<std::vector<std::string>>> http_refresh_api::async_index_list(
    collection_ref c) {
  return answered<std::vector<std::string>>(operation::index_list, wire::build_index_list_body(c),
                                            [this](int status, std::string_view body) {
                                              return wire::parse_index_list_response(status, body,
                                                                                     token_);
                                            });
}

awaitable<api_result<std::vector<index_info>>> http_refresh_api::async_index_describe(
    collection_ref c, std::string index) {
  return answered<std::vector<index_info>>(
      operation::index_describe, wire::build_index_describe_body(c, index),
      [this](int status, std::string_view body) {
        return wire::parse_index_describe_response(status, body, token_);
      });
}

awaitable<api_result<load_info>> http_refresh_api::async_load_state(collection_ref c) {
  return answered<load_info>(operation::load_state, wire::build_load_state_body(c),
                             [](int status, std::string_view body) {
                               return wire::parse_load_state_response(status, body);
                             });
}

}  // namespace refreshd::client
