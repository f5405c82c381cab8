// HTTP protocol version of a message (RFC 9112 2.3): only 1.0 and 1.1 are served.
#pragma once

#include <cstdint>
#include <string_view>

namespace portico::http {

enum class Version : uint8_t { kHttp10, kHttp11 };

inline std::string_view to_string(Version v) {
  return v == Version::kHttp10 ? "HTTP/1.0" : "HTTP/1.1";
}

}  // namespace portico::http
