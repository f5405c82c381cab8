// Entity-tag generation, comparison (RFC 9110 8.8.3.2) and If-Match/If-None-Match lists.
#include "portico/http/etag.h"

#include <cstdio>

namespace portico::http {

namespace {

// etagc = %x21 / %x23-7E / obs-text (RFC 9110 8.8.3): visible ASCII but '"', and bytes >= 0x80.
bool is_etagc(unsigned char c) { return c == 0x21 || (c >= 0x23 && c != 0x7f); }

bool is_ows(char c) { return c == ' ' || c == '\t'; }

// Parses one entity-tag at the front of `s`; on success returns its length and fills `out`.
size_t scan_entity_tag(std::string_view s, EntityTag* out) {
  size_t i = 0;
  bool weak = false;
  if (s.size() >= 2 && s[0] == 'W' && s[1] == '/') {  // "W/" is case-sensitive
    weak = true;
    i = 2;
  }
  if (i >= s.size() || s[i] != '"') return 0;
  size_t open = i++;
  while (i < s.size() && is_etagc(static_cast<unsigned char>(s[i]))) ++i;
  if (i >= s.size() || s[i] != '"') return 0;
  ++i;
  out->weak = weak;
  out->opaque = s.substr(open, i - open);
  return i;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

// Walks a list, calling visit(tag) for each member until visit returns true (returns true) or
// the list ends (false) or a member is malformed (*malformed = true, returns false).
template <typename Visit>
bool for_each_tag(std::string_view list, bool* malformed, Visit visit) {
  size_t i = 0;
  while (i < list.size()) {
    while (i < list.size() && (is_ows(list[i]) || list[i] == ',')) ++i;  // empty members
    if (i == list.size()) break;
    EntityTag tag;
    size_t n = scan_entity_tag(list.substr(i), &tag);
    if (n == 0) {
      *malformed = true;
      return false;
    }
    i += n;
    while (i < list.size() && is_ows(list[i])) ++i;
    if (i < list.size() && list[i] != ',') {  // trailing junk, or two tags without a comma
      *malformed = true;
      return false;
    }
    if (visit(tag)) return true;
  }
  return false;
}

}  // namespace

std::string make_file_etag(int64_t mtime_ns, uint64_t size, uint64_t inode) {
  char buf[64];
  // mtime_ns as unsigned: a pre-1970 mtime still gives a stable, distinct tag.
  unsigned long long mtime_bits = static_cast<unsigned long long>(mtime_ns);
  int n = inode != 0 ? std::snprintf(buf, sizeof buf, "\"%llx-%llx-%llx\"", mtime_bits,
                                     static_cast<unsigned long long>(size),
                                     static_cast<unsigned long long>(inode))
                     : std::snprintf(buf, sizeof buf, "\"%llx-%llx\"", mtime_bits,
                                     static_cast<unsigned long long>(size));
  return std::string(buf, static_cast<size_t>(n));
}

std::string etag_with_suffix(std::string_view etag, std::string_view suffix) {
  EntityTag tag;
  if (scan_entity_tag(etag, &tag) != etag.size() || suffix.empty()) return std::string(etag);
  std::string out(etag.substr(0, etag.size() - 1));  // everything but the closing quote
  out += '-';
  out += suffix;
  out += '"';
  return out;
}

std::optional<EntityTag> parse_entity_tag(std::string_view s) {
  EntityTag tag;
  if (scan_entity_tag(s, &tag) != s.size() || s.empty()) return std::nullopt;
  return tag;
}

bool etag_matches_strong(std::string_view a, std::string_view b) {
  auto ta = parse_entity_tag(a);
  auto tb = parse_entity_tag(b);
  return ta && tb && !ta->weak && !tb->weak && ta->opaque == tb->opaque;
}

bool etag_matches_weak(std::string_view a, std::string_view b) {
  auto ta = parse_entity_tag(a);
  auto tb = parse_entity_tag(b);
  return ta && tb && ta->opaque == tb->opaque;
}

EntityTagList parse_entity_tag_list(std::string_view field_value) {
  EntityTagList out;
  std::string_view v = trim_ows(field_value);
  if (v == "*") {
    out.any = true;
    return out;
  }
  for_each_tag(v, &out.malformed, [&](const EntityTag& t) {
    out.tags.push_back(t);
    return false;
  });
  return out;
}

bool etag_list_matches(std::string_view field_value, std::string_view current_etag,
                       EtagComparison how) {
  std::string_view v = trim_ows(field_value);
  if (v == "*") return true;
  auto current = parse_entity_tag(current_etag);
  if (!current) return false;  // no tag (or a broken one): only "*" can match
  if (how == EtagComparison::kStrong && current->weak) return false;
  bool malformed = false;
  return for_each_tag(v, &malformed, [&](const EntityTag& t) {
    if (how == EtagComparison::kStrong && t.weak) return false;
    return t.opaque == current->opaque;
  });
}

}  // namespace portico::http
