// Tests for src/http/html_escape.cpp.
#include "portico/http/html_escape.h"

#include <gtest/gtest.h>

namespace portico::http {
namespace {

TEST(HtmlEscape, ReplacesTheFiveSpecialCharacters) {
  EXPECT_EQ(html_escape("<a href=\"x\">Tom & 'Jerry'</a>"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
}

TEST(HtmlEscape, LeavesOtherBytesAlone) {
  EXPECT_EQ(html_escape("plain text, caf\xc3\xa9 / 100%"), "plain text, caf\xc3\xa9 / 100%");
  EXPECT_EQ(html_escape(""), "");
}

TEST(HtmlEscape, AppendsToExistingText) {
  std::string out = "x=";
  append_html_escaped(out, "<y>");
  EXPECT_EQ(out, "x=&lt;y&gt;");
}

}  // namespace
}  // namespace portico::http
