#include "tls_context.hpp"

#include <stdexcept>

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include <refreshd/config/file_read.hpp>
#include <refreshd/net/wiped_string.hpp>

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

std::string read_pem(const std::string& path, std::size_t cap, const char* what) {
  try {
    return config::read_bounded_regular_file(path, cap, what);
  } catch (const config::file_read_error& e) {
    throw std::invalid_argument(e.what());
  }
}

// A client certificate (mutual TLS), from memory like the CA file. Never quotes the key.
void load_client_certificate(ssl::context& ctx, const tls_options& o) {
  const std::string chain = read_pem(o.cert_file, config::max_cert_file_size, "cert_file");
  boost::system::error_code ec;
  ctx.use_certificate_chain(net::buffer(chain), ec);
  if (ec) {
    throw std::invalid_argument(fmt::format(
        "cert_file '{}' holds no usable PEM certificate chain ({})", o.cert_file, ec.message()));
  }
  const wiped_string key(read_pem(o.key_file, config::max_key_file_size, "key_file"));
  ctx.use_private_key(net::buffer(key.text), ssl::context::pem, ec);
  const bool mismatch =
      ec && ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH;
  if (ec && !mismatch) {
    throw std::invalid_argument(
        fmt::format("key_file '{}' holds no usable PEM private key", o.key_file));
  }
  if (mismatch || SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
    throw std::invalid_argument(fmt::format(
        "key_file '{}': the key does not match the certificate in {}", o.key_file, o.cert_file));
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
  if (!options.cert_file.empty() || !options.key_file.empty()) {
    load_client_certificate(ctx, options);
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
