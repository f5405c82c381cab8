// The seam between the config and the TLS layer: what a `tls = { cert, key }` listener needs.
#pragma once

#include <memory>
#include <string>

#include "portico/tls/tls_context.h"
#include "server/config.h"

namespace portico::server {

// "" when the certificate and key load and match (files already checked readable); otherwise
// the TLS layer's reason, reported as a config error at the listener's `tls` key.
std::string check_tls_settings(const TlsSettings& tls);

// The TLS context serving a listener. Throws tls::TlsConfigError naming the problem.
std::shared_ptr<tls::TlsContext> make_tls_context(const TlsSettings& tls);

}  // namespace portico::server
