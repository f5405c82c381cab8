// Tests for src/server/compression_flags.cpp: the serve flags as parsed by CLI11 and their
// translation into StaticOptions, with one-line errors for bad values.
#include "server/compression_flags.h"

#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <string>
#include <vector>

namespace portico::server {
namespace {

// Parses `args` as `serve` flags.
CompressionFlags parse(std::vector<std::string> args) {
  CLI::App app("test");
  CompressionFlags flags;
  add_compression_flags(app, flags);
  std::reverse(args.begin(), args.end());  // CLI11 takes them last-first
  app.parse(args);
  return flags;
}

TEST(CompressionFlags, DefaultToCompressionAndSiblingsOn) {
  CompressionFlags f = parse({});
  http::StaticOptions out;
  std::string err;
  ASSERT_TRUE(apply_compression_flags(f, out, &err)) << err;
  EXPECT_TRUE(out.compression.enabled);
  EXPECT_TRUE(out.compression.precompressed);
  EXPECT_EQ(out.compression.levels.gzip, 6);
  EXPECT_EQ(out.compression.cache_bytes, http::CompressionOptions{}.cache_bytes);
  EXPECT_TRUE(out.languages.empty());
}

TEST(CompressionFlags, TurnThingsOffAndSetLevels) {
  CompressionFlags f = parse({"--no-compress", "--no-precompressed", "--compress-level",
                              "gzip=9,zstd=19", "--compress-cache", "0"});
  http::StaticOptions out;
  std::string err;
  ASSERT_TRUE(apply_compression_flags(f, out, &err)) << err;
  EXPECT_FALSE(out.compression.enabled);
  EXPECT_FALSE(out.compression.precompressed);
  EXPECT_EQ(out.compression.levels.gzip, 9);
  EXPECT_EQ(out.compression.levels.zstd, 19);
  EXPECT_EQ(out.compression.levels.brotli, 5);
  EXPECT_EQ(out.compression.cache_bytes, 0u);
}

TEST(CompressionFlags, CompressCanBeRequestedExplicitly) {
  EXPECT_TRUE(parse({"--compress"}).compress);
  EXPECT_FALSE(parse({"--compress", "--no-compress"}).compress);
}

TEST(CompressionFlags, ReadLanguages) {
  CompressionFlags f = parse({"--languages", "en,de-CH,fr", "--default-language", "en"});
  http::StaticOptions out;
  std::string err;
  ASSERT_TRUE(apply_compression_flags(f, out, &err)) << err;
  EXPECT_EQ(out.languages, (std::vector<std::string>{"en", "de-CH", "fr"}));
  EXPECT_EQ(out.default_language, "en");
}

TEST(CompressionFlags, ExplainBadValuesInOneLine) {
  struct Bad {
    std::vector<std::string> args;
    const char* error;
  };
  const Bad cases[] = {
      {{"--compress-level", "br=12"}, "--compress-level 'br=12': br=12: level must be 0..11"},
      {{"--compress-cache", "lots"}, "--compress-cache 'lots': expected a size like 64m or 0"},
      {{"--languages", "en,"}, "--languages 'en,': '' is not a language tag like en or de-CH"},
      {{"--languages", "en,d_e"},
       "--languages 'en,d_e': 'd_e' is not a language tag like en or de-CH"},
      {{"--default-language", "e-"},
       "--default-language 'e-': expected a language tag like en or de-CH"},
  };
  for (const Bad& b : cases) {
    http::StaticOptions out;
    std::string err;
    EXPECT_FALSE(apply_compression_flags(parse(b.args), out, &err)) << b.error;
    EXPECT_EQ(err, b.error);
  }
}

}  // namespace
}  // namespace portico::server
