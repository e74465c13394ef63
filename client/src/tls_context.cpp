#include "tls_context.hpp"

#include <stdexcept>

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <refreshd/config/file_read.hpp>

namespace refreshd::client::detail {
namespace {

// The bytes are read here (a regular file of bounded size, never blocking on a FIFO) and
// handed to OpenSSL from memory: OpenSSL never opens the path itself.
void load_ca_file(ssl::context& ctx, const std::string& path) {
  std::string pem;
  try {
    pem = config::read_bounded_regular_file(path, config::max_ca_file_size, "tls.ca_file");
  } catch (const config::file_read_error& e) {
    throw std::invalid_argument(e.what());
  }
  boost::system::error_code ec;
  ctx.add_certificate_authority(net::buffer(pem), ec);
  if (ec) {
    throw std::invalid_argument(
        fmt::format("tls.ca_file '{}' holds no usable PEM certificate ({})", path, ec.message()));
  }
}

}  // namespace

ssl::context make_tls_context(const tls_options& options, const std::string& authority) {
  ssl::context ctx(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  ctx.set_default_verify_paths(ec);
  if (ec) {
    spdlog::warn("cannot load the system trust store for {}: {}", authority, ec.message());
  }
  if (!options.ca_file.empty()) {
    load_ca_file(ctx, options.ca_file);
  }
  if (options.insecure_skip_verify) {
    ctx.set_verify_mode(ssl::verify_none);
    spdlog::warn(
        "TLS verification disabled for {} (insecure_skip_verify): the server's "
        "certificate and name are not checked",
        authority);
  } else {
    ctx.set_verify_mode(ssl::verify_peer);
  }
  return ctx;
}

}  // namespace refreshd::client::detail
