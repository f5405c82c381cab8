// Case-insensitive header names and the owned field list.
#include "portico/http/headers.h"

#include <algorithm>

namespace portico::http {

namespace {
inline char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

void Headers::add(std::string_view name, std::string_view value) {
  fields_.push_back(Field{std::string(name), std::string(value)});
}

void Headers::set(std::string_view name, std::string_view value) {
  remove(name);
  add(name, value);
}

size_t Headers::remove(std::string_view name) {
  auto it = std::remove_if(fields_.begin(), fields_.end(),
                           [&](const Field& f) { return iequals(f.name, name); });
  size_t n = static_cast<size_t>(fields_.end() - it);
  fields_.erase(it, fields_.end());
  return n;
}

const std::string* Headers::get(std::string_view name) const {
  for (const auto& f : fields_) {
    if (iequals(f.name, name)) return &f.value;
  }
  return nullptr;
}

}  // namespace portico::http
