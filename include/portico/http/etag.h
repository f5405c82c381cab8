// Entity tags (RFC 9110 8.8.3): making them for files, comparing them, parsing tag lists.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portico::http {

// A strong tag for a file: "\"<mtime_ns hex>-<size hex>-<inode hex>\"".
// The inode makes a file replaced by another of equal size and mtime (a tar extraction, an
// rsync -t, an atomic rename deploy) get a new tag. Pass inode 0 to leave it out
// ("\"<mtime_ns hex>-<size hex>\""), e.g. when several servers behind one balancer serve
// copies of the same tree and must agree on tags.
std::string make_file_etag(int64_t mtime_ns, uint64_t size, uint64_t inode);

// The tag of an encoded variant of the same file: "\"abc\"" + "br" -> "\"abc-br\""
// (W/ is kept). Distinct tags per Content-Encoding are required because the bytes differ
// (RFC 9110 8.8.3.3). A value that is not a quoted tag is returned unchanged.
std::string etag_with_suffix(std::string_view etag, std::string_view suffix);

// One parsed entity-tag: `opaque` includes its double quotes and views into the input.
struct EntityTag {
  bool weak = false;
  std::string_view opaque;
};

// Parses exactly one entity-tag (W/ prefix allowed), nothing around it.
std::optional<EntityTag> parse_entity_tag(std::string_view s);

// RFC 9110 8.8.3.2. Strong: neither is weak and the opaque tags are equal.
// Weak: the opaque tags are equal, W/ ignored. Malformed tags never match.
bool etag_matches_strong(std::string_view a, std::string_view b);
bool etag_matches_weak(std::string_view a, std::string_view b);

enum class EtagComparison : uint8_t { kStrong, kWeak };

// An If-Match / If-None-Match field value: "*" alone, or a comma list of entity-tags with
// optional whitespace and empty members (RFC 9110 5.6.1).
struct EntityTagList {
  bool any = false;        // the value was "*"
  bool malformed = false;  // parsing stopped at a bad member; `tags` holds those before it
  std::vector<EntityTag> tags;
};
EntityTagList parse_entity_tag_list(std::string_view field_value);

// Whether `field_value` matches `current_etag` (the representation's tag; "" if it has none,
// which only "*" matches). "*" always gives true: whether a representation exists at all is the
// caller's question (evaluate_preconditions asks it). Parsing stops at the first
// malformed member: members before it still count, nothing after it does, so a garbled
// header can only make a condition fail to match, never match by accident. No allocation.
bool etag_list_matches(std::string_view field_value, std::string_view current_etag,
                       EtagComparison how);

}  // namespace portico::http
