// Certificate loading: PEM chain and key parsing, key match, names for SNI, validity dates.
#include "tls/certificate_loader.h"

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>

namespace portico::tls {
namespace {

// Never prompt on the terminal for a passphrase: an encrypted key is a configuration error.
int no_passphrase(char*, int, int, void*) { return -1; }

std::string lowercase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string quoted(const std::string& path) { return "'" + path + "'"; }

std::vector<std::string> certificate_names(X509* cert) {
  std::vector<std::string> names;
  auto* sans =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (sans != nullptr) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
      const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans, i);
      if (gn->type != GEN_DNS) continue;
      const ASN1_IA5STRING* s = gn->d.dNSName;
      std::string name(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<size_t>(ASN1_STRING_length(s)));
      if (!name.empty() && name.find('\0') == std::string::npos) {
        names.push_back(lowercase(std::move(name)));
      }
    }
    GENERAL_NAMES_free(sans);
  }
  if (names.empty()) {
    // RFC 6125 6.4.4: the CN is consulted only when there is no DNS subjectAltName.
    X509_NAME* subject = X509_get_subject_name(cert);
    int idx = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    if (idx >= 0) {
      ASN1_STRING* cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, idx));
      unsigned char* utf8 = nullptr;
      int len = ASN1_STRING_to_UTF8(&utf8, cn);
      if (len > 0) {
        names.push_back(lowercase(std::string(reinterpret_cast<char*>(utf8), len)));
      }
      OPENSSL_free(utf8);
    }
  }
  return names;
}

std::string key_type_name(EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA: return "RSA";
    case EVP_PKEY_RSA_PSS: return "RSA-PSS";
    case EVP_PKEY_EC: return "ECDSA";
    case EVP_PKEY_ED25519: return "Ed25519";
    case EVP_PKEY_ED448: return "Ed448";
    default: return "unknown";
  }
}

}  // namespace

bool load_certificate(const CertificateFiles& files, LoadedCertificate* out, std::string* error) {
  const std::string cert_what = "certificate file " + quoted(files.cert_file);
  const std::string key_what = "key file " + quoted(files.key_file);
  std::string cert_pem;
  std::string key_pem;
  std::string why;
  if (!read_small_file(files.cert_file, &cert_pem, &why)) {
    *error = cert_what + ": " + why;
    return false;
  }
  if (!read_small_file(files.key_file, &key_pem, &why)) {
    *error = key_what + ": " + why;
    return false;
  }
  ERR_clear_error();

  UniqueBio cert_bio(BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())));
  if (!cert_bio) {
    *error = cert_what + ": " + last_ssl_error("out of memory");
    return false;
  }
  UniqueX509 leaf(PEM_read_bio_X509(cert_bio.get(), nullptr, no_passphrase, nullptr));
  if (!leaf) {
    ERR_clear_error();
    *error = cert_what + ": no PEM certificate found";
    return false;
  }
  UniqueX509Stack chain(sk_X509_new_null());
  while (true) {
    X509* extra = PEM_read_bio_X509(cert_bio.get(), nullptr, no_passphrase, nullptr);
    if (extra == nullptr) break;
    sk_X509_push(chain.get(), extra);
  }
  // The loop ends with "no start line" at the end of the file; anything else is a broken PEM
  // block in the middle of the chain.
  unsigned long err = ERR_peek_last_error();
  if (err != 0 && ERR_GET_REASON(err) != PEM_R_NO_START_LINE) {
    *error = cert_what + ": bad certificate in the chain: " + last_ssl_error();
    return false;
  }
  ERR_clear_error();

  UniqueBio key_bio(BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())));
  UniquePkey key(key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr, no_passphrase, nullptr)
                         : nullptr);
  if (!key) {
    ERR_clear_error();
    if (key_pem.find("ENCRYPTED") != std::string::npos) {
      *error = key_what + ": the key is encrypted (passphrase-protected keys are not supported)";
    } else {
      *error = key_what + ": no PEM private key found";
    }
    return false;
  }
  if (X509_check_private_key(leaf.get(), key.get()) != 1) {
    ERR_clear_error();
    *error = key_what + " does not match certificate " + quoted(files.cert_file);
    return false;
  }

  out->files = files;
  out->names = certificate_names(leaf.get());
  if (out->names.empty()) {
    *error = cert_what + ": the certificate names no host (no subjectAltName DNS entry, no CN)";
    return false;
  }
  out->key_type = key_type_name(key.get());
  asn1_time_to_unix(X509_get0_notBefore(leaf.get()), &out->not_before_unix);
  asn1_time_to_unix(X509_get0_notAfter(leaf.get()), &out->not_after_unix);
  out->not_after_text = format_asn1_time(X509_get0_notAfter(leaf.get()));
  out->leaf = std::move(leaf);
  out->chain = std::move(chain);
  out->key = std::move(key);
  return true;
}

std::string validity_warning(const LoadedCertificate& cert, int64_t now_unix) {
  std::string who = "certificate '" + cert.files.cert_file + "' (" + join_names(cert.names) + ")";
  if (now_unix >= cert.not_after_unix) return who + " expired on " + cert.not_after_text;
  if (now_unix < cert.not_before_unix) {
    return who + " is not valid before " + format_asn1_time(X509_get0_notBefore(cert.leaf.get()));
  }
  return {};
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

}  // namespace portico::tls
