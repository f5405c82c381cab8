// Tests for the Basic-auth user file: hashing, load errors with FILE:LINE, verify, editing.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "portico/http/basic_auth.h"

namespace portico::http {
namespace {

// One PBKDF2 at the default work factor per hash: made once for the whole file.
const std::string& alice_hash() {
  static const std::string h = UserFile::hash_password("wonderland");
  return h;
}

TEST(UserFile, HashPasswordWritesTheDocumentedFormat) {
  const std::string& h = alice_hash();
  EXPECT_EQ(h.rfind("$pbkdf2-sha256$100000$", 0), 0u) << h;
  std::string why;
  EXPECT_TRUE(UserFile::is_valid_hash(h, &why)) << why;
  EXPECT_NE(UserFile::hash_password("wonderland"), h);  // fresh salt every time
}

TEST(UserFile, VerifiesTheRightPasswordOnly) {
  std::string err;
  auto f = UserFile::parse("alice:" + alice_hash() + "\n", "users", &err);
  ASSERT_TRUE(f) << err;
  EXPECT_TRUE(f->verify("alice", "wonderland"));
  EXPECT_FALSE(f->verify("alice", "Wonderland"));
  EXPECT_FALSE(f->verify("alice", ""));
  EXPECT_FALSE(f->verify("bob", "wonderland"));  // unknown user: dummy hash, same work
  EXPECT_FALSE(f->verify("", ""));
}

TEST(UserFile, UnknownUserInAnEmptyFileIsRefused) {
  std::string err;
  auto f = UserFile::parse("# nobody yet\n\n", "users", &err);
  ASSERT_TRUE(f) << err;
  EXPECT_EQ(f->size(), 0u);
  EXPECT_FALSE(f->verify("alice", "wonderland"));
}

TEST(UserFile, SkipsCommentsBlankLinesAndCarriageReturns) {
  std::string err;
  auto f = UserFile::parse("# staff\r\n\r\n   \nalice:" + alice_hash() + "\r\n  # indented\n",
                           "users", &err);
  ASSERT_TRUE(f) << err;
  EXPECT_EQ(f->size(), 1u);
  EXPECT_TRUE(f->verify("alice", "wonderland"));
}

struct BadFile {
  std::string text;
  std::string error;  // expected message, exactly
};

TEST(UserFile, RefusesBadLinesNamingFileAndLine) {
  const std::string good = "alice:" + alice_hash() + "\n";
  const std::string valid_salt = "WlpaWlpaWlpaWlpaWlpaWg==";
  const std::string valid_digest = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  const std::vector<BadFile> cases = {
      {good + "bob:hunter2\n",
       "users:2: user 'bob': plain-text password refused; store a hash made by 'portico passwd'"},
      {"bob\n", "users:1: expected 'user:hash'"},
      {"bob:\n", "users:1: user 'bob': empty password hash"},
      {":" + alice_hash() + "\n", "users:1: user name is empty"},
      {good + good, "users:2: user 'alice' appears twice"},
      {"bob:$apr1$xyz$abc\n",
       "users:1: user 'bob': unsupported password hash scheme 'apr1' (portico reads "
       "$pbkdf2-sha256$, written by 'portico passwd')"},
      {"bob:$2y$10$abcdefghijklmnopqrstuv\n",
       "users:1: user 'bob': unsupported password hash scheme '2y' (portico reads "
       "$pbkdf2-sha256$, written by 'portico passwd')"},
      {"bob:$pbkdf2-sha256$100000$" + valid_salt + "\n",
       "users:1: user 'bob': malformed hash: expected $pbkdf2-sha256$ITERATIONS$SALT$HASH"},
      {"bob:$pbkdf2-sha256$100000$" + valid_salt + "$" + valid_digest + "$x\n",
       "users:1: user 'bob': malformed hash: expected $pbkdf2-sha256$ITERATIONS$SALT$HASH"},
      {"bob:$pbkdf2-sha256$1000$" + valid_salt + "$" + valid_digest + "\n",
       "users:1: user 'bob': hash has 1000 iterations, fewer than 100000; re-run 'portico "
       "passwd'"},
      {"bob:$pbkdf2-sha256$1e6$" + valid_salt + "$" + valid_digest + "\n",
       "users:1: user 'bob': malformed hash: iteration count is not a number"},
      {"bob:$pbkdf2-sha256$999999999999$" + valid_salt + "$" + valid_digest + "\n",
       "users:1: user 'bob': malformed hash: iteration count is not a number"},
      {"bob:$pbkdf2-sha256$100000000000$" + valid_salt + "$" + valid_digest + "\n",
       "users:1: user 'bob': malformed hash: iteration count is not a number"},
      {"bob:$pbkdf2-sha256$200000000$" + valid_salt + "$" + valid_digest + "\n",
       "users:1: user 'bob': hash iteration count is too large"},
      {"bob:$pbkdf2-sha256$100000$!!$" + valid_digest + "\n",
       "users:1: user 'bob': malformed hash: bad salt"},
      {"bob:$pbkdf2-sha256$100000$" + valid_salt + "$AAAA\n",
       "users:1: user 'bob': malformed hash: bad digest"},
      {"\xff\xfe:" + alice_hash() + "\n", "users:1: user name is not valid UTF-8"},
      {std::string("a\0b:", 4) + alice_hash() + "\n",
       "users:1: user name contains a control character"},
      {" alice:" + alice_hash() + "\n",
       "users:1: user name starts with '#' or starts or ends with a space"},
  };
  for (const auto& c : cases) {
    std::string err;
    EXPECT_FALSE(UserFile::parse(c.text, "users", &err)) << c.text;
    EXPECT_EQ(err, c.error);
  }
}

TEST(UserFile, LoadReadsAFileAndNamesItInErrors) {
  const std::string path = ::testing::TempDir() + "/portico_users_test.txt";
  {
    std::ofstream out(path);
    out << "alice:" << alice_hash() << "\ncarol:plain\n";
  }
  std::string err;
  EXPECT_FALSE(UserFile::load(path, &err));
  EXPECT_EQ(err, path +
                     ":2: user 'carol': plain-text password refused; store a hash made by "
                     "'portico passwd'");
  {
    std::ofstream out(path);
    out << "alice:" << alice_hash() << "\n";
  }
  auto f = UserFile::load(path, &err);
  ASSERT_TRUE(f) << err;
  EXPECT_TRUE(f->verify("alice", "wonderland"));
  std::remove(path.c_str());
  EXPECT_FALSE(UserFile::load(path, &err));
  EXPECT_EQ(err, path + ": cannot open user file");
  EXPECT_FALSE(UserFile::load(::testing::TempDir(), &err));
  EXPECT_EQ(err, ::testing::TempDir() + ": not a regular file");
}

TEST(UserFile, EditingReplacesAppendsErasesAndSerializesInOrder) {
  std::string err;
  auto f = UserFile::parse("alice:" + alice_hash() + "\n", "users", &err);
  ASSERT_TRUE(f) << err;
  const uint64_t g0 = f->generation();
  f->set("bob", "$h1");
  f->set("alice", "$h2");
  EXPECT_NE(f->generation(), g0);
  EXPECT_EQ(f->serialize(), "alice:$h2\nbob:$h1\n");
  EXPECT_TRUE(f->erase("alice"));
  EXPECT_FALSE(f->erase("alice"));
  EXPECT_EQ(f->serialize(), "bob:$h1\n");
}

TEST(UserFile, UserNameRules) {
  std::string why;
  EXPECT_TRUE(UserFile::is_valid_user_name("j\xc3\xb6rg.o'neil@example.test", &why)) << why;
  EXPECT_FALSE(UserFile::is_valid_user_name("a:b", &why));
  EXPECT_EQ(why, "user name contains ':' (RFC 7617 2 forbids it)");
  EXPECT_FALSE(UserFile::is_valid_user_name(std::string(256, 'a'), &why));
  EXPECT_FALSE(UserFile::is_valid_user_name("#root", &why));
  EXPECT_FALSE(UserFile::is_valid_user_name("tab\there", &why));
}

TEST(UserFile, EachLoadHasItsOwnGeneration) {
  std::string err;
  auto a = UserFile::parse("", "x", &err);
  auto b = UserFile::parse("", "x", &err);
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->generation(), b->generation());
}

}  // namespace
}  // namespace portico::http
