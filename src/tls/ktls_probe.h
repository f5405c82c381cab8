// Whether this kernel offers kernel TLS (the "tls" TCP ULP), probed once per process.
#pragma once

#include <string>

namespace portico::tls {

struct KtlsSupport {
  bool available = false;
  std::string reason;  // why not, for the log
};

// Asks the kernel once (setsockopt TCP_ULP "tls" on a fresh socket) and caches the answer.
// Without this, OpenSSL tries TCP_ULP on every connection when SSL_OP_ENABLE_KTLS is set, and
// on a kernel without the module each try makes the kernel attempt to load it (a modprobe
// upcall), milliseconds per handshake.
const KtlsSupport& kernel_tls_support();

}  // namespace portico::tls
