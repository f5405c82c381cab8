// Tests for RedirectTemplate: parsing, variable expansion and path encoding.
#include "portico/http/redirect_template.h"

#include <gtest/gtest.h>

namespace portico::http {
namespace {

RedirectTemplate parse_ok(std::string_view text) {
  std::string why;
  auto t = RedirectTemplate::parse(text, &why);
  EXPECT_TRUE(t.has_value()) << why;
  return t.value_or(*RedirectTemplate::parse("", &why));
}

std::string parse_error(std::string_view text) {
  std::string why;
  EXPECT_FALSE(RedirectTemplate::parse(text, &why).has_value());
  return why;
}

RedirectTemplate::Values values() {
  RedirectTemplate::Values v;
  v.path = "/a/b";
  v.full_path = "/old/a/b";
  v.query = "x=1&y=2";
  v.host = "Example.test:8080";
  v.hostname = "example.test";
  v.scheme = "http";
  return v;
}

TEST(RedirectTemplate, ExpandsPathAndQuery) {
  EXPECT_EQ(parse_ok("https://example.com{path}{query}").expand(values()),
            "https://example.com/a/b?x=1&y=2");
}

TEST(RedirectTemplate, DoesNotDoubleTheSlashBeforePath) {
  EXPECT_EQ(parse_ok("https://example.test/new/{path}").expand(values()),
            "https://example.test/new/a/b");
  EXPECT_EQ(parse_ok("https://example.test/new{path}").expand(values()),
            "https://example.test/new/a/b");
}

TEST(RedirectTemplate, LeavesQueryOutWhenThereIsNone) {
  RedirectTemplate::Values v = values();
  v.query = "";
  EXPECT_EQ(parse_ok("/x{query}").expand(v), "/x");
}

TEST(RedirectTemplate, ExpandsHostHostnameSchemeAndFullPath) {
  EXPECT_EQ(parse_ok("{scheme}://{host}{full_path}").expand(values()),
            "http://Example.test:8080/old/a/b");
  EXPECT_EQ(parse_ok("https://{hostname}/").expand(values()), "https://example.test/");
}

TEST(RedirectTemplate, DoubledBracesAreLiteral) {
  EXPECT_EQ(parse_ok("/a{{b}}").expand(values()), "/a{b}");
}

TEST(RedirectTemplate, RejectsUnknownVariablesWithAHint) {
  EXPECT_EQ(parse_error("https://x{pth}"), "unknown variable '{pth}' (did you mean '{path}'?)");
  EXPECT_EQ(parse_error("https://x{nothing}"), "unknown variable '{nothing}'");
}

TEST(RedirectTemplate, RejectsUnbalancedBracesAndSpaces) {
  EXPECT_EQ(parse_error("/a{path"), "unclosed '{' at offset 2");
  EXPECT_EQ(parse_error("/a}"), "unmatched '}' at offset 2 (write '}}' for a literal brace)");
  EXPECT_EQ(parse_error("/a b"), "the target contains a space or control character");
}

TEST(PercentEncodedPath, KeepsPathCharactersAndEncodesTheRest) {
  std::string out;
  append_percent_encoded_path(out, "/caf\xc3\xa9/a b/%/x;y=1@z:w");
  EXPECT_EQ(out, "/caf%C3%A9/a%20b/%25/x;y=1@z:w");
}

}  // namespace
}  // namespace portico::http
