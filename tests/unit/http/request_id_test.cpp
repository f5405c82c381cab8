// Tests for request id validation and generation.
#include "portico/http/request_id.h"

#include <gtest/gtest.h>

#include <set>

namespace portico::http {
namespace {

TEST(RequestIdTest, AcceptsCommonIdShapes) {
  EXPECT_TRUE(valid_request_id("3f2b8c1e-9d4a-4e5f-8a6b-1c2d3e4f5a6b"));  // UUID
  EXPECT_TRUE(valid_request_id("a1b2c3"));
  EXPECT_TRUE(valid_request_id("Root=1-5759e988-bd862e3fe1be46a994272793"));  // AWS style
  EXPECT_TRUE(valid_request_id("trace:span/01+AB=="));
  EXPECT_TRUE(valid_request_id(std::string(kMaxRequestIdBytes, 'x')));
}

TEST(RequestIdTest, RefusesIdsThatCouldForgeALogLine) {
  EXPECT_FALSE(valid_request_id(""));
  EXPECT_FALSE(valid_request_id(std::string(kMaxRequestIdBytes + 1, 'x')));
  EXPECT_FALSE(valid_request_id("has space"));
  EXPECT_FALSE(valid_request_id("quote\"d"));
  EXPECT_FALSE(valid_request_id("new\nline"));
  EXPECT_FALSE(valid_request_id("back\\slash"));
  EXPECT_FALSE(valid_request_id("caf\xc3\xa9"));
  EXPECT_FALSE(valid_request_id("semi;colon"));
}

TEST(RequestIdTest, GeneratedIdsAreValidAndDistinct) {
  std::set<std::string> seen;
  std::string id;
  for (uint64_t conn = 1; conn <= 20; ++conn) {
    for (uint32_t i = 0; i < 20; ++i) {
      generate_request_id(conn, i, id);
      EXPECT_TRUE(valid_request_id(id)) << id;
      EXPECT_TRUE(seen.insert(id).second) << id;
    }
  }
  generate_request_id(0x1b, 3, id);
  EXPECT_EQ(id.substr(8), "-1b-3");
}

}  // namespace
}  // namespace portico::http
