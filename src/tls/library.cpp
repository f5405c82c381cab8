// Runtime OpenSSL version.
#include "portico/tls/library.h"

#include <openssl/crypto.h>

namespace portico::tls {

std::string library_version() { return OpenSSL_version(OPENSSL_VERSION); }

}  // namespace portico::tls
