// Loading a certificate chain and its key from PEM files, with the checks a start-up needs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "portico/tls/tls_options.h"
#include "tls/openssl_util.h"

namespace portico::tls {

// A checked certificate: leaf, intermediates, matching key, and the facts SNI and logs need.
struct LoadedCertificate {
  CertificateFiles files;
  UniqueX509 leaf;
  UniqueX509Stack chain;  // intermediates, possibly empty (never null)
  UniquePkey key;
  std::vector<std::string> names;  // lowercase DNS names (SAN, else CN); may hold "*.x.y"
  std::string key_type;            // "ECDSA", "RSA", "Ed25519", ...
  int64_t not_before_unix = 0;
  int64_t not_after_unix = 0;
  std::string not_after_text;  // "2025-03-01 12:00:00 UTC"
};

// Loads files; on failure returns false with *error naming the file and the reason:
//   "certificate file 'a.pem': cannot read: No such file or directory"
//   "certificate file 'a.pem': no PEM certificate found"
//   "key file 'a.key': no PEM private key found"
//   "key file 'a.key' does not match certificate 'a.pem'"
bool load_certificate(const CertificateFiles& files, LoadedCertificate* out, std::string* error);

// Validity warnings for now_unix: expired ("... expired on DATE") or not yet valid.
// Empty when the certificate is currently valid.
std::string validity_warning(const LoadedCertificate& cert, int64_t now_unix);

// "localhost, *.example.com" for logs.
std::string join_names(const std::vector<std::string>& names);

}  // namespace portico::tls
