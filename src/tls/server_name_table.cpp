// ServerNameTable: exact and one-label wildcard matching of SNI host names.
#include "tls/server_name_table.h"

#include <cctype>

namespace portico::tls {
namespace {

std::string normalize(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  std::string out(name);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

bool ServerNameTable::add(std::string_view name, size_t index) {
  std::string n = normalize(name);
  if (n.empty()) return false;
  if (n.starts_with("*.")) {
    std::string rest = n.substr(2);
    if (rest.empty() || rest.find('*') != std::string::npos) return false;
    return wildcard_.emplace(std::move(rest), index).second;
  }
  if (n.find('*') != std::string::npos) return false;  // partial wildcards are not honoured
  return exact_.emplace(std::move(n), index).second;
}

std::optional<size_t> ServerNameTable::find(std::string_view host) const {
  std::string h = normalize(host);
  if (h.empty()) return std::nullopt;
  if (auto it = exact_.find(h); it != exact_.end()) return it->second;
  size_t dot = h.find('.');
  if (dot == std::string::npos || dot == 0) return std::nullopt;
  if (auto it = wildcard_.find(h.substr(dot + 1)); it != wildcard_.end()) return it->second;
  return std::nullopt;
}

}  // namespace portico::tls
