// Accept-Encoding parsing and content-coding selection (RFC 9110 12.5.3).
#include "portico/http/accept_encoding.h"

#include <algorithm>

#include "http/weighted_list.h"
#include "portico/http/headers.h"

namespace portico::http {

namespace {

constexpr std::array<std::string_view, kContentCodingCount> kTokens = {"identity", "gzip", "br",
                                                                       "zstd"};
constexpr std::array<std::string_view, kContentCodingCount> kSuffixes = {"", ".gz", ".br", ".zst"};

size_t index_of(ContentCoding c) { return static_cast<size_t>(c); }

// Keeps the lowest weight for a member listed more than once.
void merge_weight(int16_t& slot, int weight) {
  auto w = static_cast<int16_t>(weight);
  slot = slot < 0 ? w : std::min(slot, w);
}

}  // namespace

std::string_view to_token(ContentCoding coding) { return kTokens[index_of(coding)]; }

std::string_view sibling_suffix(ContentCoding coding) { return kSuffixes[index_of(coding)]; }

std::optional<ContentCoding> parse_content_coding(std::string_view token) {
  for (size_t i = 0; i < kContentCodingCount; ++i) {
    if (iequals(token, kTokens[i])) return static_cast<ContentCoding>(i);
  }
  if (iequals(token, "x-gzip")) return ContentCoding::kGzip;  // RFC 9110 8.4.1.3
  return std::nullopt;
}

void AcceptEncoding::add_field(std::string_view value) {
  present_ = true;
  detail::for_each_weighted_member(value, [this](const detail::WeightedMember& m) {
    if (m.value == "*") {
      merge_weight(any_, m.weight);
      return;
    }
    // Unknown codings (deflate, compress, exi, ...) are valid members we cannot produce.
    if (auto coding = parse_content_coding(m.value))
      merge_weight(listed_[index_of(*coding)], m.weight);
  });
}

int AcceptEncoding::weight(ContentCoding coding) const {
  int16_t listed = listed_[index_of(coding)];
  if (listed != kUnlisted) return listed;
  if (!present_) return coding == ContentCoding::kIdentity ? detail::kMaxWeight : 0;
  if (any_ != kUnlisted) return any_;
  return coding == ContentCoding::kIdentity ? detail::kMaxWeight : 0;
}

AcceptEncoding parse_accept_encoding(std::string_view value) {
  AcceptEncoding a;
  a.add_field(value);
  return a;
}

std::optional<ContentCoding> choose_content_coding(const AcceptEncoding& accept,
                                                   std::span<const ContentCoding> available) {
  for (ContentCoding c : available) {
    if (c != ContentCoding::kIdentity && accept.acceptable(c)) return c;
  }
  if (accept.acceptable(ContentCoding::kIdentity)) return ContentCoding::kIdentity;
  return std::nullopt;
}

}  // namespace portico::http
