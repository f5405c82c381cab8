// Tests for net::Buffer: regions, growth, compaction, prepend, search, integers, read_fd.
#include "portico/net/buffer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <random>
#include <string>

namespace portico::net {
namespace {

TEST(BufferTest, NewBufferHoldsNoStorage) {
  Buffer buf;
  EXPECT_FALSE(buf.has_storage());
  EXPECT_EQ(buf.capacity(), 0u);
  EXPECT_EQ(buf.readable_bytes(), 0u);
  EXPECT_TRUE(buf.empty());
  EXPECT_NE(buf.peek(), nullptr);
  EXPECT_EQ(buf.view(), "");
}

TEST(BufferTest, FirstAppendAllocatesWithCheapPrepend) {
  Buffer buf;
  buf.append("hello");
  EXPECT_TRUE(buf.has_storage());
  EXPECT_EQ(buf.readable_bytes(), 5u);
  EXPECT_EQ(buf.prependable_bytes(), Buffer::kCheapPrepend);
  EXPECT_EQ(buf.capacity(), Buffer::kCheapPrepend + Buffer::kInitialSize);
  EXPECT_EQ(buf.writable_bytes(), Buffer::kInitialSize - 5);
  EXPECT_EQ(buf.view(), "hello");
}

TEST(BufferTest, RetrieveConsumesFromTheFront) {
  Buffer buf;
  buf.append("hello world");
  buf.retrieve(6);
  EXPECT_EQ(buf.view(), "world");
  EXPECT_EQ(buf.prependable_bytes(), Buffer::kCheapPrepend + 6);
  EXPECT_EQ(buf.retrieve_as_string(3), "wor");
  EXPECT_EQ(buf.retrieve_all_as_string(), "ld");
  EXPECT_TRUE(buf.empty());
  EXPECT_EQ(buf.prependable_bytes(), Buffer::kCheapPrepend);
}

TEST(BufferTest, RetrieveMoreThanReadableEmptiesTheBuffer) {
  Buffer buf;
  buf.append("abc");
  buf.retrieve(100);
  EXPECT_TRUE(buf.empty());
  EXPECT_EQ(buf.retrieve_as_string(10), "");
}

TEST(BufferTest, RetrieveUntilStopsBeforeThePointer) {
  Buffer buf;
  buf.append("key: value\r\nrest");
  size_t crlf = buf.find_crlf();
  ASSERT_EQ(crlf, 10u);
  buf.retrieve_until(buf.peek() + crlf + 2);
  EXPECT_EQ(buf.view(), "rest");
}

TEST(BufferTest, GrowsAndKeepsContent) {
  Buffer buf;
  std::string expected;
  for (int i = 0; i < 1000; ++i) {
    std::string piece = std::to_string(i) + ",";
    buf.append(piece);
    expected += piece;
  }
  EXPECT_EQ(buf.view(), expected);
  EXPECT_GE(buf.capacity(), expected.size() + Buffer::kCheapPrepend);
}

TEST(BufferTest, EnsureWritableCompactsBeforeGrowing) {
  Buffer buf;
  buf.append(std::string(Buffer::kInitialSize, 'x'));
  const size_t capacity = buf.capacity();
  buf.retrieve(Buffer::kInitialSize - 10);  // 10 bytes left at the back
  buf.ensure_writable(500);
  EXPECT_EQ(buf.capacity(), capacity);  // compacted, not grown
  EXPECT_EQ(buf.prependable_bytes(), Buffer::kCheapPrepend);
  EXPECT_EQ(buf.view(), std::string(10, 'x'));
  EXPECT_GE(buf.writable_bytes(), 500u);
}

TEST(BufferTest, EnsureWritableGrowsWhenCompactionWouldMoveMoreThanItFrees) {
  Buffer buf;
  buf.append(std::string(Buffer::kInitialSize, 'x'));
  const size_t capacity = buf.capacity();
  buf.retrieve(100);  // 924 bytes remain; compacting would move 924 to free 100
  buf.ensure_writable(50);
  EXPECT_GT(buf.capacity(), capacity);
  EXPECT_EQ(buf.view(), std::string(Buffer::kInitialSize - 100, 'x'));
}

TEST(BufferTest, DirectWritesThroughBeginWrite) {
  Buffer buf;
  buf.ensure_writable(4);
  ASSERT_NE(buf.begin_write(), nullptr);
  std::memcpy(buf.begin_write(), "abcd", 4);
  buf.has_written(4);
  EXPECT_EQ(buf.view(), "abcd");
  buf.unwrite(1);
  EXPECT_EQ(buf.view(), "abc");
  buf.unwrite(10);
  EXPECT_TRUE(buf.empty());
}

TEST(BufferTest, AppendOfItsOwnContentSurvivesGrowth) {
  Buffer buf;
  buf.append(std::string(Buffer::kInitialSize, 'a'));
  buf.append(buf.peek(), buf.readable_bytes());  // forces growth while reading from itself
  EXPECT_EQ(buf.view(), std::string(2 * Buffer::kInitialSize, 'a'));
}

TEST(BufferTest, PrependUsesTheCheapPrependArea) {
  Buffer buf;
  buf.append("body");
  const char* body = buf.peek();
  buf.prepend_uint32(4);
  EXPECT_EQ(buf.peek() + 4, body);  // the body did not move
  EXPECT_EQ(buf.readable_bytes(), 8u);
  EXPECT_EQ(buf.read_uint32(), 4u);
  EXPECT_EQ(buf.view(), "body");
}

TEST(BufferTest, PrependLargerThanTheFrontRoomMovesTheContent) {
  Buffer buf;
  buf.append("body");
  std::string header(100, 'h');
  buf.prepend(header.data(), header.size());
  EXPECT_EQ(buf.view(), header + "body");
  EXPECT_EQ(buf.prependable_bytes(), Buffer::kCheapPrepend);
  buf.prepend_uint64(7);  // cheap again
  EXPECT_EQ(buf.read_uint64(), 7u);
  EXPECT_EQ(buf.view(), header + "body");
}

TEST(BufferTest, PrependOnAnEmptyBufferAllocates) {
  Buffer buf;
  buf.prepend_uint16(0xABCD);
  EXPECT_EQ(buf.readable_bytes(), 2u);
  EXPECT_EQ(buf.peek_uint16(), 0xABCD);
}

TEST(BufferTest, IntegersAreBigEndian) {
  Buffer buf;
  buf.append_uint8(0x01);
  buf.append_uint16(0x0203);
  buf.append_uint32(0x04050607);
  buf.append_uint64(0x08090A0B0C0D0E0FULL);
  EXPECT_EQ(buf.view(), std::string_view("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d"
                                         "\x0e\x0f",
                                         15));
  EXPECT_EQ(buf.peek_uint8(), 0x01);
  EXPECT_EQ(buf.read_uint8(), 0x01);
  EXPECT_EQ(buf.read_uint16(), 0x0203);
  EXPECT_EQ(buf.read_uint32(), 0x04050607u);
  EXPECT_EQ(buf.read_uint64(), 0x08090A0B0C0D0E0FULL);
  EXPECT_TRUE(buf.empty());
}

TEST(BufferTest, HighBitIntegersRoundTrip) {
  Buffer buf;
  buf.append_uint64(UINT64_MAX);
  buf.append_uint32(0x80000000u);
  EXPECT_EQ(buf.read_uint64(), UINT64_MAX);
  EXPECT_EQ(buf.read_uint32(), 0x80000000u);
}

TEST(BufferTest, ReadingAnIntegerPastTheContentAborts) {
  Buffer buf;
  buf.append_uint8(1);
  EXPECT_DEATH(buf.peek_uint32(), "contract violation");
}

TEST(BufferTest, FindLocatesNeedlesFromAnOffset) {
  Buffer buf;
  buf.append("a\r\nb\r\nc");
  EXPECT_EQ(buf.find_crlf(), 1u);
  EXPECT_EQ(buf.find_crlf(2), 4u);
  EXPECT_EQ(buf.find_crlf(5), Buffer::npos);
  EXPECT_EQ(buf.find("c"), 6u);
  EXPECT_EQ(buf.find('b'), 3u);
  EXPECT_EQ(buf.find_eol(), 2u);
  EXPECT_EQ(buf.find("zz"), Buffer::npos);
  EXPECT_EQ(buf.find("", 3), 3u);
  EXPECT_EQ(buf.find("a", 100), Buffer::npos);
  Buffer empty;
  EXPECT_EQ(empty.find_crlf(), Buffer::npos);
  EXPECT_EQ(empty.find('x'), Buffer::npos);
}

TEST(BufferTest, FindIsRelativeToTheReadableBytes) {
  Buffer buf;
  buf.append("xx\nyy\n");
  buf.retrieve(3);
  EXPECT_EQ(buf.find_eol(), 2u);
}

TEST(BufferTest, ReleaseFreesStorageOnlyWhenEmpty) {
  Buffer buf;
  EXPECT_TRUE(buf.release());
  buf.append("data");
  EXPECT_FALSE(buf.release());
  EXPECT_TRUE(buf.has_storage());
  buf.retrieve_all();
  EXPECT_TRUE(buf.release());
  EXPECT_FALSE(buf.has_storage());
  EXPECT_EQ(buf.capacity(), 0u);
  buf.append("again");  // usable after release
  EXPECT_EQ(buf.view(), "again");
}

TEST(BufferTest, ShrinkToFitKeepsContentAndFreesTheRest) {
  Buffer buf;
  buf.append(std::string(10000, 'z'));
  buf.retrieve(9990);
  buf.shrink_to_fit();
  EXPECT_EQ(buf.capacity(), Buffer::kCheapPrepend + 10);
  EXPECT_EQ(buf.view(), std::string(10, 'z'));
  buf.retrieve_all();
  buf.shrink_to_fit();
  EXPECT_FALSE(buf.has_storage());
}

TEST(BufferTest, MoveLeavesTheSourceEmptyAndUsable) {
  Buffer a;
  a.append("moved");
  Buffer b(std::move(a));
  EXPECT_EQ(b.view(), "moved");
  EXPECT_FALSE(a.has_storage());  // NOLINT(bugprone-use-after-move): documented state
  EXPECT_TRUE(a.empty());
  a.append("x");
  EXPECT_EQ(a.view(), "x");
  Buffer c;
  c = std::move(b);
  EXPECT_EQ(c.view(), "moved");
  swap(a, c);
  EXPECT_EQ(a.view(), "moved");
  EXPECT_EQ(c.view(), "x");
}

TEST(BufferTest, RandomOperationsMatchAStringModel) {
  std::mt19937 rng(12345);
  Buffer buf;
  std::string model;
  for (int step = 0; step < 5000; ++step) {
    switch (rng() % 6) {
      case 0:
      case 1: {
        std::string piece(rng() % 3000, static_cast<char>('a' + rng() % 26));
        buf.append(piece);
        model += piece;
        break;
      }
      case 2: {
        size_t n = rng() % 8000;
        buf.retrieve(n);
        model.erase(0, std::min(n, model.size()));
        break;
      }
      case 3: {
        uint32_t v = static_cast<uint32_t>(rng());
        buf.prepend_uint32(v);
        std::string be{static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 8), static_cast<char>(v)};
        model.insert(0, be);
        break;
      }
      case 4:
        if (buf.empty()) {
          EXPECT_TRUE(buf.release());
        }
        break;
      case 5: buf.shrink_to_fit(); break;
    }
    ASSERT_EQ(buf.view(), model) << "step " << step;
    ASSERT_EQ(buf.prependable_bytes() + buf.readable_bytes() + buf.writable_bytes(),
              buf.capacity());
  }
}

class BufferReadFdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds_), 0);
    int size = 1 << 20;
    ::setsockopt(fds_[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    ::setsockopt(fds_[1], SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  }
  void TearDown() override {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  size_t write_all(const std::string& data) {
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::write(fds_[0], data.data() + done, data.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    return done;
  }
  int fds_[2] = {-1, -1};
};

TEST_F(BufferReadFdTest, FirstReadOnAnEmptyBufferAllocatesOnlyWhatArrived) {
  Buffer buf;
  ASSERT_EQ(write_all("ping"), 4u);
  int err = 0;
  EXPECT_EQ(buf.read_fd(fds_[1], &err), 4);
  EXPECT_EQ(buf.view(), "ping");
  EXPECT_EQ(buf.capacity(), Buffer::kCheapPrepend + Buffer::kInitialSize);
}

TEST_F(BufferReadFdTest, ReadSpillsIntoTheExtraAreaAndKeepsOrder) {
  Buffer buf;
  buf.append("prefix:");
  std::string payload;
  for (int i = 0; i < 50000; ++i) payload += static_cast<char>('0' + i % 10);
  const size_t written = write_all(payload);
  ASSERT_EQ(written, payload.size());
  int err = 0;
  std::string got;
  while (buf.readable_bytes() < 7 + payload.size()) {
    ssize_t n = buf.read_fd(fds_[1], &err);
    ASSERT_GT(n, 0) << "errno " << err;
  }
  EXPECT_EQ(buf.view(), "prefix:" + payload);
}

TEST_F(BufferReadFdTest, OneCallTakesTheWritableSpacePlusTheExtraArea) {
  const std::string payload(200000, 'q');
  ASSERT_EQ(write_all(payload), payload.size());
  int err = 0;
  // No storage yet: only the extra area is offered, and what arrived there is kept.
  Buffer fresh;
  ssize_t n = fresh.read_fd(fds_[1], &err);
  EXPECT_EQ(static_cast<size_t>(n), Buffer::kReadExtraBytes);
  // Some writable space: one call fills it and the extra area.
  Buffer small;
  small.append("x");
  const size_t writable = small.writable_bytes();
  n = small.read_fd(fds_[1], &err);
  EXPECT_EQ(static_cast<size_t>(n), writable + Buffer::kReadExtraBytes);
  EXPECT_EQ(small.view(), "x" + std::string(static_cast<size_t>(n), 'q'));
  // Writable space of at least the extra area's size: the extra area is not needed.
  Buffer large;
  large.ensure_writable(Buffer::kReadExtraBytes);
  n = large.read_fd(fds_[1], &err);
  EXPECT_EQ(static_cast<size_t>(n), large.readable_bytes());
  EXPECT_GE(static_cast<size_t>(n), Buffer::kReadExtraBytes);
}

TEST_F(BufferReadFdTest, ReportsErrnoWhenNothingIsWaiting) {
  Buffer buf;
  int err = 0;
  EXPECT_EQ(buf.read_fd(fds_[1], &err), -1);
  EXPECT_TRUE(err == EAGAIN || err == EWOULDBLOCK);
  EXPECT_TRUE(buf.empty());
}

TEST_F(BufferReadFdTest, ReturnsZeroAtEndOfStream) {
  Buffer buf;
  ::shutdown(fds_[0], SHUT_WR);
  int err = 0;
  EXPECT_EQ(buf.read_fd(fds_[1], &err), 0);
  EXPECT_TRUE(buf.empty());
}

}  // namespace
}  // namespace portico::net
