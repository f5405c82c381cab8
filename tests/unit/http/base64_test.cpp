// Tests for base64 / base64url encoding and strict decoding (RFC 4648 test vectors).
#include "http/base64.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace portico::http {
namespace {

TEST(Base64, EncodesTheRfc4648Vectors) {
  const std::vector<std::pair<std::string, std::string>> vectors = {{"", ""},
                                                                    {"f", "Zg=="},
                                                                    {"fo", "Zm8="},
                                                                    {"foo", "Zm9v"},
                                                                    {"foob", "Zm9vYg=="},
                                                                    {"fooba", "Zm9vYmE="},
                                                                    {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(plain, Base64Alphabet::kStandard), encoded);
    EXPECT_EQ(base64_decode(encoded, Base64Alphabet::kStandard), plain);
  }
}

TEST(Base64, UrlAlphabetHasNoPaddingAndNoPlusOrSlash) {
  const std::string bytes = "\xfb\xff\xbf";
  EXPECT_EQ(base64_encode(bytes, Base64Alphabet::kStandard), "+/+/");
  EXPECT_EQ(base64_encode(bytes, Base64Alphabet::kUrl), "-_-_");
  EXPECT_EQ(base64_encode("f", Base64Alphabet::kUrl), "Zg");
  EXPECT_EQ(base64_decode("-_-_", Base64Alphabet::kUrl), bytes);
  EXPECT_EQ(base64_decode("+/+/", Base64Alphabet::kUrl), std::nullopt);
  EXPECT_EQ(base64_decode("-_-_", Base64Alphabet::kStandard), std::nullopt);
}

TEST(Base64, DecodingAcceptsMissingPaddingButNothingElseLoose) {
  EXPECT_EQ(base64_decode("Zg", Base64Alphabet::kStandard), "f");
  EXPECT_EQ(base64_decode("Zm8", Base64Alphabet::kStandard), "fo");
  const std::vector<std::string> bad = {"Z",
                                        "Zg=",
                                        "Zg===",
                                        "Z===",
                                        "Zm9v=",
                                        "Zg==Zg==",
                                        "Zm 9v",
                                        "Zm9v\n",
                                        "Zh==",
                                        "Zm9=",
                                        "====",
                                        "Zg=a",
                                        std::string("Zm\0v", 4),
                                        "\xff\xfe"};
  for (const auto& b : bad)
    EXPECT_EQ(base64_decode(b, Base64Alphabet::kStandard), std::nullopt) << b;
}

TEST(Base64, RoundTripsEveryByteValue) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (size_t n = 0; n <= all.size(); n += 37) {
    for (auto a : {Base64Alphabet::kStandard, Base64Alphabet::kUrl}) {
      EXPECT_EQ(base64_decode(base64_encode(all.substr(0, n), a), a), all.substr(0, n));
    }
  }
}

}  // namespace
}  // namespace portico::http
