// The extension -> media type table and its lookup.
#include "portico/http/mime.h"

#include <algorithm>
#include <array>

namespace portico::http {

namespace {

struct MimeEntry {
  std::string_view extension;  // lower case, without the dot
  std::string_view type;
};

constexpr std::string_view kDefaultType = "application/octet-stream";

// Sorted by extension (checked below) for binary search. Source code and config formats are
// text/plain so that browsers show them instead of running or downloading them. ".ts" is an
// MPEG transport stream (HLS segments), as in nginx, not TypeScript.
constexpr std::array kMimeTable = {
    MimeEntry{"3g2", "video/3gpp2"},
    MimeEntry{"3gp", "video/3gpp"},
    MimeEntry{"7z", "application/x-7z-compressed"},
    MimeEntry{"aac", "audio/aac"},
    MimeEntry{"ai", "application/postscript"},
    MimeEntry{"aif", "audio/aiff"},
    MimeEntry{"aiff", "audio/aiff"},
    MimeEntry{"apk", "application/vnd.android.package-archive"},
    MimeEntry{"apng", "image/apng"},
    MimeEntry{"asc", "application/pgp-signature"},
    MimeEntry{"atom", "application/atom+xml; charset=utf-8"},
    MimeEntry{"avi", "video/x-msvideo"},
    MimeEntry{"avif", "image/avif"},
    MimeEntry{"bmp", "image/bmp"},
    MimeEntry{"br", "application/x-brotli"},
    MimeEntry{"bz2", "application/x-bzip2"},
    MimeEntry{"c", "text/plain; charset=utf-8"},
    MimeEntry{"cc", "text/plain; charset=utf-8"},
    MimeEntry{"cer", "application/pkix-cert"},
    MimeEntry{"cjs", "text/javascript; charset=utf-8"},
    MimeEntry{"conf", "text/plain; charset=utf-8"},
    MimeEntry{"cpp", "text/plain; charset=utf-8"},
    MimeEntry{"crl", "application/pkix-crl"},
    MimeEntry{"crt", "application/x-x509-ca-cert"},
    MimeEntry{"css", "text/css; charset=utf-8"},
    MimeEntry{"csv", "text/csv; charset=utf-8"},
    MimeEntry{"deb", "application/vnd.debian.binary-package"},
    MimeEntry{"der", "application/x-x509-ca-cert"},
    MimeEntry{"diff", "text/x-diff; charset=utf-8"},
    MimeEntry{"dmg", "application/x-apple-diskimage"},
    MimeEntry{"doc", "application/msword"},
    MimeEntry{"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    MimeEntry{"dtd", "application/xml-dtd; charset=utf-8"},
    MimeEntry{"eml", "message/rfc822"},
    MimeEntry{"eot", "application/vnd.ms-fontobject"},
    MimeEntry{"eps", "application/postscript"},
    MimeEntry{"epub", "application/epub+zip"},
    MimeEntry{"flac", "audio/flac"},
    MimeEntry{"geojson", "application/geo+json; charset=utf-8"},
    MimeEntry{"gif", "image/gif"},
    MimeEntry{"glb", "model/gltf-binary"},
    MimeEntry{"gltf", "model/gltf+json; charset=utf-8"},
    MimeEntry{"go", "text/plain; charset=utf-8"},
    MimeEntry{"gpx", "application/gpx+xml; charset=utf-8"},
    MimeEntry{"gz", "application/gzip"},
    MimeEntry{"h", "text/plain; charset=utf-8"},
    MimeEntry{"heic", "image/heic"},
    MimeEntry{"heif", "image/heif"},
    MimeEntry{"hpp", "text/plain; charset=utf-8"},
    MimeEntry{"htm", "text/html; charset=utf-8"},
    MimeEntry{"html", "text/html; charset=utf-8"},
    MimeEntry{"ico", "image/x-icon"},
    MimeEntry{"ics", "text/calendar; charset=utf-8"},
    MimeEntry{"ini", "text/plain; charset=utf-8"},
    MimeEntry{"iso", "application/x-iso9660-image"},
    MimeEntry{"jar", "application/java-archive"},
    MimeEntry{"java", "text/plain; charset=utf-8"},
    MimeEntry{"jfif", "image/jpeg"},
    MimeEntry{"jp2", "image/jp2"},
    MimeEntry{"jpeg", "image/jpeg"},
    MimeEntry{"jpg", "image/jpeg"},
    MimeEntry{"js", "text/javascript; charset=utf-8"},
    MimeEntry{"json", "application/json; charset=utf-8"},
    MimeEntry{"jsonld", "application/ld+json; charset=utf-8"},
    MimeEntry{"jxl", "image/jxl"},
    MimeEntry{"kml", "application/vnd.google-earth.kml+xml; charset=utf-8"},
    MimeEntry{"kmz", "application/vnd.google-earth.kmz"},
    MimeEntry{"log", "text/plain; charset=utf-8"},
    MimeEntry{"m3u", "audio/x-mpegurl"},
    MimeEntry{"m3u8", "application/vnd.apple.mpegurl"},
    MimeEntry{"m4a", "audio/mp4"},
    MimeEntry{"m4v", "video/mp4"},
    MimeEntry{"map", "application/json; charset=utf-8"},
    MimeEntry{"markdown", "text/markdown; charset=utf-8"},
    MimeEntry{"md", "text/markdown; charset=utf-8"},
    MimeEntry{"mid", "audio/midi"},
    MimeEntry{"midi", "audio/midi"},
    MimeEntry{"mjs", "text/javascript; charset=utf-8"},
    MimeEntry{"mkv", "video/x-matroska"},
    MimeEntry{"mov", "video/quicktime"},
    MimeEntry{"mp3", "audio/mpeg"},
    MimeEntry{"mp4", "video/mp4"},
    MimeEntry{"mpd", "application/dash+xml; charset=utf-8"},
    MimeEntry{"mpeg", "video/mpeg"},
    MimeEntry{"mpg", "video/mpeg"},
    MimeEntry{"odp", "application/vnd.oasis.opendocument.presentation"},
    MimeEntry{"ods", "application/vnd.oasis.opendocument.spreadsheet"},
    MimeEntry{"odt", "application/vnd.oasis.opendocument.text"},
    MimeEntry{"oga", "audio/ogg"},
    MimeEntry{"ogg", "audio/ogg"},
    MimeEntry{"ogv", "video/ogg"},
    MimeEntry{"ogx", "application/ogg"},
    MimeEntry{"opus", "audio/opus"},
    MimeEntry{"otf", "font/otf"},
    MimeEntry{"p12", "application/x-pkcs12"},
    MimeEntry{"patch", "text/x-diff; charset=utf-8"},
    MimeEntry{"pdf", "application/pdf"},
    MimeEntry{"pem", "application/x-pem-file"},
    MimeEntry{"png", "image/png"},
    MimeEntry{"ppt", "application/vnd.ms-powerpoint"},
    MimeEntry{"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
    MimeEntry{"ps", "application/postscript"},
    MimeEntry{"psd", "image/vnd.adobe.photoshop"},
    MimeEntry{"py", "text/plain; charset=utf-8"},
    MimeEntry{"rar", "application/vnd.rar"},
    MimeEntry{"rpm", "application/x-rpm"},
    MimeEntry{"rs", "text/plain; charset=utf-8"},
    MimeEntry{"rss", "application/rss+xml; charset=utf-8"},
    MimeEntry{"rtf", "application/rtf"},
    MimeEntry{"sh", "text/plain; charset=utf-8"},
    MimeEntry{"sig", "application/pgp-signature"},
    MimeEntry{"sql", "text/plain; charset=utf-8"},
    MimeEntry{"stl", "model/stl"},
    MimeEntry{"svg", "image/svg+xml; charset=utf-8"},
    MimeEntry{"tar", "application/x-tar"},
    MimeEntry{"tex", "application/x-tex"},
    MimeEntry{"text", "text/plain; charset=utf-8"},
    MimeEntry{"tgz", "application/gzip"},
    MimeEntry{"tif", "image/tiff"},
    MimeEntry{"tiff", "image/tiff"},
    MimeEntry{"toml", "application/toml; charset=utf-8"},
    MimeEntry{"torrent", "application/x-bittorrent"},
    MimeEntry{"ts", "video/mp2t"},
    MimeEntry{"tsv", "text/tab-separated-values; charset=utf-8"},
    MimeEntry{"ttf", "font/ttf"},
    MimeEntry{"txt", "text/plain; charset=utf-8"},
    MimeEntry{"vcf", "text/vcard; charset=utf-8"},
    MimeEntry{"vtt", "text/vtt; charset=utf-8"},
    MimeEntry{"wasm", "application/wasm"},
    MimeEntry{"wav", "audio/wav"},
    MimeEntry{"weba", "audio/webm"},
    MimeEntry{"webm", "video/webm"},
    MimeEntry{"webmanifest", "application/manifest+json; charset=utf-8"},
    MimeEntry{"webp", "image/webp"},
    MimeEntry{"wma", "audio/x-ms-wma"},
    MimeEntry{"wmv", "video/x-ms-wmv"},
    MimeEntry{"woff", "font/woff"},
    MimeEntry{"woff2", "font/woff2"},
    MimeEntry{"xhtml", "application/xhtml+xml; charset=utf-8"},
    MimeEntry{"xls", "application/vnd.ms-excel"},
    MimeEntry{"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    MimeEntry{"xml", "application/xml; charset=utf-8"},
    MimeEntry{"xsd", "application/xml; charset=utf-8"},
    MimeEntry{"xsl", "application/xml; charset=utf-8"},
    MimeEntry{"xz", "application/x-xz"},
    MimeEntry{"yaml", "application/yaml; charset=utf-8"},
    MimeEntry{"yml", "application/yaml; charset=utf-8"},
    MimeEntry{"zip", "application/zip"},
    MimeEntry{"zst", "application/zstd"},
};

constexpr bool table_is_sorted_and_unique() {
  for (size_t i = 1; i < kMimeTable.size(); ++i) {
    if (!(kMimeTable[i - 1].extension < kMimeTable[i].extension)) return false;
  }
  return true;
}
static_assert(table_is_sorted_and_unique(), "kMimeTable must be sorted by extension, no dups");
static_assert(kMimeTable.size() >= 100);

// Longer than any extension in the table; longer ones cannot match.
constexpr size_t kMaxExtensionLength = 16;

constexpr char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (ascii_lower(s[i]) != prefix[i]) return false;
  }
  return true;
}

bool iends_with(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  return istarts_with(s.substr(s.size() - suffix.size()), suffix);
}

}  // namespace

std::string_view content_type_for(std::string_view filename) {
  size_t slash = filename.find_last_of('/');
  std::string_view name = slash == std::string_view::npos ? filename : filename.substr(slash + 1);
  size_t dot = name.find_last_of('.');
  // No dot, a dotfile's leading dot only (".profile"), or a trailing dot: no extension.
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == name.size()) return kDefaultType;
  std::string_view ext = name.substr(dot + 1);
  if (ext.size() > kMaxExtensionLength) return kDefaultType;

  char lowered[kMaxExtensionLength];
  for (size_t i = 0; i < ext.size(); ++i) lowered[i] = ascii_lower(ext[i]);
  std::string_view key(lowered, ext.size());

  auto it =
      std::lower_bound(kMimeTable.begin(), kMimeTable.end(), key,
                       [](const MimeEntry& e, std::string_view k) { return e.extension < k; });
  if (it != kMimeTable.end() && it->extension == key) return it->type;
  return kDefaultType;
}

bool is_compressible_type(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  if (istarts_with(type, "text/")) return true;
  // Structured syntax suffixes (RFC 6839): anything +json or +xml is text underneath.
  if (iends_with(type, "+json") || iends_with(type, "+xml")) return true;
  constexpr std::array<std::string_view, 11> kCompressible = {
      "application/json",
      "application/javascript",
      "application/x-javascript",
      "application/xml",
      "application/wasm",
      "application/yaml",
      "application/toml",
      "font/ttf",
      "font/otf",
      "image/bmp",
      "image/x-icon",
  };
  for (std::string_view c : kCompressible) {
    if (type.size() == c.size() && istarts_with(type, c)) return true;
  }
  return false;
}

}  // namespace portico::http
