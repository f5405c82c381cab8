// Certificate verification failures in words, for the proxy's 502 and its log.
#pragma once

#include <string>

#include "tls/openssl_util.h"

namespace portico::tls {

// "certificate verify failed: <OpenSSL's reason>" plus what the operator needs to fix it:
//   hostname mismatch (expected 'b.example', certificate names: a.example, *.a.example)
//   IP address mismatch (expected '10.0.0.7', certificate names: 10.0.0.8)
//   unable to get local issuer certificate (certificate CN=a.example, issued by CN=Some CA)
// verify_result is SSL_get_verify_result(ssl) (not X509_V_OK).
std::string describe_verify_failure(SSL* ssl, long verify_result);

// The names a certificate is valid for: DNS and IP subjectAltNames, else the subject CN.
std::string certificate_names_text(X509* cert);

}  // namespace portico::tls
