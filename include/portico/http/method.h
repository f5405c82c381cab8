// HTTP request methods (RFC 9110 9): the eight standard methods as a type.
#pragma once

#include <cstdint>
#include <string_view>

namespace portico::http {

// kOther: a syntactically valid token that is not one of the known methods (-> 501).
enum class Method : uint8_t {
  kGet,
  kHead,
  kPost,
  kPut,
  kDelete,
  kOptions,
  kTrace,
  kConnect,
  kOther
};

// Methods are case-sensitive (RFC 9110 9.1): "get" is kOther, not kGet.
Method parse_method(std::string_view token);
std::string_view to_string(Method m);

}  // namespace portico::http
