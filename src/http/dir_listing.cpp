// Rendering a directory listing as a small, self-contained HTML5 page.
#include "portico/http/dir_listing.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>

#include "http/utf8.h"
#include "portico/http/html_escape.h"

namespace portico::http {

namespace {

// Shows raw name bytes as text: invalid UTF-8 becomes U+FFFD, then HTML escaping.
void append_display_name(std::string& out, std::string_view name) {
  std::string text;
  append_utf8_sanitized(text, name);
  append_html_escaped(out, text);
}

// RFC 3986 2.3 unreserved characters stay; every other byte is %XX. That also covers ':' (a
// name like "a:b" would otherwise read as a URL scheme) and makes the result safe in an
// attribute without further escaping.
void append_percent_encoded(std::string& out, std::string_view name) {
  constexpr char kHex[] = "0123456789ABCDEF";
  for (char ch : name) {
    unsigned char c = static_cast<unsigned char>(ch);
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
}

void append_human_size(std::string& out, uint64_t size) {
  constexpr std::array<const char*, 7> kUnits = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  char buf[32];
  if (size < 1024) {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(size));
  } else {
    double v = static_cast<double>(size);
    size_t unit = 0;
    while (v >= 1024 && unit + 1 < kUnits.size()) {
      v /= 1024;
      ++unit;
    }
    std::snprintf(buf, sizeof buf, v < 10 ? "%.1f %s" : "%.0f %s", v, kUnits[unit]);
  }
  out += buf;
}

// <time datetime="2024-05-01T12:34:56Z">2024-05-01 12:34</time>, UTC.
void append_time(std::string& out, time_t t) {
  using namespace std::chrono;
  sys_seconds s{seconds(t)};
  sys_days d = floor<days>(s);
  year_month_day ymd(d);
  hh_mm_ss hms(s - d);
  int y = static_cast<int>(ymd.year());
  if (y < 0 || y > 9999) return;  // nothing sensible to show
  char buf[96];
  unsigned mo = static_cast<unsigned>(ymd.month()), dd = static_cast<unsigned>(ymd.day());
  long h = hms.hours().count(), mi = hms.minutes().count(),
       se = static_cast<long>(hms.seconds().count());
  std::snprintf(
      buf, sizeof buf,
      "<time datetime=\"%04d-%02u-%02uT%02ld:%02ld:%02ldZ\">%04d-%02u-%02u %02ld:%02ld</time>", y,
      mo, dd, h, mi, se, y, mo, dd, h, mi);
  out += buf;
}

constexpr std::string_view kStyle =
    "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:60em;padding:0 1em;"
    "color:#222}h1{font-size:1.4em;font-weight:600;word-break:break-all}"
    "table{border-collapse:collapse;width:100%}th,td{padding:.3em .6em;text-align:left}"
    "th{border-bottom:1px solid #ccc}tr:hover td{background:#f4f4f4}"
    "td.size{text-align:right;white-space:nowrap}td.date{white-space:nowrap}"
    "a{text-decoration:none}a:hover{text-decoration:underline}";

}  // namespace

std::string render_directory_listing(std::string_view url_path, std::vector<DirEntry> entries) {
  std::sort(entries.begin(), entries.end(), [](const DirEntry& a, const DirEntry& b) {
    if (a.is_dir != b.is_dir) return a.is_dir;
    return a.name < b.name;
  });

  std::string title = "Index of ";
  append_display_name(title, url_path);

  std::string page;
  page.reserve(1024 + entries.size() * 160);
  page +=
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>";
  page += title;
  page += "</title>\n<style>";
  page += kStyle;
  page += "</style>\n</head>\n<body>\n<h1>";
  page += title;
  page +=
      "</h1>\n<table>\n<thead><tr><th>Name</th><th>Size</th><th>Modified</th></tr></thead>\n"
      "<tbody>\n";
  if (url_path != "/") {
    page += "<tr><td><a href=\"../\">../</a></td><td class=\"size\">-</td><td></td></tr>\n";
  }
  for (const DirEntry& e : entries) {
    page += "<tr><td><a href=\"";
    append_percent_encoded(page, e.name);
    if (e.is_dir) page += '/';
    page += "\">";
    append_display_name(page, e.name);
    if (e.is_dir) page += '/';
    page += "</a></td><td class=\"size\">";
    if (e.is_dir) {
      page += '-';
    } else {
      append_human_size(page, e.size);
    }
    page += "</td><td class=\"date\">";
    append_time(page, e.mtime);
    page += "</td></tr>\n";
  }
  page += "</tbody>\n</table>\n</body>\n</html>\n";
  return page;
}

}  // namespace portico::http
