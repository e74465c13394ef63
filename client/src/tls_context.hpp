#pragma once
// Private: the TLS client context of an http_client.

#include <string>

#include <boost/asio/ssl/context.hpp>

#include <refreshd/client/http_client.hpp>

namespace refreshd::client::detail {

/// TLS 1.2+ client context trusting the system store plus `options.ca_file`; verification off
/// (with one warning naming `authority`) when `options.insecure_skip_verify`. Throws
/// std::invalid_argument naming the CA file when it cannot be read or holds no certificate.
ssl::context make_tls_context(const tls_options& options, const std::string& authority);

}  // namespace refreshd::client::detail
