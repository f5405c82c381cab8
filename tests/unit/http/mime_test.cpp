// Tests for src/http/mime.cpp: extension lookup and compressibility.
#include "portico/http/mime.h"

#include <gtest/gtest.h>

namespace portico::http {
namespace {

struct TypeCase {
  std::string_view filename;
  std::string_view type;
};

TEST(ContentTypeFor, MapsCommonWebExtensions) {
  const TypeCase cases[] = {
      {"index.html", "text/html; charset=utf-8"},
      {"a.htm", "text/html; charset=utf-8"},
      {"style.css", "text/css; charset=utf-8"},
      {"app.js", "text/javascript; charset=utf-8"},
      {"mod.mjs", "text/javascript; charset=utf-8"},
      {"data.json", "application/json; charset=utf-8"},
      {"logo.svg", "image/svg+xml; charset=utf-8"},
      {"mod.wasm", "application/wasm"},
      {"p.png", "image/png"},
      {"p.jpg", "image/jpeg"},
      {"p.jpeg", "image/jpeg"},
      {"p.webp", "image/webp"},
      {"p.avif", "image/avif"},
      {"p.gif", "image/gif"},
      {"favicon.ico", "image/x-icon"},
      {"f.woff", "font/woff"},
      {"f.woff2", "font/woff2"},
      {"f.ttf", "font/ttf"},
      {"f.otf", "font/otf"},
      {"doc.pdf", "application/pdf"},
      {"notes.txt", "text/plain; charset=utf-8"},
      {"README.md", "text/markdown; charset=utf-8"},
      {"feed.xml", "application/xml; charset=utf-8"},
      {"table.csv", "text/csv; charset=utf-8"},
      {"v.mp4", "video/mp4"},
      {"v.webm", "video/webm"},
      {"a.mp3", "audio/mpeg"},
      {"a.ogg", "audio/ogg"},
      {"x.zip", "application/zip"},
      {"x.gz", "application/gzip"},
      {"x.br", "application/x-brotli"},
      {"x.zst", "application/zstd"},
      {"x.tar", "application/x-tar"},
      {"site.webmanifest", "application/manifest+json; charset=utf-8"},
      {"3d.3gp", "video/3gpp"},
      {"a.zip", "application/zip"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(content_type_for(c.filename), c.type) << c.filename;
  }
}

TEST(ContentTypeFor, ComparesExtensionsCaseInsensitively) {
  EXPECT_EQ(content_type_for("INDEX.HTML"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type_for("Photo.JpG"), "image/jpeg");
  EXPECT_EQ(content_type_for("font.WOFF2"), "font/woff2");
}

TEST(ContentTypeFor, UsesOnlyTheLastExtensionOfTheLastSegment) {
  EXPECT_EQ(content_type_for("archive.tar.gz"), "application/gzip");
  EXPECT_EQ(content_type_for("dir.html/readme"), "application/octet-stream");
  EXPECT_EQ(content_type_for("/static/v1.2/app.css"), "text/css; charset=utf-8");
}

TEST(ContentTypeFor, FallsBackToOctetStreamWithoutAKnownExtension) {
  const std::string_view names[] = {
      "",      "Makefile", ".profile",   "trailing.", "a.unknownext",
      "a.exe", "dir/",     "a.html.bak", "a.",        "x.verylongextensionthatmatchesnothing",
      ".html", "a.h tml",
  };
  for (std::string_view n : names) {
    EXPECT_EQ(content_type_for(n), "application/octet-stream") << n;
  }
}

TEST(ContentTypeFor, GivesEveryTextTypeAUtf8Charset) {
  const std::string_view names[] = {"a.html", "a.css", "a.js",   "a.json", "a.svg",
                                    "a.xml",  "a.txt", "a.md",   "a.csv",  "a.vtt",
                                    "a.ics",  "a.rss", "a.atom", "a.yaml", "a.sh"};
  for (std::string_view n : names) {
    EXPECT_NE(content_type_for(n).find("; charset=utf-8"), std::string_view::npos) << n;
  }
  EXPECT_EQ(content_type_for("a.png").find("charset"), std::string_view::npos);
}

TEST(IsCompressibleType, AcceptsTextualTypesWithOrWithoutParameters) {
  const std::string_view yes[] = {
      "text/html",
      "text/html; charset=utf-8",
      "TEXT/CSS",
      "text/plain;charset=utf-8",
      "application/json",
      "application/json; charset=utf-8",
      "application/javascript",
      "text/javascript; charset=utf-8",
      "image/svg+xml; charset=utf-8",
      "application/xml",
      "application/rss+xml",
      "application/ld+json",
      "application/manifest+json; charset=utf-8",
      "application/wasm",
      "font/ttf",
  };
  for (std::string_view t : yes) EXPECT_TRUE(is_compressible_type(t)) << t;
}

TEST(IsCompressibleType, RejectsAlreadyCompressedAndBinaryTypes) {
  const std::string_view no[] = {
      "image/png",
      "image/jpeg",
      "image/webp",
      "video/mp4",
      "audio/mpeg",
      "font/woff2",
      "application/zip",
      "application/gzip",
      "application/zstd",
      "application/octet-stream",
      "",
      "text",
      "application/jsonx",
      "application/pdf",
  };
  for (std::string_view t : no) EXPECT_FALSE(is_compressible_type(t)) << t;
}

TEST(IsCompressibleType, AgreesWithTheTableForEveryTextExtension) {
  const std::string_view names[] = {"a.html", "a.css",  "a.js",  "a.json", "a.svg",
                                    "a.xml",  "a.wasm", "a.txt", "a.md",   "a.csv"};
  for (std::string_view n : names) EXPECT_TRUE(is_compressible_type(content_type_for(n))) << n;
}

}  // namespace
}  // namespace portico::http
