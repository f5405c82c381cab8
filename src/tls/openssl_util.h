// OpenSSL helpers shared by the tls layer: owning pointers, error text, time and file facts.
#pragma once

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstdint>
#include <ctime>
#include <memory>
#include <string>

namespace portico::tls {

struct SslCtxFree {
  void operator()(SSL_CTX* p) const { SSL_CTX_free(p); }
};
struct SslFree {
  void operator()(SSL* p) const { SSL_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
struct X509StackFree {
  void operator()(STACK_OF(X509) * p) const { sk_X509_pop_free(p, X509_free); }
};

using UniqueSslCtx = std::unique_ptr<SSL_CTX, SslCtxFree>;
using UniqueSsl = std::unique_ptr<SSL, SslFree>;
using UniqueX509 = std::unique_ptr<X509, X509Free>;
using UniquePkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using UniqueBio = std::unique_ptr<BIO, BioFree>;
using UniqueX509Stack = std::unique_ptr<STACK_OF(X509), X509StackFree>;

// The reason of the most recent error on this thread's OpenSSL error queue (e.g. "key values
// mismatch"), or fallback when the queue is empty. Clears the queue.
std::string last_ssl_error(const char* fallback = "unknown OpenSSL error");

// "2025-03-01 12:00:00 UTC" for an ASN1 time, "?" if it cannot be converted.
std::string format_asn1_time(const ASN1_TIME* t);

// Seconds since the epoch for an ASN1 time; false if it cannot be converted.
bool asn1_time_to_unix(const ASN1_TIME* t, int64_t* out);

// Reads a whole (small) file: certificates, keys and CA bundles. On failure returns false and
// sets *error to "cannot read: <strerror>" (or "is empty", "is larger than 1 MiB").
bool read_small_file(const std::string& path, std::string* out, std::string* error);

}  // namespace portico::tls
