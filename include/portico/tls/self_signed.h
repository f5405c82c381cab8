// Development certificates: a self-signed ECDSA P-256 certificate for one host name.
#pragma once

#include <string>

namespace portico::tls {

struct SelfSignedCertificate {
  std::string cert_pem;
  std::string key_pem;  // PKCS#8, unencrypted
};

// A certificate for name (subjectAltName DNS:name; an IP literal gets IP:name instead, and
// "localhost" also gets IP:127.0.0.1 and IP:::1 so https://127.0.0.1/ verifies too), valid from
// now for `days` days, with a fresh ECDSA P-256 key. Throws std::invalid_argument for an empty
// or malformed name and std::runtime_error if OpenSSL fails.
SelfSignedCertificate make_self_signed_certificate(const std::string& name, int days = 90);

// True for a host name usable in a certificate: letters, digits, '-', '.', an optional leading
// "*." wildcard label; or an IPv4/IPv6 literal.
bool valid_certificate_name(const std::string& name);

}  // namespace portico::tls
