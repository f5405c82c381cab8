// Facts about the TLS library portico is built on (for `portico version`).
#pragma once

#include <string>

namespace portico::tls {

// The runtime OpenSSL version string, e.g. "OpenSSL 3.0.11 19 Sep 2023".
std::string library_version();

}  // namespace portico::tls
