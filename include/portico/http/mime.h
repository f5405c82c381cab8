// Content-Type from a file name's extension, and which types are worth compressing.
#pragma once

#include <string_view>

namespace portico::http {

// The media type for `filename` (a name or a path; only the last segment's extension counts),
// compared case-insensitively. Text types carry "; charset=utf-8". A name without an extension,
// a dotfile such as ".profile" or an unknown extension gives "application/octet-stream", so a
// browser never sniffs an unknown file into something executable.
std::string_view content_type_for(std::string_view filename);

// Whether a response of this Content-Type (parameters allowed) shrinks under gzip/br/zstd:
// text/*, JSON, JavaScript, XML, SVG and WebAssembly. Already-compressed formats are not.
bool is_compressible_type(std::string_view content_type);

}  // namespace portico::http
