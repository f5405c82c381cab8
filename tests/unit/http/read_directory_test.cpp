// Tests for src/http/read_directory.cpp: listing a real directory.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "portico/http/dir_listing.h"

namespace portico::http {
namespace {

namespace fs = std::filesystem;

class ReadDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "portico-readdir-XXXXXX").string();
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    write("a.txt", "hello");
    write(".hidden", "x");
    fs::create_directory(dir_ / "sub");
    fs::create_directory(dir_ / ".git");
    fs::create_symlink("a.txt", dir_ / "link_to_file");
    fs::create_symlink("sub", dir_ / "link_to_dir");
    fs::create_symlink("nowhere", dir_ / "dangling");
    ASSERT_EQ(::mkfifo((dir_ / "fifo").c_str(), 0644), 0);
    fd_ = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(fd_, 0);
  }
  void TearDown() override {
    if (fd_ >= 0) ::close(fd_);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void write(const char* name, std::string_view content) {
    int fd = ::open((dir_ / name).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
    ::close(fd);
  }
  static std::vector<std::string> names(const std::vector<DirEntry>& entries) {
    std::vector<std::string> out;
    for (const auto& e : entries) out.push_back(e.name);
    std::sort(out.begin(), out.end());
    return out;
  }
  static const DirEntry* find(const std::vector<DirEntry>& entries, std::string_view name) {
    for (const auto& e : entries) {
      if (e.name == name) return &e;
    }
    return nullptr;
  }

  fs::path dir_;
  int fd_ = -1;
};

TEST_F(ReadDirectoryTest, ListsFilesAndDirectoriesButNotDotfilesOrSpecialFiles) {
  int err = -1;
  auto entries = read_directory(fd_, /*show_dotfiles=*/false, &err);
  EXPECT_EQ(err, 0);
  EXPECT_EQ(names(entries),
            (std::vector<std::string>{"a.txt", "link_to_dir", "link_to_file", "sub"}));
}

TEST_F(ReadDirectoryTest, ListsDotfilesWhenAsked) {
  int err = -1;
  auto entries = read_directory(fd_, /*show_dotfiles=*/true, &err);
  EXPECT_EQ(err, 0);
  EXPECT_EQ(names(entries), (std::vector<std::string>{".git", ".hidden", "a.txt", "link_to_dir",
                                                      "link_to_file", "sub"}));
}

TEST_F(ReadDirectoryTest, FillsInStatData) {
  int err = -1;
  auto entries = read_directory(fd_, false, &err);
  const DirEntry* a = find(entries, "a.txt");
  ASSERT_NE(a, nullptr);
  EXPECT_FALSE(a->is_dir);
  EXPECT_EQ(a->size, 5u);
  struct stat st;
  ASSERT_EQ(::stat((dir_ / "a.txt").c_str(), &st), 0);
  EXPECT_EQ(a->mtime, st.st_mtim.tv_sec);
  const DirEntry* sub = find(entries, "sub");
  ASSERT_NE(sub, nullptr);
  EXPECT_TRUE(sub->is_dir);
  EXPECT_EQ(sub->size, 0u);
  const DirEntry* link_dir = find(entries, "link_to_dir");
  ASSERT_NE(link_dir, nullptr);
  EXPECT_TRUE(link_dir->is_dir);  // symlinks are shown as what they point to
}

TEST_F(ReadDirectoryTest, LeavesTheCallersFdUsable) {
  int err = -1;
  auto first = read_directory(fd_, false, &err);
  auto second = read_directory(fd_, false, &err);
  EXPECT_EQ(names(first), names(second));
  EXPECT_GE(::fcntl(fd_, F_GETFD), 0);
}

TEST(ReadDirectory, ReportsErrorsThroughErr) {
  int err = 0;
  EXPECT_TRUE(read_directory(-1, false, &err).empty());
  EXPECT_EQ(err, EBADF);
  int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  err = 0;
  EXPECT_TRUE(read_directory(fd, false, &err).empty());
  EXPECT_EQ(err, ENOTDIR);
  ::close(fd);
}

}  // namespace
}  // namespace portico::http
