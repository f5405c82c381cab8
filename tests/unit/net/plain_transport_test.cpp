// Tests for PlainTransport over a socketpair: read, EOF, would-block, writev, sendfile, shutdown.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "portico/net/buffer.h"
#include "portico/net/transport.h"

namespace portico::net {
namespace {

class PlainTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds_), 0);
  }
  void TearDown() override {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  int fds_[2] = {-1, -1};
};

TEST_F(PlainTransportTest, HandshakeCompletesAtOnce) {
  PlainTransport t(fds_[0]);
  IoResult r = t.handshake();
  EXPECT_EQ(r.status, IoStatus::kOk);
  EXPECT_FALSE(t.is_secure());
  EXPECT_STREQ(t.name(), "tcp");
  EXPECT_TRUE(t.alpn().empty());
}

TEST_F(PlainTransportTest, ReadsWhatArrivedThenWouldBlockForReading) {
  PlainTransport t(fds_[0]);
  ASSERT_EQ(::write(fds_[1], "hello", 5), 5);
  Buffer in;
  IoResult r = t.read(in);
  EXPECT_EQ(r.status, IoStatus::kOk);
  EXPECT_EQ(r.bytes, 5u);
  EXPECT_EQ(in.view(), "hello");
  r = t.read(in);
  EXPECT_EQ(r.status, IoStatus::kWouldBlock);
  EXPECT_EQ(r.want, IoWant::kRead);
}

TEST_F(PlainTransportTest, ReportsEofAfterThePeerShutsDown) {
  PlainTransport t(fds_[0]);
  ::shutdown(fds_[1], SHUT_WR);
  Buffer in;
  EXPECT_EQ(t.read(in).status, IoStatus::kEof);
}

TEST_F(PlainTransportTest, WritevGathersAndReportsWouldBlockWhenFull) {
  PlainTransport t(fds_[0]);
  char a[] = "ab";
  char b[] = "cd";
  iovec iov[2] = {{a, 2}, {b, 2}};
  IoResult r = t.writev(iov, 2);
  EXPECT_EQ(r.status, IoStatus::kOk);
  EXPECT_EQ(r.bytes, 4u);
  char got[4];
  ASSERT_EQ(::read(fds_[1], got, 4), 4);
  EXPECT_EQ(std::string(got, 4), "abcd");
  std::string big(1 << 20, 'x');
  iovec one{big.data(), big.size()};
  size_t total = 0;
  while (true) {
    r = t.writev(&one, 1);
    if (r.status != IoStatus::kOk) break;
    total += r.bytes;
  }
  EXPECT_GT(total, 0u);
  EXPECT_EQ(r.status, IoStatus::kWouldBlock);
  EXPECT_EQ(r.want, IoWant::kWrite);
}

TEST_F(PlainTransportTest, WriteToAClosedPeerIsAnErrorNotASignal) {
  PlainTransport t(fds_[0]);
  ::close(fds_[1]);
  fds_[1] = ::open("/dev/null", O_RDONLY);  // keep TearDown's close harmless
  char a[] = "x";
  iovec iov{a, 1};
  IoResult r = t.writev(&iov, 1);
  EXPECT_EQ(r.status, IoStatus::kError);
  EXPECT_EQ(r.err, EPIPE);
}

TEST_F(PlainTransportTest, ShutdownWriteEndsOurDirectionOnly) {
  PlainTransport t(fds_[0]);
  EXPECT_EQ(t.shutdown_write().status, IoStatus::kOk);
  char c;
  EXPECT_EQ(::read(fds_[1], &c, 1), 0);    // the peer sees EOF
  ASSERT_EQ(::write(fds_[1], "z", 1), 1);  // and can still send
  Buffer in;
  EXPECT_EQ(t.read(in).status, IoStatus::kOk);
  EXPECT_EQ(in.view(), "z");
}

TEST_F(PlainTransportTest, SendfileAdvancesTheOffsetAndFailsPastTheEndOfTheFile) {
  // sendfile(2) needs a socket (or pipe) as destination; a TCP-less AF_UNIX stream works.
  char path[] = "/tmp/portico_transport_XXXXXX";
  int file = ::mkstemp(path);
  ASSERT_GE(file, 0);
  ::unlink(path);
  ASSERT_EQ(::write(file, "0123456789", 10), 10);
  PlainTransport t(fds_[0]);
  int64_t offset = 3;
  IoResult r = t.sendfile(file, &offset, 4);
  EXPECT_EQ(r.status, IoStatus::kOk);
  EXPECT_EQ(r.bytes, 4u);
  EXPECT_EQ(offset, 7);
  char got[4];
  ASSERT_EQ(::read(fds_[1], got, 4), 4);
  EXPECT_EQ(std::string(got, 4), "3456");
  offset = 10;
  r = t.sendfile(file, &offset, 5);
  EXPECT_EQ(r.status, IoStatus::kError);
  EXPECT_EQ(r.err, ENODATA);
  ::close(file);
}

TEST(PlainTransportFactory, MakesAPlainTransport) {
  auto t = make_plain_transport(-1);
  ASSERT_TRUE(t);
  EXPECT_STREQ(t->name(), "tcp");
}

}  // namespace
}  // namespace portico::net
