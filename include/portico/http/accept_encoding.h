// Accept-Encoding (RFC 9110 12.5.3): parsing the field and choosing a content coding.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace portico::http {

// The content codings portico produces (RFC 9110 8.4.1). "deflate" is deliberately absent:
// clients disagreed for years on whether it means zlib or raw deflate, and every client that
// accepts it also accepts gzip.
enum class ContentCoding : uint8_t { kIdentity = 0, kGzip, kBrotli, kZstd };
inline constexpr size_t kContentCodingCount = 4;

// "identity", "gzip", "br", "zstd": the token in Accept-Encoding and Content-Encoding.
std::string_view to_token(ContentCoding coding);
// The token, case-insensitively; "x-gzip" is gzip (RFC 9110 8.4.1.3). nullopt for others.
std::optional<ContentCoding> parse_content_coding(std::string_view token);
// The file name suffix of a precompressed sibling: ".gz", ".br", ".zst" ("" for identity).
std::string_view sibling_suffix(ContentCoding coding);

// The server's default preference: the smallest output first.
inline constexpr std::array<ContentCoding, 3> kDefaultEncodingPreference = {
    ContentCoding::kZstd, ContentCoding::kBrotli, ContentCoding::kGzip};

// What a request's Accept-Encoding fields say, weights in thousandths (q=0.5 -> 500).
// Parsing allocates nothing; the object is a few bytes.
class AcceptEncoding {
 public:
  // Adds one field value. A request may carry several Accept-Encoding fields; they combine as
  // one list (RFC 9110 5.3), so call this once per field. Members that are malformed (bad
  // qvalue, a parameter other than q, no coding) are ignored; the rest still count. A coding
  // listed twice keeps its lowest weight, so a contradictory list never enables a coding the
  // client also excluded.
  void add_field(std::string_view value);

  bool present() const { return present_; }

  // The weight (0..1000) the client gives `coding`:
  //   - listed by name: its weight;
  //   - otherwise, when "*" is listed: the weight of "*" (it covers every coding not listed,
  //     identity included);
  //   - otherwise identity is acceptable (1000) and every other coding is not (0).
  // Without any Accept-Encoding field, RFC 9110 12.5.3 lets the server pick any coding, but a
  // client that can decode says so; scripts and HTTP/1.0 tools that send nothing would get
  // bytes they cannot read. So absence means identity only, as in nginx, Apache and Caddy.
  int weight(ContentCoding coding) const;
  bool acceptable(ContentCoding coding) const { return weight(coding) > 0; }

 private:
  static constexpr int16_t kUnlisted = -1;
  bool present_ = false;
  std::array<int16_t, kContentCodingCount> listed_{kUnlisted, kUnlisted, kUnlisted, kUnlisted};
  int16_t any_ = kUnlisted;  // the weight of "*"
};

// Parses a single field value (the common case of one Accept-Encoding field).
AcceptEncoding parse_accept_encoding(std::string_view value);

// The coding to send. Among `available` (the codings this response can be sent in, most
// preferred by the server first), the first the client accepts with a weight above zero;
// identity entries in `available` are ignored. Server preference decides, not the client's
// weights: all that matters about a weight is whether it is zero (never chosen). When none is
// acceptable: identity if the client accepts it, else nullopt, which the caller answers with
// 406 (identity;q=0 or *;q=0 and nothing else acceptable).
std::optional<ContentCoding> choose_content_coding(const AcceptEncoding& accept,
                                                   std::span<const ContentCoding> available);

}  // namespace portico::http
