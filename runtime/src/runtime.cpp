// The production instantiation of the runtime (real_clock) and its non-template parts.
#include <algorithm>
#include <functional>
#include <stdexcept>

#include <refreshd/client/http_refresh_api.hpp>
#include <refreshd/config/file_read.hpp>
#include <refreshd/runtime/runtime.hpp>

#include "runtime_cycle.hpp"
#include "runtime_dependencies.hpp"
#include "runtime_lag.hpp"
#include "runtime_pause.hpp"
#include "runtime_reload.hpp"
#include "runtime_servability.hpp"
#include "runtime_startup.hpp"

namespace refreshd::daemon {

std::size_t ca_fingerprint(const config::cluster& c) {
  if (c.tls.ca_file.empty()) {
    return 0;
  }
  try {
    const std::string pem =
        config::read_bounded_regular_file(c.tls.ca_file, config::max_ca_file_size, "tls.ca_file");
    return std::hash<std::string>{}(pem) | 1U;  // never 0
  } catch (const config::file_read_error& e) {
    throw std::invalid_argument(e.what());
  }
}

cluster_client make_http_client(executor ex, const config::cluster& c, std::string token) {
  client::http_client_options http;
  http.request_timeout = c.request_timeout;
  http.io_timeout = c.request_timeout;
  http.connect_timeout =
      std::min<std::chrono::milliseconds>(c.request_timeout, std::chrono::seconds(5));
  http.tls.ca_file = c.tls.ca_file;
  http.tls.insecure_skip_verify = c.tls.insecure_skip_verify;
  auto api = std::make_unique<client::http_refresh_api>(std::move(ex), c.endpoint, std::move(token),
                                                        std::move(http));
  auto* raw = api.get();
  cluster_client conn;
  conn.api = std::move(api);
  conn.set_token = [raw](std::string t) { raw->set_token(std::move(t)); };
  return conn;
}

std::string ownership_key(std::string_view cluster, std::string_view database,
                          std::string_view name) {
  return collection_key(cluster, database, name, '/');
}

template struct cluster_runtime<real_clock>;
template class basic_runtime<real_clock>;

}  // namespace refreshd::daemon
