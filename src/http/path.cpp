// Request path normalization: decode once, validate, resolve dot segments inside the root.
#include "portico/http/path.h"

#include <vector>

#include "http/utf8.h"

namespace portico::http {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Status to_status(PathError e) {
  // A dotfile is real but hidden: answer as if it did not exist. Everything else is a request
  // no honest client produces (a browser never sends "/../" or %00): 400, as nginx does.
  return e == PathError::kDotfile ? Status::kNotFound : Status::kBadRequest;
}

std::string_view to_string(PathError e) {
  switch (e) {
    case PathError::kNotOriginForm: return "path does not start with '/'";
    case PathError::kBadEncoding: return "bad percent-encoding";
    case PathError::kNulByte: return "NUL byte in path";
    case PathError::kControlByte: return "control byte in path";
    case PathError::kBackslash: return "backslash in path";
    case PathError::kInvalidUtf8: return "path is not valid UTF-8";
    case PathError::kTraversal: return "path climbs above the root";
    case PathError::kDotfile: return "dotfile refused";
  }
  return "bad path";
}

PathResult normalize_request_path(std::string_view raw_path, const PathOptions& options) {
  raw_path = raw_path.substr(0, raw_path.find('?'));
  if (raw_path.empty() || raw_path.front() != '/')
    return PathResult::failure(PathError::kNotOriginForm);

  // 1-2. Decode exactly once, checking every resulting byte, raw or decoded alike.
  std::string decoded;
  decoded.reserve(raw_path.size());
  for (size_t i = 0; i < raw_path.size(); ++i) {
    char c = raw_path[i];
    if (c == '%') {
      int hi = i + 2 < raw_path.size() ? hex_value(raw_path[i + 1]) : -1;
      int lo = hi >= 0 ? hex_value(raw_path[i + 2]) : -1;
      if (lo < 0) return PathResult::failure(PathError::kBadEncoding);
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '#') {  // RFC 9112 3.2: a fragment never appears in a request-target
      return PathResult::failure(PathError::kBadEncoding);
    }
    unsigned char b = static_cast<unsigned char>(c);
    if (b == 0) return PathResult::failure(PathError::kNulByte);
    if (b < 0x20 || b == 0x7f) return PathResult::failure(PathError::kControlByte);
    if (c == '\\') return PathResult::failure(PathError::kBackslash);
    decoded.push_back(c);
  }
  if (!is_valid_utf8(decoded)) return PathResult::failure(PathError::kInvalidUtf8);

  // 3. Dot segments (RFC 3986 5.2.4), except that ".." at the root is an error, not a no-op.
  std::vector<std::string_view> segments;
  bool trailing_slash = false;
  std::string_view rest = std::string_view(decoded).substr(1);
  while (true) {
    size_t slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    if (seg.empty() || seg == ".") {
      trailing_slash = true;
    } else if (seg == "..") {
      if (segments.empty()) return PathResult::failure(PathError::kTraversal);
      segments.pop_back();
      trailing_slash = true;
    } else {
      segments.push_back(seg);
      trailing_slash = false;
    }
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }

  // 4. Dotfiles, judged on the resolved path: "/.git/../x" names "x", which is fine.
  if (!options.allow_dotfiles) {
    for (size_t i = 0; i < segments.size(); ++i) {
      if (segments[i].front() != '.') continue;
      if (i == 0 && options.allow_well_known && segments[i] == ".well-known") continue;
      return PathResult::failure(PathError::kDotfile);
    }
  }

  std::string relative;
  relative.reserve(decoded.size());
  for (std::string_view seg : segments) {
    if (!relative.empty()) relative += '/';
    relative += seg;
  }
  return PathResult::success(std::move(relative), trailing_slash);
}

}  // namespace portico::http
