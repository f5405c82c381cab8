// Tests for src/http/open_under_root.cpp: symlinks in and out of the root, and a traversal
// matrix from raw request paths to opened files that must never reach a sentinel outside.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "http/open_beneath_walk.h"
#include "portico/http/path.h"

namespace portico::http {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSentinel = "SENTINEL-OUTSIDE-THE-ROOT";

// Both implementations must behave the same: the openat2 one (on this kernel) and the walk.
enum class Opener { kOpenUnderRoot, kWalk };

std::string read_fd(int fd) {
  std::string out;
  char buf[256];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

void write_file(const fs::path& p, std::string_view content) {
  int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0) << p;
  ASSERT_EQ(::write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
  ::close(fd);
}

class OpenUnderRootTest : public ::testing::TestWithParam<Opener> {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "portico-open-XXXXXX").string();
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    base_ = templ;
    fs::path root = base_ / "root";
    fs::create_directories(root / "sub" / "deeper");
    fs::create_directories(base_ / "outside");
    fs::create_directories(root / ".well-known");

    // Sentinels just outside the root, where every escape would land.
    write_file(base_ / "secret.txt", kSentinel);
    write_file(base_ / "outside" / "secret.txt", kSentinel);
    write_file(base_ / "root.txt", kSentinel);  // "root/../root.txt"

    write_file(root / "index.html", "INDEX");
    write_file(root / "sub" / "file.txt", "FILE");
    write_file(root / "sub" / "deeper" / "x.txt", "X");
    write_file(root / ".env", "DOTENV");
    write_file(root / "%2e%2e", "LITERAL-PERCENT-NAME");

    // Symlinks that stay inside.
    fs::create_symlink("sub/file.txt", root / "link_in");
    fs::create_symlink("sub", root / "link_dir_in");
    fs::create_symlink("../index.html", root / "sub" / "link_up_ok");
    fs::create_symlink("deeper/../file.txt", root / "sub" / "link_zigzag");
    fs::create_symlink(".", root / "link_self");
    fs::create_symlink("link_in", root / "link_chain");
    // Symlinks that leave.
    fs::create_symlink("../secret.txt", root / "link_out_rel");
    fs::create_symlink((base_ / "secret.txt").string(), root / "link_out_abs");
    fs::create_symlink((root / "index.html").string(), root / "link_abs_in");  // absolute
    fs::create_symlink("../outside", root / "link_dir_out");
    fs::create_symlink("../../secret.txt", root / "sub" / "link_up_out");
    fs::create_symlink("..", root / "link_parent");
    fs::create_symlink("sub/../../secret.txt", root / "link_zigzag_out");
    fs::create_symlink("/proc/self/root" + (base_ / "secret.txt").string(), root / "link_proc");
    // Oddities.
    fs::create_symlink("loop_b", root / "loop_a");
    fs::create_symlink("loop_a", root / "loop_b");
    fs::create_symlink("does-not-exist", root / "dangling");
    ASSERT_EQ(::mkfifo((root / "fifo").c_str(), 0644), 0);

    root_fd_ = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(root_fd_, 0);
  }

  void TearDown() override {
    if (root_fd_ >= 0) ::close(root_fd_);
    std::error_code ec;
    fs::remove_all(base_, ec);
  }

  int open_path(std::string_view rel, int* err) {
    if (GetParam() == Opener::kWalk) {
      return open_beneath_by_walk(root_fd_, rel.empty() ? "." : rel,
                                  O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW, err);
    }
    return open_under_root(root_fd_, rel, /*allow_symlinks_out=*/false, err);
  }

  // The file's content, or "errno:<n>" when the open failed.
  std::string content_of(std::string_view rel) {
    int err = 0;
    int fd = open_path(rel, &err);
    if (fd < 0) return "errno:" + std::to_string(err);
    std::string out = read_fd(fd);
    ::close(fd);
    return out;
  }

  fs::path base_;
  int root_fd_ = -1;
};

const std::string kExdev = "errno:" + std::to_string(EXDEV);
const std::string kEnoent = "errno:" + std::to_string(ENOENT);
const std::string kEloop = "errno:" + std::to_string(ELOOP);

TEST_P(OpenUnderRootTest, OpensFilesAndDirectoriesInsideTheRoot) {
  EXPECT_EQ(content_of("index.html"), "INDEX");
  EXPECT_EQ(content_of("sub/file.txt"), "FILE");
  EXPECT_EQ(content_of("sub/deeper/x.txt"), "X");
  for (std::string_view dir : {"", "sub", "sub/deeper"}) {
    int err = 0;
    int fd = open_path(dir, &err);
    ASSERT_GE(fd, 0) << dir << " errno " << err;
    struct stat st;
    ASSERT_EQ(::fstat(fd, &st), 0);
    EXPECT_TRUE(S_ISDIR(st.st_mode)) << dir;
    EXPECT_TRUE(::fcntl(fd, F_GETFD) & FD_CLOEXEC);
    ::close(fd);
  }
}

TEST_P(OpenUnderRootTest, FollowsSymlinksThatStayInside) {
  EXPECT_EQ(content_of("link_in"), "FILE");
  EXPECT_EQ(content_of("link_dir_in/file.txt"), "FILE");
  EXPECT_EQ(content_of("sub/link_up_ok"), "INDEX");
  EXPECT_EQ(content_of("sub/link_zigzag"), "FILE");
  EXPECT_EQ(content_of("link_self/link_self/index.html"), "INDEX");
  EXPECT_EQ(content_of("link_chain"), "FILE");
}

TEST_P(OpenUnderRootTest, RefusesSymlinksThatLeave) {
  EXPECT_EQ(content_of("link_out_rel"), kExdev);
  EXPECT_EQ(content_of("link_out_abs"), kExdev);
  EXPECT_EQ(content_of("link_dir_out/secret.txt"), kExdev);
  EXPECT_EQ(content_of("sub/link_up_out"), kExdev);
  EXPECT_EQ(content_of("link_parent/secret.txt"), kExdev);
  EXPECT_EQ(content_of("link_parent"), kExdev);
  EXPECT_EQ(content_of("link_zigzag_out"), kExdev);
  EXPECT_EQ(content_of("link_dir_in/link_up_out"), kExdev);
  EXPECT_EQ(content_of("link_proc"), kExdev);
  // Absolute targets are refused even when they point back inside (RESOLVE_BENEATH does so).
  EXPECT_EQ(content_of("link_abs_in"), kExdev);
}

TEST_P(OpenUnderRootTest, ReportsMissingLoopingAndDanglingPaths) {
  EXPECT_EQ(content_of("nope.html"), kEnoent);
  EXPECT_EQ(content_of("sub/nope/x"), kEnoent);
  EXPECT_EQ(content_of("dangling"), kEnoent);
  EXPECT_EQ(content_of("loop_a"), kEloop);
  EXPECT_EQ(content_of("index.html/x"), "errno:" + std::to_string(ENOTDIR));
}

TEST_P(OpenUnderRootTest, DoesNotBlockOnAFifo) {
  int err = 0;
  int fd = open_path("fifo", &err);
  ASSERT_GE(fd, 0) << err;
  struct stat st;
  ASSERT_EQ(::fstat(fd, &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));  // the caller sees it is not a regular file and refuses
  ::close(fd);
}

// The traversal matrix: raw request targets, through normalization and the open, with
// dotfiles allowed and not. None may ever produce the sentinel's bytes.
TEST_P(OpenUnderRootTest, TraversalMatrixNeverReachesTheSentinel) {
  const std::string_view attacks[] = {
      "/../secret.txt",
      "/../../secret.txt",
      "/%2e%2e/secret.txt",
      "/%2e%2e%2fsecret.txt",
      "/%2E%2E%2Fsecret.txt",
      "/..%2fsecret.txt",
      "/%2e./secret.txt",
      "/.%2e/secret.txt",
      "/..%5csecret.txt",
      "/..\\secret.txt",
      "/%252e%252e/secret.txt",
      "/%252e%252e%252fsecret.txt",
      "/%c0%ae%c0%ae/secret.txt",
      "/%c0%ae%c0%ae%c0%afsecret.txt",
      "/%e0%80%ae%e0%80%ae/secret.txt",
      "/%c0%2e%c0%2e/secret.txt",
      "/..;/secret.txt",
      "/..//..//secret.txt",
      "/sub/../../secret.txt",
      "/sub/deeper/../../../secret.txt",
      "/./.././secret.txt",
      "/..%00/secret.txt",
      "/secret.txt%00.html",
      "/%2e%2e/root.txt",
      "/sub/%2e%2e/%2e%2e/root.txt",
      "/..%2f..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
      "/link_out_rel",
      "/link_out_abs",
      "/link_dir_out/secret.txt",
      "/sub/link_up_out",
      "/link_parent/secret.txt",
      "/link_zigzag_out",
      "/link_proc",
      "/link_dir_in/link_up_out",
      "/link_self/link_parent/secret.txt",
      "/%6c%69%6e%6b_out_rel",
      "/link_parent%2fsecret.txt",
  };
  std::string long_chain = "/sub";
  for (int i = 0; i < 500; ++i) long_chain += "/..";
  long_chain += "/secret.txt";
  std::string long_encoded;
  for (int i = 0; i < 500; ++i) long_encoded += "/%2e%2e";
  long_encoded += "/secret.txt";
  std::string long_deep;
  for (int i = 0; i < 300; ++i) long_deep += "/link_self";
  long_deep += "/link_parent/secret.txt";

  std::vector<std::string_view> all(std::begin(attacks), std::end(attacks));
  all.push_back(long_chain);
  all.push_back(long_encoded);
  all.push_back(long_deep);
  ASSERT_GE(all.size(), 20u);

  for (bool allow_dotfiles : {false, true}) {
    for (std::string_view raw : all) {
      PathResult p = normalize_request_path(raw, PathOptions{.allow_dotfiles = allow_dotfiles});
      if (!p.ok()) continue;  // refused before touching the disk
      std::string got = content_of(p.relative());
      EXPECT_EQ(got.find(kSentinel), std::string::npos) << raw << " -> " << p.relative();
    }
  }
}

TEST_P(OpenUnderRootTest, OpensALiteralPercentNameAfterOneDecode) {
  PathResult p = normalize_request_path("/%252e%252e");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(content_of(p.relative()), "LITERAL-PERCENT-NAME");
}

INSTANTIATE_TEST_SUITE_P(BothImplementations, OpenUnderRootTest,
                         ::testing::Values(Opener::kOpenUnderRoot, Opener::kWalk),
                         [](const auto& info) {
                           return info.param == Opener::kWalk ? "Walk" : "OpenUnderRoot";
                         });

class OpenUnderRootOptionsTest : public OpenUnderRootTest {};

TEST_P(OpenUnderRootOptionsTest, FollowsSymlinksOutOnlyWhenAllowed) {
  int err = 0;
  int fd = open_under_root(root_fd_, "link_out_rel", /*allow_symlinks_out=*/true, &err);
  ASSERT_GE(fd, 0) << err;
  EXPECT_EQ(read_fd(fd), kSentinel);
  ::close(fd);
}

TEST_P(OpenUnderRootOptionsTest, RefusesPathsThatAreNotNormalized) {
  for (bool allow_out : {false, true}) {
    for (std::string_view bad : std::initializer_list<std::string_view>{
             "../secret.txt", "/etc/passwd", "sub/../index.html", "..", "sub/..",
             std::string_view("index.html\0x", 12)}) {
      int err = 0;
      EXPECT_EQ(open_under_root(root_fd_, bad, allow_out, &err), -1) << bad;
      EXPECT_EQ(err, EINVAL) << bad;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Direct, OpenUnderRootOptionsTest,
                         ::testing::Values(Opener::kOpenUnderRoot),
                         [](const auto&) { return std::string("OpenUnderRoot"); });

TEST(StatusForOpenError, MapsErrnoToTheResponse) {
  for (int e : {ENOENT, ENOTDIR, ENAMETOOLONG, EXDEV, ELOOP, EINVAL}) {
    EXPECT_EQ(status_for_open_error(e), Status::kNotFound) << e;
  }
  EXPECT_EQ(status_for_open_error(EACCES), Status::kForbidden);
  EXPECT_EQ(status_for_open_error(EPERM), Status::kForbidden);
  EXPECT_EQ(status_for_open_error(EMFILE), Status::kServiceUnavailable);
  EXPECT_EQ(status_for_open_error(EIO), Status::kInternalServerError);
}

}  // namespace
}  // namespace portico::http
