// Directory listings: reading a directory and rendering it as an HTML page.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace portico::http {

struct DirEntry {
  std::string name;  // raw file name bytes (not necessarily UTF-8)
  bool is_dir = false;
  uint64_t size = 0;
  time_t mtime = 0;
};

// A complete HTML5 page (UTF-8) listing `entries` for the URL path `url_path` (decoded, with
// its trailing '/', e.g. "/docs/"; shown in the title and heading). Directories come first
// with a trailing '/', then files, each group sorted by name bytewise. Displayed names are
// HTML-escaped (invalid UTF-8 shown as U+FFFD); links are relative and percent-encoded from the
// raw bytes, so every name links to itself. Sizes are human-readable (B, KiB, MiB...), dates
// are UTC "YYYY-MM-DD HH:MM". A "../" link is present except at "/".
std::string render_directory_listing(std::string_view url_path, std::vector<DirEntry> entries);

// Lists the directory open as `dirfd` (not consumed; its offset is not moved), with stat data.
// Skips "." and "..", names starting with '.' unless show_dotfiles, entries that vanish
// meanwhile, dangling symlinks and anything that is neither a regular file nor a directory
// (after following symlinks). On failure returns {} with *err set to an errno value.
std::vector<DirEntry> read_directory(int dirfd, bool show_dotfiles, int* err);

}  // namespace portico::http
