// Tests for src/http/compression_options.cpp: which media types get compressed.
#include "portico/http/compression_options.h"

#include <gtest/gtest.h>

namespace portico::http {
namespace {

TEST(ShouldCompressType, DefaultsToTheCompressibleTypes) {
  CompressionOptions o;
  EXPECT_TRUE(should_compress_type(o, "text/javascript; charset=utf-8"));
  EXPECT_TRUE(should_compress_type(o, "image/svg+xml"));
  EXPECT_TRUE(should_compress_type(o, "application/wasm"));
  EXPECT_FALSE(should_compress_type(o, "image/png"));
  EXPECT_FALSE(should_compress_type(o, "application/gzip"));
  EXPECT_FALSE(should_compress_type(o, "font/woff2"));
}

TEST(ShouldCompressType, FollowsAConfiguredList) {
  CompressionOptions o;
  o.types = {"text/*", "application/json"};
  EXPECT_TRUE(should_compress_type(o, "text/html; charset=utf-8"));
  EXPECT_TRUE(should_compress_type(o, "TEXT/CSS"));
  EXPECT_TRUE(should_compress_type(o, "application/json;charset=utf-8"));
  EXPECT_FALSE(should_compress_type(o, "application/javascript"));
  EXPECT_FALSE(should_compress_type(o, "text/"));
  EXPECT_FALSE(should_compress_type(o, "application/jsonx"));
}

}  // namespace
}  // namespace portico::http
