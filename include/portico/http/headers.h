// Header fields: case-insensitive names (RFC 9110 5.1) compared in exactly one place.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace portico::http {

// ASCII case-insensitive equality, the only comparison used for field names and tokens.
bool iequals(std::string_view a, std::string_view b);

// A field as parsed: views into the connection's buffer (valid while the request is).
struct HeaderView {
  std::string_view name;
  std::string_view value;  // leading/trailing whitespace already trimmed
};

// An owned field list for responses and for requests that must outlive the buffer.
class Headers {
 public:
  struct Field {
    std::string name;
    std::string value;
  };

  // Appends a field (several fields may share a name, e.g. Set-Cookie).
  void add(std::string_view name, std::string_view value);
  // Replaces every field of that name with one.
  void set(std::string_view name, std::string_view value);
  // Removes every field of that name; returns how many were removed.
  size_t remove(std::string_view name);
  // First field of that name, or nullptr.
  const std::string* get(std::string_view name) const;
  bool contains(std::string_view name) const { return get(name) != nullptr; }

  const std::vector<Field>& fields() const { return fields_; }
  bool empty() const { return fields_.empty(); }
  size_t size() const { return fields_.size(); }
  void clear() { fields_.clear(); }

 private:
  std::vector<Field> fields_;
};

}  // namespace portico::http
