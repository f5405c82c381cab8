// Proactive negotiation for static files: language variants, content codings and the
// compressed bodies that carry them.
#include "http/representation.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "portico/http/accept_language.h"
#include "portico/http/headers.h"
#include "portico/http/path.h"

namespace portico::http {

namespace {

int64_t mtime_ns(const struct stat& st) {
  return int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
}

// Reads exactly st.st_size bytes; false when the file is shorter or unreadable.
bool read_whole(int fd, uint64_t size, std::string& out) {
  out.resize(size);
  uint64_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd, out.data() + done, size - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<uint64_t>(n);
  }
  return true;
}

}  // namespace

std::string_view combined_field(const Request& req, std::string_view name, std::string& storage) {
  std::string_view first;
  bool several = false;
  for (const HeaderView& h : req.headers()) {
    if (!iequals(h.name, name)) continue;
    if (first.data() == nullptr) {
      first = h.value;
      continue;
    }
    if (!several) {
      storage.assign(first);
      several = true;
    }
    storage += ", ";
    storage += h.value;
  }
  return several ? std::string_view(storage) : first;
}

LanguageVariant open_language_variant(int root_fd, std::string_view relative, const Request& req,
                                      const std::vector<std::string>& languages,
                                      std::string_view default_language, bool allow_symlinks) {
  LanguageVariant out;
  if (languages.empty() || relative.empty()) return out;
  std::string storage;
  std::vector<size_t> order =
      rank_languages(combined_field(req, "Accept-Language", storage), languages);
  for (size_t i = 0; i < languages.size(); ++i) {
    if (languages[i] == default_language) order.push_back(i);
  }
  for (size_t i = 0; i < languages.size(); ++i) order.push_back(i);
  std::vector<bool> tried(languages.size(), false);
  std::string name;
  for (size_t i : order) {
    if (tried[i]) continue;
    tried[i] = true;
    name.assign(relative);
    name += '.';
    name += languages[i];
    int err = 0;
    int fd = open_under_root(root_fd, name, allow_symlinks, &err);
    if (fd < 0) continue;
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      continue;
    }
    out.fd = fd;
    out.relative = std::move(name);
    out.language = languages[i];
    return out;
  }
  return out;
}

std::string_view language_suffix(std::string_view relative,
                                 const std::vector<std::string>& languages) {
  size_t dot = relative.find_last_of("./");
  if (dot == std::string_view::npos || relative[dot] != '.') return {};
  std::string_view suffix = relative.substr(dot + 1);
  for (const std::string& lang : languages) {
    if (iequals(suffix, lang)) return lang;
  }
  return {};
}

EncodingChoice choose_encoding(const Request& req, const CompressionOptions& options, uint64_t size,
                               std::string_view content_type, const SiblingProbe& has_sibling) {
  EncodingChoice out;
  if ((!options.enabled && !options.precompressed) || options.preference.empty() ||
      !should_compress_type(options, content_type)) {
    return out;
  }
  out.vary = true;
  AcceptEncoding accept;
  for (const HeaderView& h : req.headers()) {
    if (iequals(h.name, "Accept-Encoding")) accept.add_field(h.value);
  }
  if (options.precompressed && has_sibling) {
    for (ContentCoding c : options.preference) {
      if (c == ContentCoding::kIdentity || !accept.acceptable(c) || !has_sibling(c)) continue;
      out.kind = EncodingChoice::Kind::kPrecompressed;
      out.coding = c;
      return out;
    }
  }
  bool range = req.method() == Method::kGet && req.head().find("Range") != nullptr;
  if (options.enabled && !range && size >= options.min_size_bytes) {
    for (ContentCoding c : options.preference) {
      if (c == ContentCoding::kIdentity || !accept.acceptable(c)) continue;
      out.kind = size <= options.max_whole_file_bytes ? EncodingChoice::Kind::kCompressWhole
                                                      : EncodingChoice::Kind::kCompressStream;
      out.coding = c;
      return out;
    }
  }
  if (!accept.acceptable(ContentCoding::kIdentity)) {
    out.kind = EncodingChoice::Kind::kNotAcceptable;
  }
  return out;
}

std::shared_ptr<const std::string> compress_whole_file(const CompressedKey& key, int fd,
                                                       const std::string* loaded, int level,
                                                       CompressedCache* cache) {
  if (cache) {
    if (auto hit = cache->find(key)) return hit;
  }
  std::string read_buffer;
  if (!loaded) {
    if (!read_whole(fd, key.size, read_buffer)) return nullptr;
    loaded = &read_buffer;
  }
  std::optional<std::string> encoded = compress_all(key.coding, level, *loaded);
  if (!encoded) return nullptr;
  auto body = std::make_shared<const std::string>(std::move(*encoded));
  if (cache) {
    struct stat after {};
    // A file rewritten while it was read may mix two versions: send it, but do not keep it.
    if (::fstat(fd, &after) == 0 && static_cast<uint64_t>(after.st_size) == key.size &&
        mtime_ns(after) == key.mtime_ns && static_cast<uint64_t>(after.st_ino) == key.inode) {
      cache->insert(key, body);
    }
  }
  return body;
}

std::string_view vary_value(bool accept_encoding, bool accept_language) {
  if (accept_encoding && accept_language) return "Accept-Encoding, Accept-Language";
  if (accept_encoding) return "Accept-Encoding";
  if (accept_language) return "Accept-Language";
  return {};
}

}  // namespace portico::http
