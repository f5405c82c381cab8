// Test helpers for the tls layer: temporary certificates (ECDSA, RSA, CA-signed), TCP socket
// pairs, and an OpenSSL client driven step by step against a server transport.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "portico/net/transport.h"
#include "tls/openssl_util.h"

namespace portico::tls::testing {

// A directory under /tmp removed with everything in it at destruction.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/portico-tls-test-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  std::string write(const std::string& name, const std::string& data) const {
    std::string p = file(name);
    std::ofstream(p, std::ios::binary | std::ios::trunc) << data;
    return p;
  }

 private:
  std::string path_;
};

enum class KeyKind { kEcdsa, kRsa };

struct TestCert {
  UniqueX509 cert;
  UniquePkey key;
  std::string cert_pem;
  std::string key_pem;
};

inline std::string pem_of(X509* x) {
  UniqueBio b(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(b.get(), x);
  char* d = nullptr;
  long n = BIO_get_mem_data(b.get(), &d);
  return std::string(d, static_cast<size_t>(n));
}

inline std::string pem_of(EVP_PKEY* k) {
  UniqueBio b(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(b.get(), k, nullptr, nullptr, 0, nullptr, nullptr);
  char* d = nullptr;
  long n = BIO_get_mem_data(b.get(), &d);
  return std::string(d, static_cast<size_t>(n));
}

inline void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX v3{};
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value.c_str());
  if (ext == nullptr) throw std::runtime_error("bad extension " + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A certificate for cn with the given SAN ("DNS:a,DNS:b"; empty: none), valid from
// not_before_days to not_after_days relative to now, signed by issuer (self-signed if null).
// is_ca makes a CA certificate.
inline TestCert make_cert(const std::string& cn, const std::string& san, KeyKind kind,
                          const TestCert* issuer = nullptr, long not_before_days = -1,
                          long not_after_days = 30, bool is_ca = false) {
  TestCert out;
  out.key.reset(kind == KeyKind::kEcdsa ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048));
  out.cert.reset(X509_new());
  X509* x = out.cert.get();
  X509_set_version(x, X509_VERSION_3);
  unsigned char serial[8];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(x), not_before_days * 86400);
  X509_gmtime_adj(X509_getm_notAfter(x), not_after_days * 86400);
  X509_set_pubkey(x, out.key.get());
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509* issuer_cert = issuer ? issuer->cert.get() : x;
  X509_set_issuer_name(x, X509_get_subject_name(issuer_cert));
  if (!san.empty()) add_ext(x, issuer_cert, NID_subject_alt_name, san);
  add_ext(x, issuer_cert, NID_basic_constraints, is_ca ? "critical,CA:TRUE" : "CA:FALSE");
  if (is_ca) add_ext(x, issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_ext(x, issuer_cert, NID_subject_key_identifier, "hash");
  if (issuer) add_ext(x, issuer_cert, NID_authority_key_identifier, "keyid");
  X509_sign(x, issuer ? issuer->key.get() : out.key.get(), EVP_sha256());
  out.cert_pem = pem_of(x);
  out.key_pem = pem_of(out.key.get());
  return out;
}

// A connected TCP pair on loopback, both ends non-blocking.
inline std::pair<int, int> tcp_pair() {
  int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::listen(lfd, 1);
  socklen_t len = sizeof addr;
  ::getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len);
  int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    throw std::runtime_error("connect failed");
  }
  int server = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  ::close(lfd);
  ::fcntl(client, F_SETFL, ::fcntl(client, F_GETFL) | O_NONBLOCK);
  int one = 1;
  ::setsockopt(server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return {server, client};
}

// A TLS client over a non-blocking socket, for driving a server transport in lock step.
struct TestClient {
  UniqueSslCtx ctx;
  UniqueSsl ssl;
  int fd = -1;

  explicit TestClient(int client_fd, const std::string& sni = "", const std::string& ca_pem = "",
                      std::vector<std::string> alpn = {"http/1.1"})
      : fd(client_fd) {
    ctx.reset(SSL_CTX_new(TLS_client_method()));
    if (!ca_pem.empty()) {
      UniqueBio b(BIO_new_mem_buf(ca_pem.data(), static_cast<int>(ca_pem.size())));
      X509* ca = PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr);
      X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx.get()), ca);
      X509_free(ca);
      SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    }
    ssl.reset(SSL_new(ctx.get()));
    SSL_set_fd(ssl.get(), fd);
    SSL_set_connect_state(ssl.get());
    if (!sni.empty()) SSL_set_tlsext_host_name(ssl.get(), sni.c_str());
    if (!alpn.empty()) {
      std::string wire;
      for (const auto& p : alpn) {
        wire.push_back(static_cast<char>(p.size()));
        wire += p;
      }
      SSL_set_alpn_protos(ssl.get(), reinterpret_cast<const unsigned char*>(wire.data()),
                          static_cast<unsigned>(wire.size()));
    }
  }
  ~TestClient() {
    ssl.reset();
    if (fd >= 0) ::close(fd);
  }

  // One handshake step: 1 done, 0 in progress, -1 failed.
  int step() {
    int r = SSL_do_handshake(ssl.get());
    if (r == 1) return 1;
    int e = SSL_get_error(ssl.get(), r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return 0;
    ERR_clear_error();
    return -1;
  }

  // Reads whatever is available (non-blocking) into out; returns false at close/error.
  bool read_some(std::string& out) {
    char buf[16384];
    while (true) {
      int n = SSL_read(ssl.get(), buf, sizeof buf);
      if (n > 0) {
        out.append(buf, static_cast<size_t>(n));
        continue;
      }
      int e = SSL_get_error(ssl.get(), n);
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return true;
      ERR_clear_error();
      return false;
    }
  }
};

// Alternates server handshake steps and client steps until both finish or one fails (bounded).
// Returns true when both completed.
inline bool pump_handshake(net::Transport& server, TestClient& client, net::IoResult* last) {
  bool server_done = false;
  bool client_done = false;
  for (int i = 0; i < 2000 && !(server_done && client_done); ++i) {
    if (!client_done) {
      int c = client.step();
      if (c < 0) {
        // The server may still have to read the client's alert.
        *last = server.handshake();
        return false;
      }
      client_done = c == 1;
    }
    if (!server_done) {
      *last = server.handshake();
      if (last->status == net::IoStatus::kOk) server_done = true;
      if (last->status == net::IoStatus::kError || last->status == net::IoStatus::kEof) {
        return false;
      }
    }
    if (!(server_done && client_done)) ::usleep(200);
  }
  return server_done && client_done;
}

}  // namespace portico::tls::testing
