// Self-signed development certificates built with OpenSSL's API (no `openssl` command needed).
#include "portico/tls/self_signed.h"

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <stdexcept>

#include "tls/openssl_util.h"

namespace portico::tls {
namespace {

bool is_ip_literal(const std::string& name) {
  unsigned char buf[16];
  return inet_pton(AF_INET, name.c_str(), buf) == 1 || inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

[[noreturn]] void openssl_failed(const char* what) {
  throw std::runtime_error(std::string("self-signed certificate: ") + what + ": " +
                           last_ssl_error());
}

void add_extension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX v3{};
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value.c_str());
  if (ext == nullptr) openssl_failed("extension");
  int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (ok != 1) openssl_failed("extension");
}

std::string bio_to_string(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

}  // namespace

bool valid_certificate_name(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  if (is_ip_literal(name)) return true;
  std::string rest = name.starts_with("*.") ? name.substr(2) : name;
  if (rest.empty() || rest.front() == '.' || rest.back() == '.') return false;
  size_t label = 0;
  for (size_t i = 0; i < rest.size(); ++i) {
    char c = rest[i];
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok || ++label > 63) return false;
  }
  return true;
}

SelfSignedCertificate make_self_signed_certificate(const std::string& name, int days) {
  if (!valid_certificate_name(name)) {
    throw std::invalid_argument("'" + name + "' is not a host name or IP address");
  }
  if (days < 1 || days > 3650) throw std::invalid_argument("validity must be 1 to 3650 days");
  ERR_clear_error();
  UniquePkey key(EVP_EC_gen("P-256"));
  if (!key) openssl_failed("key generation");
  UniqueX509 cert(X509_new());
  if (!cert) openssl_failed("allocation");
  X509* x = cert.get();
  X509_set_version(x, X509_VERSION_3);
  // RFC 5280 4.1.2.2: a positive serial of up to 20 octets; random, so reissued development
  // certificates never collide in a browser's store.
  unsigned char serial_bytes[16];
  if (RAND_bytes(serial_bytes, sizeof serial_bytes) != 1) openssl_failed("random serial");
  serial_bytes[0] &= 0x7f;
  BIGNUM* serial = BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr);
  if (serial == nullptr || BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x)) == nullptr) {
    BN_free(serial);
    openssl_failed("serial");
  }
  BN_free(serial);
  X509_gmtime_adj(X509_getm_notBefore(x), -300);  // tolerate clock skew of five minutes
  X509_gmtime_adj(X509_getm_notAfter(x), static_cast<long>(days) * 24 * 3600);
  X509_set_pubkey(x, key.get());
  X509_NAME* subject = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("portico development"), -1, -1,
                             0);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1, 0);
  X509_set_issuer_name(x, subject);

  std::string san = is_ip_literal(name) ? "IP:" + name : "DNS:" + name;
  if (name == "localhost") san += ",IP:127.0.0.1,IP:::1";
  add_extension(x, NID_subject_alt_name, san);
  // Browsers and OpenSSL accept a self-signed leaf as its own trust anchor when it is not
  // marked as a CA; keyCertSign is not set so it cannot sign other certificates.
  add_extension(x, NID_basic_constraints, "critical,CA:FALSE");
  add_extension(x, NID_key_usage, "critical,digitalSignature");
  add_extension(x, NID_ext_key_usage, "serverAuth");
  add_extension(x, NID_subject_key_identifier, "hash");
  if (X509_sign(x, key.get(), EVP_sha256()) == 0) openssl_failed("signing");

  SelfSignedCertificate out;
  UniqueBio cert_bio(BIO_new(BIO_s_mem()));
  UniqueBio key_bio(BIO_new(BIO_s_mem()));
  if (!cert_bio || !key_bio || PEM_write_bio_X509(cert_bio.get(), x) != 1 ||
      PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
          1) {
    openssl_failed("PEM encoding");
  }
  out.cert_pem = bio_to_string(cert_bio.get());
  out.key_pem = bio_to_string(key_bio.get());
  return out;
}

}  // namespace portico::tls
