// Tests for src/http/error_page.cpp.
#include "portico/http/error_page.h"

#include <gtest/gtest.h>

namespace portico::http {
namespace {

TEST(ErrorPageHtml, TitlesAndHeadsThePageWithCodeAndReason) {
  std::string page = error_page_html(Status::kNotFound);
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(page.find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_NE(page.find("<title>404 Not Found</title>"), std::string::npos);
  EXPECT_NE(page.find("<h1>404 Not Found</h1>"), std::string::npos);
  EXPECT_NE(page.find("</html>"), std::string::npos);
}

TEST(ErrorPageHtml, CoversEveryErrorStatus) {
  const Status statuses[] = {Status::kBadRequest,
                             Status::kForbidden,
                             Status::kMethodNotAllowed,
                             Status::kPreconditionFailed,
                             Status::kRangeNotSatisfiable,
                             Status::kInternalServerError,
                             Status::kHttpVersionNotSupported};
  for (Status s : statuses) {
    std::string expected =
        "<h1>" + std::to_string(code(s)) + " " + std::string(reason_phrase(s)) + "</h1>";
    EXPECT_NE(error_page_html(s).find(expected), std::string::npos) << code(s);
  }
}

TEST(ErrorPageHtml, LeavesTheFooterOutWithoutAServerName) {
  EXPECT_EQ(error_page_html(Status::kNotFound).find("<footer>"), std::string::npos);
}

TEST(ErrorPageHtml, EscapesTheServerName) {
  std::string page = error_page_html(Status::kForbidden, "portico <script>alert(1)</script>");
  EXPECT_NE(page.find("<footer>portico &lt;script&gt;alert(1)&lt;/script&gt;</footer>"),
            std::string::npos);
  EXPECT_EQ(page.find("<script>"), std::string::npos);
}

}  // namespace
}  // namespace portico::http
