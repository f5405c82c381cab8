// Settings of a TLS server context: certificates, client authentication, ALPN, resumption.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace portico::tls {

// One certificate chain (PEM: the leaf first, then intermediates) and its private key (PEM).
struct CertificateFiles {
  std::string cert_file;
  std::string key_file;
};

// The protocol versions (TLS 1.2 and 1.3), cipher suites (ECDHE key exchange with AEAD
// ciphers, server preference), no compression and no renegotiation are fixed: they are not
// options, so no configuration can weaken them.
struct TlsOptions {
  // Certificates by name (SNI). The names a certificate serves are its subjectAltName DNS
  // entries (or its CN when it has none); "*.example.com" entries match one label. An ECDSA
  // and an RSA certificate for the same names are served together (the client's signature
  // algorithms pick one). The first certificate is the default for unknown or absent names.
  std::vector<CertificateFiles> certificates;

  // mTLS: when set, clients must present a certificate signed by a CA in this PEM file.
  std::string client_ca_file;

  // ALPN protocols in the server's order of preference (RFC 7301). A client that offers
  // ALPN but none of these gets a no_application_protocol alert (RFC 7301 3.2).
  std::vector<std::string> alpn = {"http/1.1"};

  // How long a session (ticket or cache entry) can be resumed.
  uint32_t session_lifetime_s = 3600;
  // Session ticket keys: a new encryption key this often; the previous keys stay valid for
  // decryption until every ticket they made has expired.
  uint32_t ticket_key_rotation_s = 3600;
  // Server-side session cache (TLS 1.2 session ids), entries.
  size_t session_cache_entries = 20480;
  // Kernel TLS for sendfile when the kernel supports it.
  bool enable_ktls = true;
};

}  // namespace portico::tls
