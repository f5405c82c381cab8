// Byte ranges (RFC 9110 14): parsing Range, choosing 200/206/416, multipart/byteranges framing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portico::http {

// One byte-range-spec as written by the client, before the file size is known.
struct RangeSpec {
  enum class Kind : uint8_t {
    kFromTo,  // "500-999"
    kFrom,    // "9500-"   (open-ended)
    kSuffix,  // "-500"    (the last 500 bytes)
  };
  Kind kind = Kind::kFromTo;
  uint64_t first = 0;          // kFromTo, kFrom
  uint64_t last = 0;           // kFromTo
  uint64_t suffix_length = 0;  // kSuffix
};

struct RangeLimits {
  // More specs than this in one header -> the header is ignored and the whole file is sent
  // (200), like nginx's max_ranges. Parsing stops there, so a long header costs no more.
  size_t max_ranges = 16;
};

// Parses a Range field value "bytes=<spec>[,<spec>]...": unit compared case-insensitively,
// optional whitespace around members and around '=', empty list members allowed (RFC 9110
// 5.6.1). Numbers too large for 64 bits saturate (a huge first-pos is simply unsatisfiable).
// Returns nullopt when the header must be ignored (RFC 9110 14.2): another unit, bad syntax,
// last-pos < first-pos, no specs at all, or more than limits.max_ranges specs.
std::optional<std::vector<RangeSpec>> parse_range_header(std::string_view value,
                                                         const RangeLimits& limits = {});

// A satisfiable range, both ends inclusive, within the file.
struct ByteRange {
  uint64_t first = 0;
  uint64_t last = 0;
  uint64_t length() const { return last - first + 1; }
  friend bool operator==(const ByteRange&, const ByteRange&) = default;
};

enum class RangeOutcome : uint8_t {
  kIgnore,         // 200 with the whole file
  kPartial,        // 206: one range -> Content-Range; several -> multipart/byteranges
  kUnsatisfiable,  // 416 with "Content-Range: bytes */<size>" (unsatisfied_content_range)
};

struct RangeSet {
  RangeOutcome outcome = RangeOutcome::kIgnore;
  std::vector<ByteRange> ranges;  // kPartial only: sorted, disjoint, non-adjacent
};

// Resolves specs against the file size (RFC 9110 14.1.2): a first-pos at or past the end or
// a zero suffix is unsatisfiable and dropped; a last-pos past the end is clamped; a suffix
// longer than the file means the whole file. Then, against abuse (many overlapping ranges
// make a tiny request send a file many times over):
//   - if the satisfiable ranges, as requested, total more bytes than the file -> kIgnore;
//   - overlapping and adjacent ranges are coalesced and sorted by offset (14.3 allows it).
// None satisfiable -> kUnsatisfiable. An empty file never gets 206 or 416: kIgnore, a 200
// with an empty body, which is what a client resuming it needs.
RangeSet evaluate_ranges(const std::vector<RangeSpec>& specs, uint64_t file_size);

// parse_range_header + evaluate_ranges; a header that must be ignored gives kIgnore.
RangeSet evaluate_range_header(std::string_view value, uint64_t file_size,
                               const RangeLimits& limits = {});

// "bytes 0-499/1234" for a 206 (RFC 9110 14.4).
std::string content_range_value(uint64_t first, uint64_t last, uint64_t size);
// "bytes */1234" for a 416.
std::string unsatisfied_content_range(uint64_t size);

// multipart/byteranges (RFC 9110 14.6). A fresh random boundary: 32 hex digits, never found in
// practice in the file (a collision would need 128 random bits to appear in the content).
std::string make_multipart_boundary();

// Everything but the file bytes of a multipart/byteranges body. The server sends, for each
// range i, part_headers[i] followed by the file bytes [ranges[i].first, ranges[i].last], then
// `closing`. content_length is the exact length of all of that.
struct MultipartByteranges {
  std::string content_type;  // "multipart/byteranges; boundary=<boundary>"
  std::vector<std::string>
      part_headers;     // "[\r\n]--B\r\nContent-Type: T\r\nContent-Range: ..\r\n\r\n"
  std::string closing;  // "\r\n--B--\r\n"
  uint64_t content_length = 0;
};

// `part_content_type` is the file's own type (omitted from the parts when empty).
MultipartByteranges make_multipart_byteranges(const std::vector<ByteRange>& ranges,
                                              uint64_t file_size,
                                              std::string_view part_content_type,
                                              std::string_view boundary);

}  // namespace portico::http
