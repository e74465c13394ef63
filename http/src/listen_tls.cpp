#include <boost/asio/ssl/context.hpp>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <refreshd/config/file_read.hpp>
#include <refreshd/http/listen_tls.hpp>
#include <refreshd/net/wiped_string.hpp>

namespace refreshd::daemon {
namespace {

using refreshd::wiped_string;

std::string read_file(const std::string& path, std::size_t cap, std::string_view key) {
  try {
    return config::read_bounded_regular_file(path, cap, key);
  } catch (const config::file_read_error& e) {
    throw listen_tls_error(std::string("listen_tls: ") + e.what());
  }
}

[[noreturn]] void fail(std::string_view key, const std::string& path, std::string_view what,
                       const boost::system::error_code& ec) {
  throw listen_tls_error("listen_tls." + std::string(key) + " " + path + ": " + std::string(what) +
                         " (" + ec.message() + ")");
}

}  // namespace

std::shared_ptr<ssl::context> make_listen_tls_context(const config::listen_tls_settings& t) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  // Needed for session resumption once client certificates are verified.
  static constexpr unsigned char session_context[] = "milvus-refreshd";
  SSL_CTX_set_session_id_context(ctx->native_handle(), session_context,
                                 sizeof(session_context) - 1);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_compression |
                   ssl::context::single_dh_use);
  boost::system::error_code ec;
  const std::string chain = read_file(t.cert_file, config::max_cert_file_size, "cert_file");
  ctx->use_certificate_chain(net::buffer(chain), ec);
  if (ec) {
    fail("cert_file", t.cert_file, "holds no usable PEM certificate chain", ec);
  }
  {
    wiped_string key(read_file(t.key_file, config::max_key_file_size, "key_file"));
    ctx->use_private_key(net::buffer(key.text), ssl::context::pem, ec);
  }
  const bool mismatch =
      ec && ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH;
  if (ec && !mismatch) {
    fail("key_file", t.key_file, "holds no usable PEM private key", ec);
  }
  if (mismatch || SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    throw listen_tls_error("listen_tls.key_file " + t.key_file +
                           ": the key does not match the certificate in " + t.cert_file);
  }
  if (!t.client_ca_file.empty()) {
    const std::string ca = read_file(t.client_ca_file, config::max_ca_file_size, "client_ca_file");
    ctx->add_certificate_authority(net::buffer(ca), ec);
    if (ec) {
      fail("client_ca_file", t.client_ca_file, "holds no usable PEM certificate", ec);
    }
    ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  } else {
    ctx->set_verify_mode(ssl::verify_none);
  }
  return ctx;
}

std::optional<std::string> check_listen_tls_files(const config::config& cfg) {
  if (!cfg.listen_tls.enabled()) {
    return std::nullopt;
  }
  try {
    (void)make_listen_tls_context(cfg.listen_tls);
  } catch (const listen_tls_error& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

}  // namespace refreshd::daemon
