// Tests for FixedLengthCodec: records of one size, however the stream is split.
#include "portico/net/fixed_length_codec.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "unit/net/codec_test_util.h"

namespace portico::net {
namespace {

using testing::DecodeRun;
using testing::expect_chunking_invariant;

std::unique_ptr<FrameDecoder> make4() { return std::make_unique<FixedLengthCodec>(4); }

TEST(FixedLengthCodecTest, CutsTheStreamIntoRecordsHoweverItIsSplit) {
  const DecodeRun run = expect_chunking_invariant(make4, "abcdefghijkl");
  EXPECT_EQ(run.frames, (std::vector<std::string>{"abcd", "efgh", "ijkl"}));
  EXPECT_EQ(run.remaining, "");
}

TEST(FixedLengthCodecTest, KeepsAPartialRecordForTheNextRead) {
  const DecodeRun run = expect_chunking_invariant(make4, "abcdefg");
  EXPECT_EQ(run.frames, (std::vector<std::string>{"abcd"}));
  EXPECT_EQ(run.remaining, "efg");
}

TEST(FixedLengthCodecTest, BinaryRecordsWithNulBytes) {
  const std::string stream("\0\1\2\0\0\0\xff\xfe", 8);
  const DecodeRun run = expect_chunking_invariant(make4, stream);
  ASSERT_EQ(run.frames.size(), 2u);
  EXPECT_EQ(run.frames[0], stream.substr(0, 4));
  EXPECT_EQ(run.frames[1], stream.substr(4, 4));
}

TEST(FixedLengthCodecTest, EmptyInputNeedsMore) {
  FixedLengthCodec codec(3);
  EXPECT_EQ(codec.next_frame("").kind, FrameStep::Kind::kNeedMore);
  EXPECT_EQ(codec.next_frame("ab").kind, FrameStep::Kind::kNeedMore);
  const FrameStep step = codec.next_frame("abcd");
  EXPECT_EQ(step.kind, FrameStep::Kind::kFrame);
  EXPECT_EQ(step.frame, "abc");
  EXPECT_EQ(step.consumed, 3u);
}

TEST(FixedLengthCodecTest, RejectsAZeroFrameSize) {
  EXPECT_THROW(FixedLengthCodec(0), std::invalid_argument);
}

TEST(FixedLengthCodecTest, EncodesOnlyPayloadsOfTheExactSize) {
  FixedLengthCodec codec(3);
  Buffer out;
  EXPECT_EQ(codec.encode("abc", out), EncodeStatus::kOk);
  EXPECT_EQ(codec.encode("ab", out), EncodeStatus::kInvalidPayload);
  EXPECT_EQ(codec.encode("abcd", out), EncodeStatus::kInvalidPayload);
  EXPECT_EQ(out.view(), "abc");
  Buffer body;
  body.append("xyz");
  EXPECT_EQ(codec.encode_in_place(body), EncodeStatus::kOk);
  EXPECT_EQ(body.view(), "xyz");
  body.append("!");
  EXPECT_EQ(codec.encode_in_place(body), EncodeStatus::kInvalidPayload);
}

TEST(FixedLengthCodecTest, EncodedRecordsDecodeBack) {
  FixedLengthCodec codec(2);
  Buffer wire;
  for (std::string_view r : {"aa", "bb", "cc"}) ASSERT_EQ(codec.encode(r, wire), EncodeStatus::kOk);
  std::vector<std::string> frames;
  const DecodeResult result =
      codec.decode(wire, [&](std::string_view f) { frames.emplace_back(f); });
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(result.frames, 3u);
  EXPECT_EQ(frames, (std::vector<std::string>{"aa", "bb", "cc"}));
  EXPECT_TRUE(wire.empty());
}

}  // namespace
}  // namespace portico::net
