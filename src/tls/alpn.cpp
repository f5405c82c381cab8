// ALPN encoding and server-preference selection (RFC 7301 3.1, 3.2).
#include "tls/alpn.h"

namespace portico::tls {
namespace {

// Calls fn(protocol) for each entry; false if the list is malformed (RFC 7301 3.1: entries are
// non-empty, and the lengths must add up exactly).
template <typename F>
bool for_each_protocol(std::string_view wire, F&& fn) {
  size_t i = 0;
  while (i < wire.size()) {
    size_t len = static_cast<unsigned char>(wire[i]);
    if (len == 0 || i + 1 + len > wire.size()) return false;
    if (fn(wire.substr(i + 1, len))) return true;
    i += 1 + len;
  }
  return true;
}

}  // namespace

bool encode_alpn(const std::vector<std::string>& protocols, std::string* wire, std::string* error) {
  wire->clear();
  if (protocols.empty()) {
    *error = "ALPN protocol list is empty";
    return false;
  }
  for (const auto& p : protocols) {
    if (p.empty() || p.size() > 255) {
      *error = "ALPN protocol '" + p + "' must be 1 to 255 bytes";
      return false;
    }
    wire->push_back(static_cast<char>(p.size()));
    *wire += p;
  }
  return true;
}

std::optional<std::string_view> select_alpn(std::string_view server, std::string_view client) {
  bool client_ok = for_each_protocol(client, [](std::string_view) { return false; });
  if (!client_ok || client.empty()) return std::nullopt;
  std::optional<std::string_view> chosen;
  for_each_protocol(server, [&](std::string_view want) {
    for_each_protocol(client, [&](std::string_view offered) {
      if (offered == want) chosen = offered;
      return chosen.has_value();
    });
    return chosen.has_value();
  });
  return chosen;
}

}  // namespace portico::tls
