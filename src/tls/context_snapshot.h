// ContextSnapshot: one immutable generation of OpenSSL server contexts built from TlsOptions.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "portico/tls/tls_options.h"
#include "tls/openssl_util.h"
#include "tls/server_name_table.h"
#include "tls/ticket_keys.h"

namespace portico::tls {

// Every certificate name set gets its own SSL_CTX (holding the ECDSA and/or RSA certificate
// for those names); contexts[0] is the default. A connection starts on contexts[0] (which also
// holds the session cache) and the SNI callback moves it to the context for the client's host
// name. Each context points back to its snapshot (ex_data) for the callbacks.
//
// Lifetime: a TlsTransport holds a shared_ptr to the snapshot it started with, so contexts,
// name table and ALPN list outlive every connection using them, however many reloads happen.
struct ContextSnapshot {
  std::vector<UniqueSslCtx> contexts;
  ServerNameTable names;
  std::string alpn_wire;
  std::shared_ptr<TicketKeyRing> tickets;
  std::vector<std::string> served_names;  // for logs, in certificate order
  std::vector<std::string> warnings;      // expiry, names claimed twice
  bool enable_ktls = true;
  uint64_t generation = 0;

  ContextSnapshot() = default;
  ContextSnapshot(const ContextSnapshot&) = delete;
  ContextSnapshot& operator=(const ContextSnapshot&) = delete;

  // The snapshot a context belongs to (set by build_snapshot), or null.
  static const ContextSnapshot* of(const SSL_CTX* ctx);
};

// Loads and checks every file and builds the contexts. Throws TlsConfigError naming the file
// and the problem. now_unix decides expiry warnings.
std::shared_ptr<const ContextSnapshot> build_snapshot(const TlsOptions& options,
                                                      std::shared_ptr<TicketKeyRing> tickets,
                                                      int64_t now_unix);

}  // namespace portico::tls
