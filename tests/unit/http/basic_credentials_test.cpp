// Tests for parsing Basic credentials fields (RFC 7617 2), including hostile input.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http/base64.h"
#include "portico/http/basic_auth.h"
#include "unit/http/test_request.h"

namespace portico::http {
namespace {

std::string b64(std::string_view s) { return base64_encode(s, Base64Alphabet::kStandard); }

struct Case {
  const char* what;
  std::string field;
  CredentialsStatus status;
  std::string user = {};
  std::string password = {};
};

TEST(BasicCredentials, ParsesAndNamesEveryFailure) {
  const std::vector<Case> cases = {
      {"plain", "Basic " + b64("alice:secret"), CredentialsStatus::kOk, "alice", "secret"},
      {"RFC 7617 example", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", CredentialsStatus::kOk, "Aladdin",
       "open sesame"},
      {"scheme case-insensitive", "bAsIc " + b64("a:b"), CredentialsStatus::kOk, "a", "b"},
      {"extra spaces", "  Basic    " + b64("a:b") + "  ", CredentialsStatus::kOk, "a", "b"},
      {"no padding", "Basic " + std::string("YTpi"), CredentialsStatus::kOk, "a", "b"},
      {"colon in password", "Basic " + b64("a:b:c"), CredentialsStatus::kOk, "a", "b:c"},
      {"empty password", "Basic " + b64("a:"), CredentialsStatus::kOk, "a", ""},
      {"UTF-8 user and password", "Basic " + b64("j\xc3\xb6rg:p\xc3\xa4ss"), CredentialsStatus::kOk,
       "j\xc3\xb6rg", "p\xc3\xa4ss"},
      {"Latin-1 password is bytes", "Basic " + b64("a:p\xe4ss"), CredentialsStatus::kOk, "a",
       "p\xe4ss"},
      {"other scheme", "Bearer abc.def", CredentialsStatus::kOtherScheme},
      {"Digest", "Digest username=\"a\"", CredentialsStatus::kOtherScheme},
      {"empty", "", CredentialsStatus::kMalformed},
      {"Basic alone", "Basic", CredentialsStatus::kMalformed},
      {"Basic and space", "Basic ", CredentialsStatus::kMalformed},
      {"bad base64", "Basic !!!!", CredentialsStatus::kMalformed},
      {"bad length", "Basic YTpiY", CredentialsStatus::kMalformed},
      {"two tokens", "Basic " + b64("a:b") + " " + b64("c:d"), CredentialsStatus::kMalformed},
      {"auth-params", "Basic realm=\"x\"", CredentialsStatus::kMalformed},
      {"comma list", "Basic " + b64("a:b") + ", Bearer x", CredentialsStatus::kMalformed},
      {"NUL in field", std::string("Basic YT\0pi", 11), CredentialsStatus::kMalformed},
      {"scheme with separator", "Ba(sic " + b64("a:b"), CredentialsStatus::kMalformed},
      {"no colon", "Basic " + b64("alice"), CredentialsStatus::kNoColon},
      {"empty user", "Basic " + b64(":secret"), CredentialsStatus::kBadUserName},
      {"non-UTF-8 user", "Basic " + b64("\xff\xfe:x"), CredentialsStatus::kBadUserName},
      {"overlong UTF-8 user", "Basic " + b64("\xc0\xaf:x"), CredentialsStatus::kBadUserName},
      {"NUL in user", "Basic " + b64(std::string("a\0b:x", 5)), CredentialsStatus::kBadUserName},
      {"long user", "Basic " + b64(std::string(256, 'u') + ":x"), CredentialsStatus::kBadUserName},
      {"CR in password", "Basic " + b64("a:x\ry"), CredentialsStatus::kBadPassword},
      {"TAB in password", "Basic " + b64("a:x\ty"), CredentialsStatus::kBadPassword},
      {"DEL in password", "Basic " + b64("a:x\x7f"), CredentialsStatus::kBadPassword},
      {"too long", "Basic " + std::string(5000, 'A'), CredentialsStatus::kTooLong},
  };
  for (const auto& c : cases) {
    BasicCredentials out;
    EXPECT_EQ(parse_basic_credentials(c.field, out), c.status)
        << c.what << ": got " << to_string(parse_basic_credentials(c.field, out));
    if (c.status == CredentialsStatus::kOk) {
      EXPECT_EQ(out.user, c.user) << c.what;
      EXPECT_EQ(out.password, c.password) << c.what;
    } else {
      EXPECT_TRUE(out.user.empty()) << c.what;
    }
  }
}

TEST(BasicCredentials, ReadsTheNamedFieldOfTheRequest) {
  testing::TestRequest req(
      {{"Proxy-Authorization", "Basic " + b64("p:q")}, {"authorization", "Basic " + b64("a:b")}});
  BasicCredentials out;
  ASSERT_EQ(parse_basic_credentials(req.request(), "Authorization", out), CredentialsStatus::kOk);
  EXPECT_EQ(out.user, "a");
  ASSERT_EQ(parse_basic_credentials(req.request(), "Proxy-Authorization", out),
            CredentialsStatus::kOk);
  EXPECT_EQ(out.user, "p");
}

TEST(BasicCredentials, MissingFieldAndDuplicatedFieldAreDistinguished) {
  testing::TestRequest none({{"Host", "x"}});
  BasicCredentials out;
  EXPECT_EQ(parse_basic_credentials(none.request(), "Authorization", out),
            CredentialsStatus::kMissing);
  testing::TestRequest two(
      {{"Authorization", "Basic " + b64("a:b")}, {"Authorization", "Basic " + b64("c:d")}});
  EXPECT_EQ(parse_basic_credentials(two.request(), "Authorization", out),
            CredentialsStatus::kMalformed);
}

TEST(BasicCredentials, SurvivesRandomBytes) {
  uint32_t x = 12345;
  for (int i = 0; i < 2000; ++i) {
    std::string field = "Basic ";
    const size_t n = i % 64;
    std::string raw;
    for (size_t j = 0; j < n; ++j) {
      x = x * 1103515245 + 12345;
      raw += static_cast<char>(x >> 16);
    }
    field += (i % 2) ? b64(raw) : raw;
    BasicCredentials out;
    (void)parse_basic_credentials(field, out);  // any status; no crash, no over-read (ASan)
  }
}

}  // namespace
}  // namespace portico::http
