// Request id validation and generation.
#include "portico/http/request_id.h"

#include <cstdio>
#include <random>

namespace portico::http {
namespace {

uint32_t process_prefix() {
  // Drawn once; the first request of the process pays for it.
  static const uint32_t prefix = [] {
    std::random_device rd;
    return static_cast<uint32_t>(rd());
  }();
  return prefix;
}

}  // namespace

bool valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdBytes) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == ':' || c == '+' || c == '/' || c == '=' ||
              c == '@';
    if (!ok) return false;
  }
  return true;
}

void generate_request_id(uint64_t connection_id, uint32_t request_index, std::string& out) {
  char buf[48];
  int n = std::snprintf(buf, sizeof buf, "%08x-%llx-%x", process_prefix(),
                        static_cast<unsigned long long>(connection_id), request_index);
  out.assign(buf, static_cast<size_t>(n));
}

}  // namespace portico::http
