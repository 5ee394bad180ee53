#include "gatehouse/tls_context.hpp"

#include <fmt/format.h>

#include "gatehouse/config_error.hpp"

namespace gatehouse {

ssl::context make_server_tls_context(const Settings& s) {
  ssl::context ctx(ssl::context::tls_server);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  // Idle connections should not pin 2 x 16 KiB of OpenSSL buffers each.
  SSL_CTX_set_mode(ctx.native_handle(), SSL_MODE_RELEASE_BUFFERS);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_compression | ssl::context::single_dh_use);
  error_code ec;
  ctx.use_certificate_chain_file(s.tls_cert_file, ec);
  if (ec)
    throw ConfigError(fmt::format("GATEHOUSE_TLS_CERT=\"{}\": expected a readable PEM certificate chain ({})", s.tls_cert_file, ec.message()));
  ctx.use_private_key_file(s.tls_key_file, ssl::context::pem, ec);
  if (ec)
    throw ConfigError(fmt::format("GATEHOUSE_TLS_KEY=\"{}\": expected a readable PEM private key matching GATEHOUSE_TLS_CERT ({})",
                                  s.tls_key_file, ec.message()));
  return ctx;
}

ssl::context make_upstream_tls_context(const Settings& s) {
  ssl::context ctx(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  error_code ec;
  if (!s.upstream_ca_file.empty()) {
    ctx.load_verify_file(s.upstream_ca_file, ec);
    if (ec)
      throw ConfigError(fmt::format("GATEHOUSE_UPSTREAM_CA_FILE=\"{}\": expected a readable PEM file of CA certificates ({})",
                                    s.upstream_ca_file, ec.message()));
  } else {
    ctx.set_default_verify_paths(ec);
  }
  return ctx;
}

}  // namespace gatehouse
