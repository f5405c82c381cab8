// TLS listeners from the config: one TlsContext (certificate and key) per listener.
#include "server/config_tls.h"

namespace portico::server {

std::shared_ptr<tls::TlsContext> make_tls_context(const TlsSettings& settings) {
  tls::TlsOptions options;
  options.certificates.push_back(tls::CertificateFiles{settings.cert, settings.key});
  return tls::TlsContext::create(std::move(options));
}

std::string check_tls_settings(const TlsSettings& settings) {
  try {
    make_tls_context(settings);
  } catch (const tls::TlsConfigError& e) {
    return e.what();
  }
  return {};
}

}  // namespace portico::server
