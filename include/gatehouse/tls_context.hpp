#pragma once
#include "gatehouse/net.hpp"
#include "gatehouse/settings.hpp"

namespace gatehouse {

// The public listener's TLS (TLS 1.2 and later). Throws ConfigError naming
// GATEHOUSE_TLS_CERT / GATEHOUSE_TLS_KEY when the files cannot be used.
ssl::context make_server_tls_context(const Settings& s);
// For https:// upstreams: the system's trust store, or GATEHOUSE_UPSTREAM_CA_FILE.
ssl::context make_upstream_tls_context(const Settings& s);

}  // namespace gatehouse
