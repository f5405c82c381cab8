// Tests for src/http/dir_listing.cpp: the HTML listing page.
#include "portico/http/dir_listing.h"

#include <gtest/gtest.h>

namespace portico::http {
namespace {

constexpr time_t kMtime = 1700000000;  // 2023-11-14 22:13:20 UTC

bool contains(const std::string& page, std::string_view needle) {
  return page.find(needle) != std::string::npos;
}

TEST(RenderDirectoryListing, IsAnHtml5Utf8PageTitledWithThePath) {
  std::string page = render_directory_listing("/docs/", {});
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_TRUE(contains(page, "<meta charset=\"utf-8\">"));
  EXPECT_TRUE(contains(page, "<title>Index of /docs/</title>"));
  EXPECT_TRUE(contains(page, "<h1>Index of /docs/</h1>"));
  EXPECT_TRUE(contains(page, "</html>"));
}

TEST(RenderDirectoryListing, LinksToTheParentExceptAtTheRoot) {
  EXPECT_TRUE(contains(render_directory_listing("/docs/", {}), "<a href=\"../\">../</a>"));
  EXPECT_FALSE(contains(render_directory_listing("/", {}), "href=\"../\""));
}

TEST(RenderDirectoryListing, PutsDirectoriesFirstThenSortsByName) {
  std::vector<DirEntry> entries = {
      {"zeta.txt", false, 1, kMtime},  {"beta", true, 0, kMtime},
      {"Alpha.txt", false, 1, kMtime}, {"alpha", true, 0, kMtime},
      {"gamma.txt", false, 1, kMtime},
  };
  std::string page = render_directory_listing("/", entries);
  size_t alpha_dir = page.find(">alpha/<");
  size_t beta_dir = page.find(">beta/<");
  size_t alpha_file = page.find(">Alpha.txt<");
  size_t gamma = page.find(">gamma.txt<");
  size_t zeta = page.find(">zeta.txt<");
  ASSERT_NE(zeta, std::string::npos);
  EXPECT_LT(alpha_dir, beta_dir);
  EXPECT_LT(beta_dir, alpha_file);
  EXPECT_LT(alpha_file, gamma);
  EXPECT_LT(gamma, zeta);
}

TEST(RenderDirectoryListing, EscapesNamesAndPercentEncodesLinks) {
  const struct {
    std::string_view name;
    bool is_dir;
    std::string_view href;
    std::string_view text;
  } cases[] = {
      {"<script>alert(1)</script>.html", false, "%3Cscript%3Ealert%281%29%3C%2Fscript%3E.html",
       "&lt;script&gt;alert(1)&lt;/script&gt;.html"},
      {"a \"quoted\" & 'name'", false, "a%20%22quoted%22%20%26%20%27name%27",
       "a &quot;quoted&quot; &amp; &#39;name&#39;"},
      {"100% done?#", false, "100%25%20done%3F%23", "100% done?#"},
      {"caf\xc3\xa9", true, "caf%C3%A9/", "caf\xc3\xa9/"},
      {"javascript:alert(1)", false, "javascript%3Aalert%281%29", "javascript:alert(1)"},
      {"bad\xff"
       "byte",
       false, "bad%FFbyte",
       "bad\xef\xbf\xbd"
       "byte"},
      {"plain-name_1.2~x", false, "plain-name_1.2~x", "plain-name_1.2~x"},
  };
  for (const auto& c : cases) {
    std::string page = render_directory_listing("/", {{std::string(c.name), c.is_dir, 5, kMtime}});
    std::string expected =
        "<a href=\"" + std::string(c.href) + "\">" + std::string(c.text) + "</a>";
    EXPECT_TRUE(contains(page, expected)) << c.name << "\n" << page;
    EXPECT_FALSE(contains(page, "<script>")) << c.name;
  }
}

TEST(RenderDirectoryListing, EscapesThePathInTheTitle) {
  std::string page = render_directory_listing("/<b>&\xff/", {});
  EXPECT_TRUE(contains(page, "<title>Index of /&lt;b&gt;&amp;\xef\xbf\xbd/</title>"));
}

TEST(RenderDirectoryListing, ShowsHumanSizesAndUtcDates) {
  const struct {
    uint64_t size;
    std::string_view shown;
  } cases[] = {
      {0, ">0 B<"},
      {1023, ">1023 B<"},
      {1024, ">1.0 KiB<"},
      {1536, ">1.5 KiB<"},
      {10 * 1024, ">10 KiB<"},
      {5ull << 20, ">5.0 MiB<"},
      {3ull << 30, ">3.0 GiB<"},
      {UINT64_MAX, ">16 EiB<"},
  };
  for (const auto& c : cases) {
    std::string page = render_directory_listing("/", {{"f", false, c.size, kMtime}});
    EXPECT_TRUE(contains(page, c.shown)) << c.size;
  }
  std::string page =
      render_directory_listing("/", {{"f", false, 1, kMtime}, {"d", true, 0, kMtime}});
  EXPECT_TRUE(contains(page, "<time datetime=\"2023-11-14T22:13:20Z\">2023-11-14 22:13</time>"));
  EXPECT_TRUE(contains(page, "<td class=\"size\">-</td>"));  // directories have no size
}

}  // namespace
}  // namespace portico::http
