#pragma once
// The refresh-job API over HTTP(S): refresh_api on http_client, with the contract's request
// bodies, headers and error classification (wire.hpp).

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <refreshd/client/http_client.hpp>
#include <refreshd/client/refresh_api.hpp>
#include <refreshd/client/types.hpp>
#include <refreshd/net/asio.hpp>

namespace refreshd::client {

/// Real API over HTTP(S). Sends `Authorization: Bearer <token>` when the token is non-empty,
/// and `Request-Timeout: <seconds>`: the client's request_timeout rounded up, at least 1.
/// Error messages never contain the token (nor, for refresh, the external spec): a server
/// message that echoes one has it replaced by "***". Job reasons and state text from describe
/// and list are scrubbed the same way (of the token and the job's own spec) and capped (see
/// wire.hpp, scrub.hpp). A list answer keeps at most `request.max_records` records (see
/// wire::list_keep); last_list_dropped() tells how many of the last answer were not kept.
class http_refresh_api final : public refresh_api {
 public:
  http_refresh_api(executor ex, std::string_view endpoint, std::string token,
                   http_client_options options);
  awaitable<api_result<job_id>> async_refresh(refresh_request request) override;
  awaitable<api_result<job_info>> async_describe(job_id id) override;
  awaitable<api_result<std::vector<job_info>>> async_list(list_request request) override;
  awaitable<api_result<std::vector<std::string>>> async_index_list(collection_ref c) override;
  awaitable<api_result<std::vector<index_info>>> async_index_describe(collection_ref c,
                                                                      std::string index) override;
  awaitable<api_result<load_info>> async_load_state(collection_ref c) override;

  /// Replace the token (token files are re-read on reload and on authentication failures).
  void set_token(std::string token) { token_ = std::move(token); }
  http_client& transport() noexcept { return http_; }
  /// Records of the last successful list answer that were read but not kept (0 before any).
  std::size_t last_list_dropped() const noexcept { return last_list_dropped_; }

 private:
  awaitable<std::variant<http_response, api_error>> post(operation op, std::string body);
  /// post(), then `parse(status, body)` of the answer, its errors scrubbed of the token.
  template <class T, class Parse>
  awaitable<api_result<T>> answered(operation op, std::string body, Parse parse);

  http_client http_;
  std::string token_;
  std::size_t last_list_dropped_ = 0;
};

/// Maps a transport failure to an api_error (class transient, or bad_response when a size
/// cap was hit, or invalid when the request could not be formed: stage `url`), keeping
/// `maybe_sent` and the transport's message; http_status and code are 0.
api_error from_transport(const transport_error& e);

}  // namespace refreshd::client
