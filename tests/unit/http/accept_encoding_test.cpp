// Tests for src/http/accept_encoding.cpp: a table of Accept-Encoding values and the coding
// chosen for them, plus weights, tokens and multi-field requests.
#include "portico/http/accept_encoding.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace portico::http {
namespace {

using C = ContentCoding;

std::string describe(std::optional<ContentCoding> c) {
  return c ? std::string(to_token(*c)) : std::string("406");
}

struct Case {
  const char* header;          // nullptr: no Accept-Encoding field at all
  const char* with_all;        // available: zstd, br, gzip (the default preference)
  const char* with_gzip_only;  // available: gzip
};

// Expected choice with every coding available, and with gzip only (e.g. only app.js.gz).
const Case kCases[] = {
    {nullptr, "identity", "identity"},
    {"", "identity", "identity"},
    {"gzip", "gzip", "gzip"},
    {"GZIP", "gzip", "gzip"},
    {"x-gzip", "gzip", "gzip"},
    {"gzip, deflate, br", "br", "gzip"},
    {"gzip, deflate, br, zstd", "zstd", "gzip"},
    // The server's preference decides among acceptable codings, not the client's weights:
    // any weight above zero means "acceptable".
    {"br;q=1.0, gzip;q=0.8, *;q=0.1", "zstd", "gzip"},
    {"gzip;q=1, br;q=0.5", "br", "gzip"},
    {"gzip;q=0.001, identity", "gzip", "gzip"},
    {"*", "zstd", "gzip"},
    {"*;q=0", "406", "406"},
    {"*;q=0, identity", "identity", "identity"},
    {"*;q=0, gzip", "gzip", "gzip"},
    {"br;q=0, *", "zstd", "gzip"},
    {"zstd;q=0, br;q=0, *", "gzip", "gzip"},
    {"gzip;q=0", "identity", "identity"},
    {"gzip;q=0, br", "br", "identity"},
    {"identity", "identity", "identity"},
    {"identity;q=0", "406", "406"},
    {"identity;q=0, gzip", "gzip", "gzip"},
    {"identity;q=0, br", "br", "406"},
    {"identity;q=0, *", "zstd", "gzip"},
    {"identity;q=0.5, *;q=0", "identity", "identity"},
    {"deflate", "identity", "identity"},
    {"compress, sdch", "identity", "identity"},
    // A coding listed twice keeps its lowest weight.
    {"gzip, gzip;q=0", "identity", "identity"},
    {"gzip;q=0, gzip;q=1", "identity", "identity"},
    // Malformed members are ignored; well-formed ones around them still count.
    {"gzip;q=2", "identity", "identity"},
    {"gzip;q=abc, br", "br", "identity"},
    {"gzip;level=9", "identity", "identity"},
    {"br;q=0.5;q=1", "identity", "identity"},
    {"  ,  gzip  ;  q=0.5 , ,", "gzip", "gzip"},
    {";q=1, gzip", "gzip", "gzip"},
    {"gz ip", "identity", "identity"},
    {"\"gzip\"", "identity", "identity"},
    {"*;q=0.0", "406", "406"},
    {"*;q=0.000, identity;q=0.001", "identity", "identity"},
};

TEST(ChooseContentCoding, FollowsTheTableOfHeaders) {
  const std::vector<ContentCoding> all(kDefaultEncodingPreference.begin(),
                                       kDefaultEncodingPreference.end());
  const std::vector<ContentCoding> gzip_only = {C::kGzip};
  for (const Case& c : kCases) {
    AcceptEncoding ae;
    if (c.header) ae.add_field(c.header);
    SCOPED_TRACE(c.header ? c.header : "(absent)");
    EXPECT_EQ(describe(choose_content_coding(ae, all)), c.with_all);
    EXPECT_EQ(describe(choose_content_coding(ae, gzip_only)), c.with_gzip_only);
  }
}

TEST(ChooseContentCoding, FollowsAConfiguredPreference) {
  AcceptEncoding ae = parse_accept_encoding("gzip, br, zstd");
  std::vector<ContentCoding> gzip_first = {C::kGzip, C::kZstd};
  EXPECT_EQ(choose_content_coding(ae, gzip_first), C::kGzip);
}

TEST(ChooseContentCoding, GivesIdentityWhenNothingIsAvailable) {
  AcceptEncoding ae = parse_accept_encoding("gzip, br");
  EXPECT_EQ(choose_content_coding(ae, {}), C::kIdentity);
  AcceptEncoding strict = parse_accept_encoding("identity;q=0");
  EXPECT_EQ(choose_content_coding(strict, {}), std::nullopt);
}

TEST(ChooseContentCoding, IgnoresIdentityInTheAvailableList) {
  AcceptEncoding ae = parse_accept_encoding("gzip");
  std::vector<ContentCoding> list = {C::kIdentity, C::kGzip};
  EXPECT_EQ(choose_content_coding(ae, list), C::kGzip);
}

TEST(AcceptEncoding, CombinesSeveralFields) {
  AcceptEncoding ae;
  ae.add_field("gzip");
  ae.add_field("br;q=0.5");
  EXPECT_EQ(ae.weight(C::kGzip), 1000);
  EXPECT_EQ(ae.weight(C::kBrotli), 500);
  EXPECT_EQ(ae.weight(C::kZstd), 0);
  ae.add_field("gzip;q=0");
  EXPECT_EQ(ae.weight(C::kGzip), 0);
}

TEST(AcceptEncoding, AbsentFieldMeansIdentityOnly) {
  AcceptEncoding ae;
  EXPECT_FALSE(ae.present());
  EXPECT_EQ(ae.weight(C::kIdentity), 1000);
  EXPECT_EQ(ae.weight(C::kGzip), 0);
}

TEST(AcceptEncoding, WildcardCoversIdentityWhenNotListed) {
  EXPECT_EQ(parse_accept_encoding("*;q=0.3").weight(C::kIdentity), 300);
  EXPECT_EQ(parse_accept_encoding("*;q=0.3, identity;q=0.9").weight(C::kIdentity), 900);
}

TEST(ContentCodingTokens, RoundTrip) {
  for (C c : {C::kIdentity, C::kGzip, C::kBrotli, C::kZstd}) {
    EXPECT_EQ(parse_content_coding(to_token(c)), c);
  }
  EXPECT_EQ(parse_content_coding("BR"), C::kBrotli);
  EXPECT_EQ(parse_content_coding("deflate"), std::nullopt);
  EXPECT_EQ(parse_content_coding(""), std::nullopt);
}

TEST(SiblingSuffix, NamesTheUsualFileExtensions) {
  EXPECT_EQ(sibling_suffix(C::kGzip), ".gz");
  EXPECT_EQ(sibling_suffix(C::kBrotli), ".br");
  EXPECT_EQ(sibling_suffix(C::kZstd), ".zst");
  EXPECT_EQ(sibling_suffix(C::kIdentity), "");
}

}  // namespace
}  // namespace portico::http
