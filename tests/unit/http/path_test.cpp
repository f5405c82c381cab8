// Tests for src/http/path.cpp: decoding once, validation, dot segments, dotfiles.
#include "portico/http/path.h"

#include <gtest/gtest.h>

#include <string>

namespace portico::http {
namespace {

struct OkCase {
  std::string_view raw;
  std::string_view relative;
  bool trailing_slash;
};

TEST(NormalizeRequestPath, NormalizesOrdinaryPaths) {
  const OkCase cases[] = {
      {"/", "", true},
      {"/index.html", "index.html", false},
      {"/a/b/c.txt", "a/b/c.txt", false},
      {"/dir/", "dir", true},
      {"/dir", "dir", false},
      {"//a///b//", "a/b", true},
      {"/./a/./b/.", "a/b", true},
      {"/a/b/..", "a", true},
      {"/a/b/../c", "a/c", false},
      {"/a/../b/../c/", "c", true},
      {"/a/..", "", true},
      {"/a/%2e%2e/b", "b", false},
      {"/a/%2E%2E/%2e/b", "b", false},
      {"/a%2fb", "a/b", false},
      {"/dir%2F", "dir", true},
      {"/a/b../c..", "a/b../c..", false},
      {"/%252e%252e/x", "%2e%2e/x", false},
      {"/%25", "%", false},
      {"/with%20space.txt", "with space.txt", false},
      {"/a+b", "a+b", false},
      {"/caf%C3%A9/%E2%82%AC", "caf\xc3\xa9/\xe2\x82\xac", false},
      {"/caf\xc3\xa9", "caf\xc3\xa9", false},
      {"/\xf0\x9f\x98\x80.png", "\xf0\x9f\x98\x80.png", false},
      {"/page?x=1", "page", false},
      {"/page?x=/../../etc/passwd", "page", false},
      {"/dir/?", "dir", true},
      {"/a:b@c;d=e,f", "a:b@c;d=e,f", false},
      {"/what%3f%23.txt", "what?#.txt", false},  // decoded '?' and '#' are just name bytes
  };
  for (const OkCase& c : cases) {
    PathResult r = normalize_request_path(c.raw);
    ASSERT_TRUE(r.ok()) << c.raw << ": " << to_string(r.error());
    EXPECT_EQ(r.relative(), c.relative) << c.raw;
    EXPECT_EQ(r.trailing_slash(), c.trailing_slash) << c.raw;
  }
}

struct ErrCase {
  std::string_view raw;
  PathError error;
};

TEST(NormalizeRequestPath, RefusesBadPathsWithThePreciseError) {
  const ErrCase cases[] = {
      {"", PathError::kNotOriginForm},
      {"index.html", PathError::kNotOriginForm},
      {"*", PathError::kNotOriginForm},
      {"http://example.com/", PathError::kNotOriginForm},
      {"?x", PathError::kNotOriginForm},
      {"/%", PathError::kBadEncoding},
      {"/%2", PathError::kBadEncoding},
      {"/%zz", PathError::kBadEncoding},
      {"/%2g", PathError::kBadEncoding},
      {"/%%32%65", PathError::kBadEncoding},
      {"/a#frag", PathError::kBadEncoding},
      {"/a%00.html", PathError::kNulByte},
      {std::string_view("/a\0b", 4), PathError::kNulByte},
      {"/a%0d%0aSet-Cookie:x", PathError::kControlByte},
      {"/a%09b", PathError::kControlByte},
      {"/a%7f", PathError::kControlByte},
      {"/a\tb", PathError::kControlByte},
      {"/a\\b", PathError::kBackslash},
      {"/a%5cb", PathError::kBackslash},
      {"/..%5c..%5cetc", PathError::kBackslash},
      {"/%c0%ae%c0%ae/x", PathError::kInvalidUtf8},
      {"/%c0%af", PathError::kInvalidUtf8},
      {"/%e0%80%ae", PathError::kInvalidUtf8},
      {"/%f0%80%80%ae", PathError::kInvalidUtf8},
      {"/%c1%9c", PathError::kInvalidUtf8},
      {"/%ed%a0%80", PathError::kInvalidUtf8},
      {"/%f4%90%80%80", PathError::kInvalidUtf8},
      {"/%ff", PathError::kInvalidUtf8},
      {"/%c3", PathError::kInvalidUtf8},
      {"/\xc3(", PathError::kInvalidUtf8},
      {"/..", PathError::kTraversal},
      {"/../", PathError::kTraversal},
      {"/../etc/passwd", PathError::kTraversal},
      {"/a/../../b", PathError::kTraversal},
      {"/%2e%2e/etc/passwd", PathError::kTraversal},
      {"/%2e%2e%2fetc%2fpasswd", PathError::kTraversal},
      {"/..%2fetc", PathError::kTraversal},
      {"/%2e./x", PathError::kTraversal},
      {"/.%2e/x", PathError::kTraversal},
      {"/..//..", PathError::kTraversal},
      {"//..", PathError::kTraversal},
      {"/./..", PathError::kTraversal},
      {"/.git/config", PathError::kDotfile},
      {"/.env", PathError::kDotfile},
      {"/a/.htpasswd", PathError::kDotfile},
      {"/%2egit/HEAD", PathError::kDotfile},
      {"/a/.hidden/", PathError::kDotfile},
      {"/.well-known/.secret", PathError::kDotfile},
      {"/a/.well-known/x", PathError::kDotfile},
      {"/a/...", PathError::kDotfile},
      {"/a/..b", PathError::kDotfile},
      {"/..;/x", PathError::kDotfile},
  };
  for (const ErrCase& c : cases) {
    PathResult r = normalize_request_path(c.raw);
    ASSERT_FALSE(r.ok()) << c.raw << " gave " << r.relative();
    EXPECT_EQ(r.error(), c.error) << c.raw << ": " << to_string(r.error());
  }
}

TEST(NormalizeRequestPath, DecodesExactlyOnce) {
  // "%252e%252e" is the literal name "%2e%2e", never "..": no second decode anywhere.
  PathResult r = normalize_request_path("/%252e%252e/%252e%252e/etc/passwd");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.relative(), "%2e%2e/%2e%2e/etc/passwd");
  r = normalize_request_path("/%25252e");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.relative(), "%252e");
}

TEST(NormalizeRequestPath, JudgesDotfilesOnTheResolvedPath) {
  PathResult r = normalize_request_path("/.git/../index.html");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.relative(), "index.html");
}

TEST(NormalizeRequestPath, ServesWellKnownUnlessTurnedOff) {
  PathResult r = normalize_request_path("/.well-known/acme-challenge/tok");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.relative(), ".well-known/acme-challenge/tok");
  r = normalize_request_path("/.well-known/x", PathOptions{.allow_well_known = false});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), PathError::kDotfile);
}

TEST(NormalizeRequestPath, ServesDotfilesWhenAllowed) {
  PathResult r = normalize_request_path("/.config/a/.b", PathOptions{.allow_dotfiles = true});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.relative(), ".config/a/.b");
  // Dot segments are still dot segments, never names.
  r = normalize_request_path("/../x", PathOptions{.allow_dotfiles = true});
  EXPECT_EQ(r.error(), PathError::kTraversal);
}

TEST(NormalizeRequestPath, StaysLinearOnLongDotChains) {
  std::string raw;
  for (int i = 0; i < 2000; ++i) raw += "/a";
  for (int i = 0; i < 2000; ++i) raw += "/..";
  PathResult r = normalize_request_path(raw);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.relative(), "");
  raw += "/..";
  EXPECT_EQ(normalize_request_path(raw).error(), PathError::kTraversal);
}

TEST(NormalizeRequestPath, NeverProducesDotSegmentsOrEmptySegments) {
  // Every 1-3 character combination of the dangerous alphabet, behind a fixed prefix.
  const std::string_view atoms[] = {"/", ".", "%2e", "%2f", "a", "%252e", ".."};
  for (auto a : atoms) {
    for (auto b : atoms) {
      for (auto c : atoms) {
        std::string raw = "/x/y/" + std::string(a) + std::string(b) + std::string(c);
        PathResult r = normalize_request_path(raw);
        if (!r.ok()) continue;
        std::string rel = "/" + r.relative() + "/";
        EXPECT_EQ(rel.find("/../"), std::string::npos) << raw;
        EXPECT_EQ(rel.find("/./"), std::string::npos) << raw;
        if (!r.relative().empty()) {
          EXPECT_EQ(rel.find("//"), std::string::npos) << raw;
        }
      }
    }
  }
}

TEST(PathErrorStatus, AnswersDotfilesWith404AndEverythingElseWith400) {
  EXPECT_EQ(to_status(PathError::kDotfile), Status::kNotFound);
  const PathError bad_requests[] = {PathError::kNotOriginForm, PathError::kBadEncoding,
                                    PathError::kNulByte,       PathError::kControlByte,
                                    PathError::kBackslash,     PathError::kInvalidUtf8,
                                    PathError::kTraversal};
  for (PathError e : bad_requests) {
    EXPECT_EQ(to_status(e), Status::kBadRequest) << to_string(e);
    EXPECT_FALSE(to_string(e).empty());
  }
}

}  // namespace
}  // namespace portico::http
