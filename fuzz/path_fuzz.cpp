// libFuzzer target: normalize_request_path never yields a path that could leave the root.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/utf8.h"
#include "portico/http/path.h"

using portico::http::normalize_request_path;
using portico::http::PathOptions;
using portico::http::PathResult;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

// Every invariant open_under_root relies on.
void check_safe(const PathResult& r, const PathOptions& opt) {
  const std::string& rel = r.relative();
  if (rel.empty()) return;
  check(rel.front() != '/' && rel.back() != '/');
  check(portico::http::is_valid_utf8(rel));
  size_t start = 0;
  for (size_t seg_index = 0;; ++seg_index) {
    size_t slash = rel.find('/', start);
    std::string_view seg = std::string_view(rel).substr(start, slash - start);
    check(!seg.empty() && seg != "." && seg != "..");
    if (!opt.allow_dotfiles && seg.front() == '.') check(seg_index == 0 && seg == ".well-known");
    for (char c : seg) {
      unsigned char b = static_cast<unsigned char>(c);
      check(b >= 0x20 && b != 0x7f && c != '\\');
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
}

// Re-encoding the result and normalizing again gives the same path: decoding happened once.
void check_idempotent(const PathResult& r, const PathOptions& opt) {
  std::string again = "/";
  for (char c : r.relative()) {
    if (c == '%')
      again += "%25";
    else if (c == '?')
      again += "%3F";
    else if (c == '#')
      again += "%23";
    else
      again += c;
  }
  PathResult r2 = normalize_request_path(again, opt);
  check(r2.ok() && r2.relative() == r.relative());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  for (bool dotfiles : {false, true}) {
    PathOptions opt{.allow_dotfiles = dotfiles};
    PathResult r = normalize_request_path(raw, opt);
    if (!r.ok()) continue;
    check_safe(r, opt);
    check_idempotent(r, opt);
  }
  return 0;
}
