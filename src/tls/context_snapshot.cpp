// Building server SSL_CTXs: protocol and cipher policy, certificates by name, SNI, ALPN,
// session cache and tickets, client certificates.
#include "tls/context_snapshot.h"

#include <algorithm>
#include <map>

#include "portico/tls/tls_context.h"
#include "tls/alpn.h"
#include "tls/certificate_loader.h"
#include "tls/ktls_probe.h"

namespace portico::tls {
namespace {

// TLS 1.2 suites: forward secrecy (ECDHE) and AEAD only, AES-GCM first (hardware AES), then
// ChaCha20 (clients without AES instructions ask for it first; SSL_OP_PRIORITIZE_CHACHA honours
// that). No CBC, no RSA key exchange, no DHE (slow and often weak parameters).
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
// TLS 1.3 suites are all AEAD; the order is the server's preference.
constexpr const char* kTls13Suites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
constexpr const char* kGroups = "X25519:P-256:P-384";
// Session cache entries are bound to this id (required once client certificates are verified).
constexpr unsigned char kSessionIdContext[] = "portico";

int snapshot_ex_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

// SNI (RFC 6066 3): move the connection to the context for the requested host name; unknown
// or absent names stay on the default certificate, as browsers expect of a default server.
int on_servername(SSL* ssl, int* /*alert*/, void* /*arg*/) {
  const char* host = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (host == nullptr) return SSL_TLSEXT_ERR_OK;
  const ContextSnapshot* snap = ContextSnapshot::of(SSL_get_SSL_CTX(ssl));
  if (snap == nullptr) return SSL_TLSEXT_ERR_OK;
  std::optional<size_t> idx = snap->names.find(host);
  if (idx && *idx != 0 && *idx < snap->contexts.size()) {
    SSL_set_SSL_CTX(ssl, snap->contexts[*idx].get());
  }
  return SSL_TLSEXT_ERR_OK;
}

// RFC 7301 3.2: the server picks by its own preference; no overlap is a fatal
// no_application_protocol alert.
int on_alpn(SSL* ssl, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
            unsigned int inlen, void* /*arg*/) {
  const ContextSnapshot* snap = ContextSnapshot::of(SSL_get_SSL_CTX(ssl));
  if (snap == nullptr) return SSL_TLSEXT_ERR_NOACK;
  auto chosen =
      select_alpn(snap->alpn_wire, std::string_view(reinterpret_cast<const char*>(in), inlen));
  if (!chosen) return SSL_TLSEXT_ERR_ALERT_FATAL;
  *out = reinterpret_cast<const unsigned char*>(chosen->data());
  *outlen = static_cast<unsigned char>(chosen->size());
  return SSL_TLSEXT_ERR_OK;
}

int on_ticket_key(SSL* ssl, unsigned char key_name[16], unsigned char iv[EVP_MAX_IV_LENGTH],
                  EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac, int enc) {
  const ContextSnapshot* snap = ContextSnapshot::of(SSL_get_SSL_CTX(ssl));
  if (snap == nullptr || !snap->tickets) return enc ? -1 : 0;
  return snap->tickets->handle(key_name, iv, cipher, mac, enc);
}

[[noreturn]] void fail(const std::string& what) { throw TlsConfigError(what); }

UniqueSslCtx new_context(const TlsOptions& options) {
  UniqueSslCtx ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) fail("TLS: cannot create a context: " + last_ssl_error());
  SSL_CTX* c = ctx.get();
  // RFC 8996: TLS 1.0 and 1.1 are deprecated; only 1.2 and 1.3.
  SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(c, TLS1_3_VERSION);
  uint64_t opts = SSL_OP_NO_COMPRESSION              // CRIME
                  | SSL_OP_NO_RENEGOTIATION          // client-initiated renegotiation DoS
                  | SSL_OP_CIPHER_SERVER_PREFERENCE  // our order, not the client's
                  | SSL_OP_PRIORITIZE_CHACHA         // ...unless the client leads with ChaCha20
                  | SSL_OP_IGNORE_UNEXPECTED_EOF;    // a peer closing without close_notify is EOF
  if (options.enable_ktls && kernel_tls_support().available) opts |= SSL_OP_ENABLE_KTLS;
  SSL_CTX_set_options(c, opts);
  if (SSL_CTX_set_cipher_list(c, kTls12Ciphers) != 1 ||
      SSL_CTX_set_ciphersuites(c, kTls13Suites) != 1 || SSL_CTX_set1_groups_list(c, kGroups) != 1) {
    fail("TLS: cannot set the cipher policy: " + last_ssl_error());
  }
  // Partial writes and a moving buffer: the output queue hands SSL_write whatever is at its
  // head, possibly at a new address after a WANT_WRITE. Released buffers: an idle connection
  // holds no 16 KiB record buffers (bounded memory per connection).
  SSL_CTX_set_mode(c, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                          SSL_MODE_RELEASE_BUFFERS);
  // Read ahead: one read(2) fetches several records instead of a header read and a body read.
  SSL_CTX_set_read_ahead(c, 1);
  SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_SERVER);
  SSL_CTX_sess_set_cache_size(c, static_cast<long>(options.session_cache_entries));
  SSL_CTX_set_timeout(c, static_cast<long>(options.session_lifetime_s));
  SSL_CTX_set_session_id_context(c, kSessionIdContext, sizeof kSessionIdContext - 1);
  SSL_CTX_set_tlsext_ticket_key_evp_cb(c, on_ticket_key);
  SSL_CTX_set_tlsext_servername_callback(c, on_servername);
  SSL_CTX_set_alpn_select_cb(c, on_alpn, nullptr);
  return ctx;
}

void load_client_ca(SSL_CTX* ctx, const std::string& ca_file) {
  std::string pem;
  std::string why;
  if (!read_small_file(ca_file, &pem, &why)) fail("client CA file '" + ca_file + "': " + why);
  ERR_clear_error();
  if (SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr) != 1) {
    fail("client CA file '" + ca_file + "': " + last_ssl_error("no PEM certificate found"));
  }
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(ca_file.c_str());
  if (names == nullptr) fail("client CA file '" + ca_file + "': no PEM certificate found");
  SSL_CTX_set_client_CA_list(ctx, names);  // takes ownership
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  SSL_CTX_set_verify_depth(ctx, 8);
}

}  // namespace

const ContextSnapshot* ContextSnapshot::of(const SSL_CTX* ctx) {
  if (ctx == nullptr) return nullptr;
  return static_cast<const ContextSnapshot*>(SSL_CTX_get_ex_data(ctx, snapshot_ex_index()));
}

std::shared_ptr<const ContextSnapshot> build_snapshot(const TlsOptions& options,
                                                      std::shared_ptr<TicketKeyRing> tickets,
                                                      int64_t now_unix) {
  if (options.certificates.empty()) fail("TLS: no certificate given (--cert FILE --key FILE)");
  auto snap = std::make_shared<ContextSnapshot>();
  snap->tickets = std::move(tickets);
  snap->enable_ktls = options.enable_ktls;
  std::string why;
  if (!encode_alpn(options.alpn, &snap->alpn_wire, &why)) fail("TLS: " + why);

  // Group certificates by the exact set of names they serve: one context per group.
  std::vector<LoadedCertificate> loaded(options.certificates.size());
  std::map<std::vector<std::string>, size_t> group_of_names;
  std::vector<std::vector<size_t>> groups;
  for (size_t i = 0; i < options.certificates.size(); ++i) {
    if (!load_certificate(options.certificates[i], &loaded[i], &why)) fail(why);
    std::string warning = validity_warning(loaded[i], now_unix);
    if (!warning.empty()) snap->warnings.push_back(std::move(warning));
    std::vector<std::string> key = loaded[i].names;
    std::sort(key.begin(), key.end());
    auto [it, inserted] = group_of_names.emplace(key, groups.size());
    if (inserted) groups.emplace_back();
    for (size_t other : groups[it->second]) {
      if (loaded[other].key_type == loaded[i].key_type) {
        fail("certificate file '" + loaded[i].files.cert_file + "': same names and key type (" +
             loaded[i].key_type + ") as '" + loaded[other].files.cert_file + "'");
      }
    }
    groups[it->second].push_back(i);
  }

  for (size_t g = 0; g < groups.size(); ++g) {
    UniqueSslCtx ctx = new_context(options);
    for (size_t i : groups[g]) {
      LoadedCertificate& cert = loaded[i];
      ERR_clear_error();
      if (SSL_CTX_use_cert_and_key(ctx.get(), cert.leaf.get(), cert.key.get(), cert.chain.get(),
                                   1) != 1) {
        // e.g. "ee key too small" for an RSA key under 2048 bits (security level 2)
        fail("certificate file '" + cert.files.cert_file + "': " + last_ssl_error());
      }
    }
    if (!options.client_ca_file.empty()) load_client_ca(ctx.get(), options.client_ca_file);
    SSL_CTX_set_ex_data(ctx.get(), snapshot_ex_index(), snap.get());
    const LoadedCertificate& first = loaded[groups[g].front()];
    for (const auto& name : first.names) {
      if (snap->names.add(name, g)) {
        snap->served_names.push_back(name);
      } else if (snap->names.find(name) != g) {
        snap->warnings.push_back("certificate '" + first.files.cert_file + "': name '" + name +
                                 "' is already served by an earlier certificate; ignored");
      }
    }
    snap->contexts.push_back(std::move(ctx));
  }
  return snap;
}

}  // namespace portico::tls
