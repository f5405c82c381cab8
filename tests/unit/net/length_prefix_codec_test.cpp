// Tests for LengthPrefixCodec: header sizes, adjustment, stripping, bad lengths, encoding.
#include "portico/net/length_prefix_codec.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "unit/net/codec_test_util.h"

namespace portico::net {
namespace {

using testing::DecodeRun;
using testing::expect_chunking_invariant;
using Frames = std::vector<std::string>;

testing::DecoderFactory factory(LengthPrefixCodecOptions options) {
  return [=] { return std::make_unique<LengthPrefixCodec>(options); };
}

LengthPrefixCodecOptions opts(size_t header, size_t max = 1000, int64_t adjustment = 0,
                              bool strip = true) {
  return LengthPrefixCodecOptions{header, max, adjustment, strip};
}

// Big-endian header of the given width.
std::string be(uint64_t v, size_t width) {
  std::string s;
  for (size_t i = 0; i < width; ++i) s += static_cast<char>(v >> (8 * (width - 1 - i)));
  return s;
}

TEST(LengthPrefixCodecTest, DecodesEveryHeaderWidthHoweverTheStreamIsCut) {
  for (size_t width : {1u, 2u, 4u, 8u}) {
    SCOPED_TRACE(width);
    const std::string stream =
        be(5, width) + "hello" + be(0, width) + be(3, width) + "abc" + be(4, width) + "pa";
    const DecodeRun run = expect_chunking_invariant(factory(opts(width)), stream);
    EXPECT_EQ(run.frames, (Frames{"hello", "", "abc"}));
    EXPECT_EQ(run.status, DecodeStatus::kOk);
    EXPECT_EQ(run.remaining, be(4, width) + "pa");
  }
}

TEST(LengthPrefixCodecTest, ZeroLengthFramesAreFrames) {
  const std::string stream = be(0, 2) + be(0, 2) + be(1, 2) + "x" + be(0, 2);
  const DecodeRun run = expect_chunking_invariant(factory(opts(2)), stream);
  EXPECT_EQ(run.frames, (Frames{"", "", "x", ""}));
}

TEST(LengthPrefixCodecTest, KeepsTheHeaderWhenAskedTo) {
  const std::string stream = be(2, 4) + "hi" + be(0, 4);
  const DecodeRun run = expect_chunking_invariant(factory(opts(4, 100, 0, false)), stream);
  EXPECT_EQ(run.frames, (Frames{be(2, 4) + "hi", be(0, 4)}));
}

TEST(LengthPrefixCodecTest, NegativeAdjustmentForALengthThatCountsTheHeader) {
  // The field counts itself: "6" = 2 header bytes + 4 payload bytes.
  const std::string stream = be(6, 2) + "data" + be(2, 2);
  const DecodeRun run = expect_chunking_invariant(factory(opts(2, 100, -2)), stream);
  EXPECT_EQ(run.frames, (Frames{"data", ""}));
}

TEST(LengthPrefixCodecTest, PositiveAdjustmentForTrailingBytesTheFieldDoesNotCount) {
  // The field counts the body only; a 2-byte checksum follows it.
  const std::string stream = be(3, 1) + "abcCK";
  const DecodeRun run = expect_chunking_invariant(factory(opts(1, 100, 2)), stream);
  EXPECT_EQ(run.frames, (Frames{"abcCK"}));
}

TEST(LengthPrefixCodecTest, RejectsALengthThatGoesNegative) {
  const std::string stream = be(4, 2) + "ok" + be(1, 2) + "zz";  // 1 - 2 < 0
  const DecodeRun run = expect_chunking_invariant(factory(opts(2, 100, -2)), stream);
  EXPECT_EQ(run.frames, (Frames{"ok"}));
  EXPECT_EQ(run.status, DecodeStatus::kMalformed);
  EXPECT_EQ(run.remaining, be(1, 2) + "zz");
  EXPECT_NE(run.message.find("negative"), std::string::npos) << run.message;
}

TEST(LengthPrefixCodecTest, RejectsALengthThatOverflows) {
  const std::string stream = be(UINT64_MAX - 1, 8) + "x";
  const DecodeRun run = expect_chunking_invariant(factory(opts(8, 100, 5)), stream);
  EXPECT_TRUE(run.frames.empty());
  EXPECT_EQ(run.status, DecodeStatus::kMalformed);
  EXPECT_EQ(run.remaining, stream);
  EXPECT_NE(run.message.find("overflows"), std::string::npos) << run.message;
}

TEST(LengthPrefixCodecTest, RejectsAnOversizedFrameAsSoonAsTheHeaderArrives) {
  LengthPrefixCodec codec(opts(4, 10));
  EXPECT_EQ(codec.next_frame(be(11, 4).substr(0, 3)).kind, FrameStep::Kind::kNeedMore);
  const FrameStep step = codec.next_frame(be(11, 4));  // no body bytes yet
  EXPECT_EQ(step.kind, FrameStep::Kind::kError);
  EXPECT_EQ(step.error, DecodeStatus::kFrameTooLarge);
  EXPECT_NE(step.message.find("11 bytes exceeds max_frame_bytes 10"), std::string::npos)
      << step.message;
}

TEST(LengthPrefixCodecTest, OversizedFrameStopsDecodingWithoutConsumingIt) {
  const std::string stream = be(10, 4) + "0123456789" + be(11, 4) + "0123456789X" + be(0, 4);
  const DecodeRun run = expect_chunking_invariant(factory(opts(4, 10)), stream);
  EXPECT_EQ(run.frames, (Frames{"0123456789"}));
  EXPECT_EQ(run.status, DecodeStatus::kFrameTooLarge);
  EXPECT_EQ(run.remaining, be(11, 4) + "0123456789X" + be(0, 4));
}

TEST(LengthPrefixCodecTest, HugeLengthFieldsAreCheckedBeforeAnyArithmetic) {
  LengthPrefixCodec codec(opts(8, SIZE_MAX / 2));
  const FrameStep step = codec.next_frame(be(UINT64_MAX, 8));
  EXPECT_EQ(step.kind, FrameStep::Kind::kError);
  EXPECT_EQ(step.error, DecodeStatus::kFrameTooLarge);
}

TEST(LengthPrefixCodecTest, MostNegativeAdjustmentIsHandled) {
  LengthPrefixCodec codec(opts(8, 100, INT64_MIN));
  const FrameStep step = codec.next_frame(be(5, 8));
  EXPECT_EQ(step.error, DecodeStatus::kMalformed);
  Buffer out;
  EXPECT_EQ(codec.encode("abc", out), EncodeStatus::kOk);  // field = 3 + 2^63 fits 8 bytes
  EXPECT_EQ(out.readable_bytes(), 11u);
}

TEST(LengthPrefixCodecTest, RejectsBadHeaderWidths) {
  for (size_t width : {0u, 3u, 5u, 16u}) {
    EXPECT_THROW(LengthPrefixCodec(opts(width)), std::invalid_argument) << width;
  }
}

TEST(LengthPrefixCodecTest, EncodeWritesABigEndianHeader) {
  LengthPrefixCodec codec(opts(2));
  Buffer out;
  EXPECT_EQ(codec.encode("abc", out), EncodeStatus::kOk);
  EXPECT_EQ(codec.encode("", out), EncodeStatus::kOk);
  EXPECT_EQ(out.view(), be(3, 2) + "abc" + be(0, 2));
}

TEST(LengthPrefixCodecTest, EncodeInPlacePrependsWithoutMovingTheBody) {
  LengthPrefixCodec codec(opts(4));
  Buffer body;
  body.append("payload");
  const char* before = body.peek();
  ASSERT_EQ(codec.encode_in_place(body), EncodeStatus::kOk);
  EXPECT_EQ(body.peek() + 4, before);
  EXPECT_EQ(body.view(), be(7, 4) + "payload");
}

TEST(LengthPrefixCodecTest, EncodeRefusesWhatTheHeaderOrLimitCannotCarry) {
  Buffer out;
  EXPECT_EQ(LengthPrefixCodec(opts(1, 1000)).encode(std::string(256, 'x'), out),
            EncodeStatus::kFrameTooLarge);  // 256 does not fit one byte
  EXPECT_EQ(LengthPrefixCodec(opts(1, 1000)).encode(std::string(255, 'x'), out), EncodeStatus::kOk);
  out.retrieve_all();
  EXPECT_EQ(LengthPrefixCodec(opts(4, 10)).encode(std::string(11, 'x'), out),
            EncodeStatus::kFrameTooLarge);
  EXPECT_EQ(LengthPrefixCodec(opts(4, 10, 3)).encode("ab", out), EncodeStatus::kInvalidPayload);
  EXPECT_EQ(LengthPrefixCodec(opts(1, 1000, -1)).encode(std::string(255, 'x'), out),
            EncodeStatus::kFrameTooLarge);  // field would be 256
  EXPECT_TRUE(out.empty());
  Buffer body;
  body.append(std::string(11, 'x'));
  EXPECT_EQ(LengthPrefixCodec(opts(4, 10)).encode_in_place(body), EncodeStatus::kFrameTooLarge);
  EXPECT_EQ(body.readable_bytes(), 11u);
}

TEST(LengthPrefixCodecTest, EncodeAndDecodeAgreeForEveryConfiguration) {
  for (size_t width : {1u, 2u, 4u, 8u}) {
    for (int64_t adjustment : {-8, -2, 0, 3}) {
      for (bool strip : {true, false}) {
        SCOPED_TRACE(std::to_string(width) + "/" + std::to_string(adjustment));
        LengthPrefixCodec codec(opts(width, 200, adjustment, strip));
        Buffer wire;
        const Frames payloads{"", "a", "hello world", std::string(200, 'z'),
                              std::string("\0\1", 2)};
        Frames sent;
        for (const auto& p : payloads) {
          if (codec.encode(p, wire) == EncodeStatus::kOk) sent.push_back(p);
        }
        Frames got;
        ASSERT_TRUE(codec.decode(wire, [&](std::string_view f) { got.emplace_back(f); }).ok());
        ASSERT_EQ(got.size(), sent.size());
        for (size_t i = 0; i < got.size(); ++i) {
          EXPECT_EQ(strip ? got[i] : got[i].substr(width), sent[i]);
        }
        EXPECT_TRUE(wire.empty());
      }
    }
  }
}

}  // namespace
}  // namespace portico::net
