// Tests for OutputQueue: ordering, gathering, partial consumption, file regions.
#include "portico/net/output_queue.h"

#include <gtest/gtest.h>
#include <sys/uio.h>

#include <string>

namespace portico::net {
namespace {

std::string gathered(const OutputQueue& q) {
  iovec iov[64];
  int n = q.gather(iov, 64);
  std::string out;
  for (int i = 0; i < n; ++i) out.append(static_cast<char*>(iov[i].iov_base), iov[i].iov_len);
  return out;
}

TEST(OutputQueue, GathersMemoryChunksInOrderAndConsumesPartially) {
  OutputQueue q;
  q.append(std::string("hello "));
  q.append("world", 5);
  q.append(std::string(20000, 'x'));
  EXPECT_EQ(q.memory_bytes(), 20011u);
  EXPECT_EQ(gathered(q), "hello world" + std::string(20000, 'x'));
  q.consume_memory(8);
  EXPECT_EQ(gathered(q).substr(0, 3), "rld");
  q.consume_memory(3 + 19999);
  EXPECT_EQ(gathered(q), "x");
  q.consume_memory(1);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.total_bytes(), 0u);
}

TEST(OutputQueue, StopsGatheringAtAFileRegion) {
  OutputQueue q;
  q.append(std::string("head"));
  auto file = std::make_shared<const FileRef>(-1, 100);
  q.append_file(file, 10, 50);
  q.append(std::string("tail"));
  EXPECT_EQ(q.total_bytes(), 58u);
  EXPECT_EQ(q.memory_bytes(), 8u);
  EXPECT_EQ(q.front_file(), nullptr);
  EXPECT_EQ(gathered(q), "head");
  q.consume_memory(4);
  OutputQueue::Segment* seg = q.front_file();
  ASSERT_NE(seg, nullptr);
  EXPECT_EQ(seg->file_offset, 10);
  EXPECT_EQ(gathered(q), "");
  seg->file_offset += 50;
  q.consume_file(50);
  EXPECT_EQ(gathered(q), "tail");
}

TEST(OutputQueue, IgnoresEmptyAppends) {
  OutputQueue q;
  q.append(std::string());
  q.append("", 0);
  q.append_file(std::make_shared<const FileRef>(-1, 0), 0, 0);
  EXPECT_TRUE(q.empty());
}

}  // namespace
}  // namespace portico::net
