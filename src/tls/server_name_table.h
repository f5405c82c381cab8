// ServerNameTable: which certificate serves a TLS SNI host name (exact, then wildcard).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace portico::tls {

// Maps host names to certificate indexes. Lookups are case-insensitive and ignore one trailing
// dot. A wildcard "*.example.com" matches exactly one label ("a.example.com", not
// "example.com" nor "a.b.example.com"), as RFC 6125 6.4.3 allows; an exact name wins over a
// wildcard.
class ServerNameTable {
 public:
  // Returns false (and keeps the earlier entry) if the name is already in the table, or if it
  // is not a usable name ("", "*", "*.", "a.*.b").
  bool add(std::string_view name, size_t index);
  std::optional<size_t> find(std::string_view host) const;
  size_t size() const { return exact_.size() + wildcard_.size(); }

 private:
  std::unordered_map<std::string, size_t> exact_;
  std::unordered_map<std::string, size_t> wildcard_;  // keyed by the part after "*."
};

}  // namespace portico::tls
