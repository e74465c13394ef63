#pragma once
// The refresh-job API as the daemon and the CLI see it: an abstract interface. The real
// implementation over HTTP(S) is http_refresh_api.hpp; tests plug in a scripted fake.

#include <string>
#include <vector>

#include <refreshd/client/types.hpp>
#include <refreshd/net/asio.hpp>

namespace refreshd::client {

class refresh_api {
 public:
  virtual ~refresh_api() = default;
  virtual awaitable<api_result<job_id>> async_refresh(refresh_request request) = 0;
  virtual awaitable<api_result<job_info>> async_describe(job_id id) = 0;
  virtual awaitable<api_result<std::vector<job_info>>> async_list(list_request request) = 0;
  /// The servability requests of ready_when (api §12).
  virtual awaitable<api_result<std::vector<std::string>>> async_index_list(collection_ref c) = 0;
  virtual awaitable<api_result<std::vector<index_info>>> async_index_describe(
      collection_ref c, std::string index) = 0;
  virtual awaitable<api_result<load_info>> async_load_state(collection_ref c) = 0;
};

}  // namespace refreshd::client
