// Which media types a static file handler compresses.
#include "portico/http/compression_options.h"

#include "portico/http/headers.h"
#include "portico/http/mime.h"

namespace portico::http {

namespace {

std::string_view media_type_of(std::string_view content_type) {
  std::string_view t = content_type.substr(0, content_type.find(';'));
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  return t;
}

}  // namespace

bool should_compress_type(const CompressionOptions& options, std::string_view content_type) {
  if (options.types.empty()) return is_compressible_type(content_type);
  std::string_view type = media_type_of(content_type);
  for (const std::string& t : options.types) {
    if (t.size() >= 2 && t.compare(t.size() - 2, 2, "/*") == 0) {
      std::string_view top(t.data(), t.size() - 1);  // "text/"
      if (type.size() > top.size() && iequals(type.substr(0, top.size()), top)) return true;
    } else if (iequals(type, t)) {
      return true;
    }
  }
  return false;
}

}  // namespace portico::http
