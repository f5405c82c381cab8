// Tests for ALPN encoding and server-preference selection (RFC 7301).
#include "tls/alpn.h"

#include <gtest/gtest.h>

namespace portico::tls {
namespace {

std::string wire(std::initializer_list<std::string> protocols) {
  std::string out;
  std::string error;
  EXPECT_TRUE(encode_alpn(protocols, &out, &error)) << error;
  return out;
}

TEST(Alpn, EncodesLengthPrefixedList) {
  EXPECT_EQ(wire({"h2", "http/1.1"}), std::string("\x02h2\x08http/1.1"));
}

TEST(Alpn, RejectsEmptyListAndBadNames) {
  std::string out;
  std::string error;
  EXPECT_FALSE(encode_alpn({}, &out, &error));
  EXPECT_FALSE(encode_alpn({""}, &out, &error));
  EXPECT_FALSE(encode_alpn({std::string(256, 'x')}, &out, &error));
  EXPECT_NE(error.find("255"), std::string::npos);
}

TEST(Alpn, PicksTheServersPreferenceNotTheClients) {
  std::string client = wire({"http/1.1", "h2"});  // the result points into it
  auto chosen = select_alpn(wire({"h2", "http/1.1"}), client);
  ASSERT_TRUE(chosen);
  EXPECT_EQ(*chosen, "h2");
}

TEST(Alpn, PicksHttp11WhenThatIsAllTheServerSpeaks) {
  std::string client = wire({"h2", "http/1.1"});
  auto chosen = select_alpn(wire({"http/1.1"}), client);
  ASSERT_TRUE(chosen);
  EXPECT_EQ(*chosen, "http/1.1");
}

TEST(Alpn, NoOverlapSelectsNothing) {
  EXPECT_FALSE(select_alpn(wire({"http/1.1"}), wire({"h2", "spdy/3"})));
}

TEST(Alpn, MalformedClientListSelectsNothing) {
  std::string server = wire({"http/1.1"});
  EXPECT_FALSE(select_alpn(server, std::string("\x09http/1.1", 9)));       // length overruns
  EXPECT_FALSE(select_alpn(server, std::string("\x00\x08http/1.1", 10)));  // empty entry
  EXPECT_FALSE(select_alpn(server, ""));
}

}  // namespace
}  // namespace portico::tls
