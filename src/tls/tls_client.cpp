// TlsClientContext: the client SSL_CTX (trust, client certificate, ALPN), client transports
// with SNI and name verification, session reuse; failure reasons for the proxy.
#include "portico/tls/tls_client.h"

#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <optional>

#include "portico/base/log.h"
#include "portico/tls/tls_context.h"
#include "tls/alpn.h"
#include "tls/certificate_loader.h"
#include "tls/client_session_cache.h"
#include "tls/tls_transport.h"
#include "tls/upstream_name.h"

namespace portico::tls {

// Transports hold the Impl (not the TlsClientContext) so the SSL_CTX and the session cache its
// callback writes to outlive every connection.
struct TlsClientContext::Impl {
  TlsClientOptions options;
  UniqueSslCtx ctx;
  std::optional<UpstreamName> default_name;
  ClientSessionCache sessions;

  explicit Impl(TlsClientOptions o)
      : options(std::move(o)), sessions(options.session_cache_names) {}
};

namespace {

[[noreturn]] void fail(const std::string& what) { throw TlsConfigError("TLS upstream: " + what); }

// The session cache of a client SSL_CTX (for the new-session callback).
int cache_ex_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

void free_name(void* /*parent*/, void* ptr, CRYPTO_EX_DATA* /*ad*/, int /*idx*/, long /*argl*/,
               void* /*argp*/) {
  delete static_cast<std::string*>(ptr);
}

// The session cache key of a connection (its server name), owned by the SSL.
int name_ex_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, free_name);
  return index;
}

// A session (TLS 1.2 at the end of the handshake, TLS 1.3 from each NewSessionTicket, which
// arrives after the handshake, while reading) is stored under the connection's name.
int on_new_session(SSL* ssl, SSL_SESSION* session) {
  auto* cache =
      static_cast<ClientSessionCache*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), cache_ex_index()));
  auto* name = static_cast<const std::string*>(SSL_get_ex_data(ssl, name_ex_index()));
  if (cache == nullptr || name == nullptr) return 0;
  cache->put(*name, UniqueSslSession(session));
  return 1;  // the cache owns the reference now
}

// An unreadable trust anchor is a start-up error, not a stream of handshake failures later.
void check_readable(const std::string& path, bool want_dir, const char* what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    fail(std::string(what) + " '" + path + "': cannot read: " + std::strerror(errno));
  }
  if (want_dir && !S_ISDIR(st.st_mode))
    fail(std::string(what) + " '" + path + "': not a directory");
  if (!want_dir && !S_ISREG(st.st_mode)) {
    fail(std::string(what) + " '" + path + "': not a regular file");
  }
  if (::access(path.c_str(), want_dir ? (R_OK | X_OK) : R_OK) != 0) {
    fail(std::string(what) + " '" + path + "': cannot read: " + std::strerror(errno));
  }
}

void load_trust(SSL_CTX* ctx, const TlsClientOptions& o) {
  ERR_clear_error();
  if (o.ca_file.empty() && o.ca_dir.empty()) {
    if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
      fail("cannot load the system trust store: " + last_ssl_error());
    }
    return;
  }
  if (!o.ca_file.empty()) {
    check_readable(o.ca_file, false, "CA file");
    if (SSL_CTX_load_verify_file(ctx, o.ca_file.c_str()) != 1) {
      fail("CA file '" + o.ca_file + "': " + last_ssl_error("no PEM certificate found"));
    }
  }
  if (!o.ca_dir.empty()) {
    check_readable(o.ca_dir, true, "CA directory");
    if (SSL_CTX_load_verify_dir(ctx, o.ca_dir.c_str()) != 1) {
      fail("CA directory '" + o.ca_dir + "': " + last_ssl_error());
    }
  }
}

void load_client_certificate(SSL_CTX* ctx, const TlsClientOptions& o) {
  if (o.client_cert_file.empty() && o.client_key_file.empty()) return;
  if (o.client_cert_file.empty() || o.client_key_file.empty()) {
    fail("a client certificate needs both a certificate file and a key file");
  }
  LoadedCertificate cert;
  std::string why;
  if (!load_certificate({o.client_cert_file, o.client_key_file}, &cert, &why)) fail(why);
  ERR_clear_error();
  if (SSL_CTX_use_cert_and_key(ctx, cert.leaf.get(), cert.key.get(), cert.chain.get(), 1) != 1) {
    fail("certificate file '" + o.client_cert_file + "': " + last_ssl_error());
  }
}

UniqueSslCtx new_client_context(const TlsClientOptions& o) {
  UniqueSslCtx ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) fail("cannot create a context: " + last_ssl_error());
  SSL_CTX* c = ctx.get();
  // RFC 8996: no TLS 1.0 or 1.1, to upstreams either.
  SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(c, TLS1_3_VERSION);
  // Upstreams that close without close_notify are common; HTTP framing (Content-Length,
  // chunked) tells the proxy whether a response was complete, as on the server side.
  SSL_CTX_set_options(
      c, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF);
  // The same write contract as the server transport: partial writes from a moving queue head.
  SSL_CTX_set_mode(c, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                          SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_read_ahead(c, 1);
  if (o.verify_peer) {
    load_trust(c, o);
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
  } else {
    SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
  }
  load_client_certificate(c, o);
  if (!o.alpn.empty()) {
    std::string wire;
    std::string why;
    if (!encode_alpn(o.alpn, &wire, &why)) fail(why);
    // SSL_CTX_set_alpn_protos returns 0 on success.
    if (SSL_CTX_set_alpn_protos(c, reinterpret_cast<const unsigned char*>(wire.data()),
                                static_cast<unsigned>(wire.size())) != 0) {
      fail("cannot set ALPN: " + last_ssl_error());
    }
  }
  if (o.session_reuse) {
    // Our own cache (by name), not OpenSSL's internal one (which a client never looks up).
    SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(c, on_new_session);
  } else {
    SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(c, SSL_OP_NO_TICKET);
  }
  return ctx;
}

// Sets SNI, the name to verify and a cached session on a new client SSL.
bool prepare_connection(SSL* ssl, const UpstreamName& name, const TlsClientOptions& o,
                        ClientSessionCache& sessions) {
  if (name.is_ip) {
    // RFC 6066 3: no SNI for an IP literal; RFC 6125 / RFC 5280 4.2.1.6: match an IP SAN.
    if (o.verify_peer &&
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.text.c_str()) != 1) {
      return false;
    }
  } else {
    if (SSL_set_tlsext_host_name(ssl, name.text.c_str()) != 1) return false;
    if (o.verify_peer) {
      // RFC 6125 6.4.3: a wildcard is a whole left-most label ("*.example.com"), never "f*o".
      SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      if (SSL_set1_host(ssl, name.text.c_str()) != 1) return false;
    }
  }
  if (!o.session_reuse) return true;
  auto* key = new std::string(name.text);
  if (SSL_set_ex_data(ssl, name_ex_index(), key) != 1) {
    delete key;
    return false;
  }
  UniqueSslSession cached = sessions.take(name.text, static_cast<int64_t>(std::time(nullptr)));
  if (cached) SSL_set_session(ssl, cached.get());  // takes its own reference
  return true;
}

const TlsTransport* as_tls(const net::Transport& t) {
  return dynamic_cast<const TlsTransport*>(&t);
}

}  // namespace

std::shared_ptr<TlsClientContext> TlsClientContext::create(TlsClientOptions options) {
  auto impl = std::make_shared<Impl>(std::move(options));
  const TlsClientOptions& o = impl->options;
  if (!o.server_name.empty()) {
    impl->default_name = parse_upstream_name(o.server_name);
    if (!impl->default_name) fail("server name '" + o.server_name + "' is not a host name or IP");
  } else if (o.verify_peer) {
    fail("verifying the certificate needs a server name (or turn verification off)");
  }
  impl->ctx = new_client_context(o);
  SSL_CTX_set_ex_data(impl->ctx.get(), cache_ex_index(), &impl->sessions);
  std::shared_ptr<TlsClientContext> ctx(new TlsClientContext(std::move(impl)));
  ctx->self_ = ctx;
  return ctx;
}

TlsClientContext::TlsClientContext(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

TlsClientContext::~TlsClientContext() = default;

const TlsClientOptions& TlsClientContext::options() const { return impl_->options; }

std::unique_ptr<net::Transport> TlsClientContext::make_transport(int fd) const {
  if (!impl_->default_name) {
    // Verification off and no name: no SNI, nothing to check; sessions under "".
    return make_transport(fd, std::string_view());
  }
  return make_transport(fd, impl_->default_name->text);
}

std::unique_ptr<net::Transport> TlsClientContext::make_transport(
    int fd, std::string_view server_name) const {
  UpstreamName name;
  if (!server_name.empty()) {
    std::optional<UpstreamName> parsed = parse_upstream_name(server_name);
    if (!parsed) {
      LOG_ERROR("TLS upstream: server name '%.*s' is not a host name or IP",
                static_cast<int>(server_name.size()), server_name.data());
      return nullptr;
    }
    name = std::move(*parsed);
  } else if (impl_->options.verify_peer) {
    LOG_ERROR("TLS upstream: verifying the certificate needs a server name");
    return nullptr;
  } else {
    name.is_ip = true;  // nothing to send as SNI
  }
  UniqueSsl ssl(SSL_new(impl_->ctx.get()));
  if (!ssl || SSL_set_fd(ssl.get(), fd) != 1) {
    LOG_ERROR("TLS upstream: cannot create a connection: %s", last_ssl_error().c_str());
    return nullptr;
  }
  SSL_set_connect_state(ssl.get());
  if (!prepare_connection(ssl.get(), name, impl_->options, impl_->sessions)) {
    LOG_ERROR("TLS upstream: cannot set the server name '%s': %s", name.text.c_str(),
              last_ssl_error().c_str());
    return nullptr;
  }
  return TlsTransport::create_client(fd, impl_, std::move(ssl));
}

net::TcpClient::TransportFactory TlsClientContext::transport_factory() {
  std::shared_ptr<TlsClientContext> self = self_.lock();
  return [self](int fd) { return self->make_transport(fd); };
}

size_t TlsClientContext::cached_sessions() const { return impl_->sessions.sessions(); }

std::string tls_failure_reason(const net::Transport& transport) {
  const TlsTransport* tls = as_tls(transport);
  return tls ? tls->failure_reason() : std::string();
}

bool tls_session_reused(const net::Transport& transport) {
  const TlsTransport* tls = as_tls(transport);
  return tls != nullptr && tls->established() && SSL_session_reused(tls->ssl()) == 1;
}

std::string_view tls_version(const net::Transport& transport) {
  const TlsTransport* tls = as_tls(transport);
  if (tls == nullptr) return {};
  return SSL_get_version(tls->ssl());
}

}  // namespace portico::tls
