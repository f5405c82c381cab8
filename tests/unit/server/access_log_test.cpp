// Tests for AccessLog: buffered lines reach the file (on flush, when a buffer fills, at
// destruction), from many threads, and reopen() follows a moved file.
#include "server/access_log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace portico::server {
namespace {

namespace fs = std::filesystem;

class AccessLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("portico-access-log-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    entry_.status = http::Status::kOk;
    entry_.body_bytes = 5;
  }
  void TearDown() override { fs::remove_all(dir_); }

  AccessLogOptions options(AccessLogFormat format = AccessLogFormat::kCustom) {
    AccessLogOptions o;
    o.path = (dir_ / "access.log").string();
    o.format = format;
    o.format_string = "$status $body_bytes_sent";
    o.flush_interval_ms = 60'000;  // only explicit flushes, full buffers and exit write
    return o;
  }
  static size_t count_lines(const fs::path& p) {
    std::ifstream in(p);
    size_t n = 0;
    std::string line;
    while (std::getline(in, line)) {
      EXPECT_EQ(line, "200 5");
      ++n;
    }
    return n;
  }

  fs::path dir_;
  http::AccessLogEntry entry_;
};

TEST_F(AccessLogTest, HoldsLinesUntilFlushed) {
  AccessLog log(options());
  log.write(entry_);
  log.write(entry_);
  EXPECT_EQ(count_lines(dir_ / "access.log"), 0u);
  log.flush();
  EXPECT_EQ(count_lines(dir_ / "access.log"), 2u);
}

TEST_F(AccessLogTest, WritesEverythingWhenDestroyed) {
  {
    AccessLog log(options());
    for (int i = 0; i < 100; ++i) log.write(entry_);
  }
  EXPECT_EQ(count_lines(dir_ / "access.log"), 100u);
}

TEST_F(AccessLogTest, KeepsLinesWholeAcrossThreads) {
  AccessLog log(options());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) log.write(entry_);
    });
  }
  for (auto& t : threads) t.join();
  log.flush();
  EXPECT_EQ(count_lines(dir_ / "access.log"), 8000u);
  EXPECT_EQ(log.dropped_lines(), 0u);
}

TEST_F(AccessLogTest, AFullBufferIsWrittenWithoutAFlush) {
  AccessLogOptions o = options();
  o.buffer_bytes = 4096;
  AccessLog log(o);
  for (int i = 0; i < 2000; ++i) log.write(entry_);  // ~12 KiB: past the buffer size
  // The writer was woken; wait (bounded) for it to write something without being asked.
  for (int i = 0; i < 500 && fs::file_size(dir_ / "access.log") == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GT(fs::file_size(dir_ / "access.log"), 0u);
}

TEST_F(AccessLogTest, ReopenFollowsAMovedFile) {
  AccessLog log(options());
  log.write(entry_);
  log.flush();
  fs::rename(dir_ / "access.log", dir_ / "access.log.1");
  log.write(entry_);
  log.reopen();
  log.flush();  // the reopen has happened once this returns
  log.write(entry_);
  log.flush();
  // The line written before reopen() went to the moved file (flushed before reopening).
  EXPECT_EQ(count_lines(dir_ / "access.log.1"), 2u);
  EXPECT_EQ(count_lines(dir_ / "access.log"), 1u);
}

TEST_F(AccessLogTest, ThrowsNamingAFileItCannotOpen) {
  AccessLogOptions o = options();
  o.path = (dir_ / "missing" / "access.log").string();
  try {
    AccessLog log(o);
    FAIL() << "no exception";
  } catch (const std::system_error& e) {
    EXPECT_NE(std::string(e.what()).find("missing/access.log"), std::string::npos);
  }
}

TEST(AccessLogStatic, FormatsCombinedLines) {
  http::AccessLogEntry e;
  e.status = http::Status::kNotFound;
  EXPECT_NE(AccessLog::format(e).find("\"-\" 404 0 \"-\" \"-\" 0.000\n"), std::string::npos);
}

}  // namespace
}  // namespace portico::server
