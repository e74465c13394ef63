#include "tls_context.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

namespace refreshd::client::detail {
namespace {

void load_ca_file(ssl::context& ctx, const std::string& path) {
  {
    std::ifstream probe(path);
    if (!probe) {
      throw std::invalid_argument(
          fmt::format("tls.ca_file '{}' cannot be read: {}", path, std::strerror(errno)));
    }
  }
  boost::system::error_code ec;
  ctx.load_verify_file(path, ec);
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
