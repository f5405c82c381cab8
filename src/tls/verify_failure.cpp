// Certificate verification failures in words: OpenSSL's reason, the expected name, the
// certificate's names or subject and issuer.
#include "tls/verify_failure.h"

#include <arpa/inet.h>
#include <openssl/x509v3.h>

namespace portico::tls {
namespace {

std::string ip_text(const ASN1_OCTET_STRING* ip) {
  const unsigned char* bytes = ASN1_STRING_get0_data(ip);
  int len = ASN1_STRING_length(ip);
  char buf[INET6_ADDRSTRLEN] = {};
  if (len == 4) inet_ntop(AF_INET, bytes, buf, sizeof buf);
  if (len == 16) inet_ntop(AF_INET6, bytes, buf, sizeof buf);
  return buf[0] != '\0' ? std::string(buf) : std::string("?");
}

std::string one_line_name(X509_NAME* name) {
  if (name == nullptr) return "?";
  UniqueBio bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return "?";
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return len > 0 ? std::string(data, static_cast<size_t>(len)) : std::string("(empty)");
}

// The server's leaf certificate. After a failed verification OpenSSL has not set the peer
// certificate yet, but it keeps the chain it received (leaf first on the client side).
X509* peer_leaf(SSL* ssl) {
  X509* leaf = SSL_get0_peer_certificate(ssl);
  if (leaf != nullptr) return leaf;
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl);
  if (chain == nullptr || sk_X509_num(chain) == 0) return nullptr;
  return sk_X509_value(chain, 0);
}

std::string expected_name(SSL* ssl) {
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  const char* host = X509_VERIFY_PARAM_get0_host(param, 0);
  if (host != nullptr) return host;
  char* ip = X509_VERIFY_PARAM_get1_ip_asc(param);
  if (ip == nullptr) return "";
  std::string out = ip;
  OPENSSL_free(ip);
  return out;
}

}  // namespace

std::string certificate_names_text(X509* cert) {
  std::string out;
  auto add = [&out](const std::string& name) {
    if (!out.empty()) out += ", ";
    out += name;
  };
  auto* sans =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (sans != nullptr) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
      const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans, i);
      if (gn->type == GEN_DNS) {
        const ASN1_IA5STRING* s = gn->d.dNSName;
        add(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                        static_cast<size_t>(ASN1_STRING_length(s))));
      } else if (gn->type == GEN_IPADD) {
        add(ip_text(gn->d.iPAddress));
      }
    }
    GENERAL_NAMES_free(sans);
  }
  if (out.empty()) out = one_line_name(X509_get_subject_name(cert));
  return out;
}

std::string describe_verify_failure(SSL* ssl, long verify_result) {
  std::string out = "certificate verify failed: ";
  out += X509_verify_cert_error_string(verify_result);
  X509* leaf = peer_leaf(ssl);
  if (verify_result == X509_V_ERR_HOSTNAME_MISMATCH ||
      verify_result == X509_V_ERR_IP_ADDRESS_MISMATCH) {
    out += " (expected '" + expected_name(ssl) + "'";
    if (leaf != nullptr) out += ", certificate names: " + certificate_names_text(leaf);
    out += ")";
  } else if (leaf != nullptr) {
    out += " (certificate " + one_line_name(X509_get_subject_name(leaf)) + ", issued by " +
           one_line_name(X509_get_issuer_name(leaf)) + ")";
  }
  return out;
}

}  // namespace portico::tls
