// Tests for src/http/precompressed.cpp: which sibling files stand in for the original.
#include "http/precompressed.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace portico::http {
namespace {

namespace fs = std::filesystem;
using C = ContentCoding;

class PrecompressedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "portico-pre-XXXXXX").string();
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    base_ = templ;
    fs::create_directories(base_ / "root" / "js");
    root_fd_ = ::open((base_ / "root").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(root_fd_, 0);
    write("js/app.js", "ORIGINAL", 1000);
  }
  void TearDown() override {
    ::close(root_fd_);
    fs::remove_all(base_);
  }

  // Writes a file under the root with the given mtime (seconds).
  void write(const std::string& rel, std::string_view content, time_t mtime) {
    fs::path p = base_ / "root" / rel;
    int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
    struct timespec times[2] = {{mtime, 0}, {mtime, 0}};
    ASSERT_EQ(::futimens(fd, times), 0);
    ::close(fd);
  }

  struct stat original() {
    struct stat st {};
    EXPECT_EQ(::stat((base_ / "root" / "js/app.js").c_str(), &st), 0);
    return st;
  }

  // The sibling's content, or "" when none is used.
  std::string open_sibling(C coding, bool allow_symlinks = false) {
    struct stat st {};
    struct stat orig = original();
    int64_t orig_ns = int64_t{orig.st_mtim.tv_sec} * 1'000'000'000 + orig.st_mtim.tv_nsec;
    int fd =
        open_precompressed_sibling(root_fd_, "js/app.js", coding, orig_ns, allow_symlinks, &st);
    if (fd < 0) return "";
    char buf[64];
    ssize_t n = ::read(fd, buf, sizeof buf);
    ::close(fd);
    EXPECT_EQ(st.st_size, n);
    return std::string(buf, static_cast<size_t>(n));
  }

  fs::path base_;
  int root_fd_ = -1;
};

TEST_F(PrecompressedTest, OpensASiblingPerCoding) {
  write("js/app.js.gz", "GZ", 1000);
  write("js/app.js.br", "BR", 1001);
  write("js/app.js.zst", "ZST", 2000);
  EXPECT_EQ(open_sibling(C::kGzip), "GZ");
  EXPECT_EQ(open_sibling(C::kBrotli), "BR");
  EXPECT_EQ(open_sibling(C::kZstd), "ZST");
}

TEST_F(PrecompressedTest, UsesASiblingWithTheOriginalsMtime) {
  // gzip -k, brotli and zstd copy the original's mtime to what they write.
  write("js/app.js.gz", "GZ", 1000);
  EXPECT_EQ(open_sibling(C::kGzip), "GZ");
}

TEST_F(PrecompressedTest, IgnoresASiblingOlderThanTheOriginal) {
  write("js/app.js.br", "STALE", 999);
  EXPECT_EQ(open_sibling(C::kBrotli), "");
}

TEST_F(PrecompressedTest, IgnoresMissingSiblingsAndIdentity) {
  EXPECT_EQ(open_sibling(C::kGzip), "");
  EXPECT_EQ(open_sibling(C::kIdentity), "");
}

TEST_F(PrecompressedTest, IgnoresASiblingThatIsNotARegularFile) {
  fs::create_directories(base_ / "root" / "js" / "app.js.gz");
  EXPECT_EQ(open_sibling(C::kGzip), "");
}

TEST_F(PrecompressedTest, RefusesASymlinkLeavingTheRootUnlessAllowed) {
  write("../outside.gz", "OUTSIDE", 2000);
  fs::create_symlink(base_ / "root" / "../outside.gz", base_ / "root" / "js" / "app.js.gz");
  EXPECT_EQ(open_sibling(C::kGzip), "");
  EXPECT_EQ(open_sibling(C::kGzip, true), "OUTSIDE");
}

}  // namespace
}  // namespace portico::http
