// Tests for DelimiterCodec: lines split anywhere, empty lines, early oversize errors, encoding.
#include "portico/net/delimiter_codec.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "unit/net/codec_test_util.h"

namespace portico::net {
namespace {

using testing::DecodeRun;
using testing::expect_chunking_invariant;
using Frames = std::vector<std::string>;

testing::DecoderFactory factory(std::string delimiter, size_t max, bool strip = true) {
  return [=] { return std::make_unique<DelimiterCodec>(delimiter, max, strip); };
}

TEST(DelimiterCodecTest, SplitsLinesHoweverTheStreamIsCut) {
  const DecodeRun run = expect_chunking_invariant(factory("\n", 100), "one\ntwo\nthree\n");
  EXPECT_EQ(run.frames, (Frames{"one", "two", "three"}));
  EXPECT_EQ(run.status, DecodeStatus::kOk);
  EXPECT_EQ(run.remaining, "");
}

TEST(DelimiterCodecTest, MultiByteDelimiterSplitAcrossReads) {
  const DecodeRun run =
      expect_chunking_invariant(factory("\r\n", 100), "GET\r\nHost: a\r\n\r\npartial\r");
  EXPECT_EQ(run.frames, (Frames{"GET", "Host: a", ""}));
  EXPECT_EQ(run.remaining, "partial\r");
}

TEST(DelimiterCodecTest, LoneCarriageReturnIsContentWithCrlfDelimiter) {
  const DecodeRun run = expect_chunking_invariant(factory("\r\n", 100), "a\rb\r\r\n\n\r\n");
  EXPECT_EQ(run.frames, (Frames{"a\rb\r", "\n"}));
}

TEST(DelimiterCodecTest, EmptyFramesAreFrames) {
  const DecodeRun run = expect_chunking_invariant(factory("\n", 10), "\n\nx\n\n");
  EXPECT_EQ(run.frames, (Frames{"", "", "x", ""}));
}

TEST(DelimiterCodecTest, KeepsTheDelimiterWhenAskedTo) {
  const DecodeRun run = expect_chunking_invariant(factory("\r\n", 10, false), "a\r\n\r\nb");
  EXPECT_EQ(run.frames, (Frames{"a\r\n", "\r\n"}));
  EXPECT_EQ(run.remaining, "b");
}

TEST(DelimiterCodecTest, SelfOverlappingDelimiter) {
  // "aab" can start inside a run of a's; a partial match at the end must be kept.
  const DecodeRun run = expect_chunking_invariant(factory("aab", 20), "xaaabyaabaabzaaaa");
  EXPECT_EQ(run.frames, (Frames{"xa", "y", ""}));
  EXPECT_EQ(run.remaining, "zaaaa");
}

TEST(DelimiterCodecTest, AcceptsAFrameOfExactlyTheMaximum) {
  const DecodeRun run = expect_chunking_invariant(factory("\r\n", 5), "abcde\r\nfghij\r\n");
  EXPECT_EQ(run.frames, (Frames{"abcde", "fghij"}));
  EXPECT_EQ(run.status, DecodeStatus::kOk);
}

TEST(DelimiterCodecTest, RejectsAnOversizedFrameAndKeepsItsBytes) {
  const DecodeRun run = expect_chunking_invariant(factory("\n", 5), "ok\nabcdef\nnext\n");
  EXPECT_EQ(run.frames, (Frames{"ok"}));
  EXPECT_EQ(run.status, DecodeStatus::kFrameTooLarge);
  EXPECT_EQ(run.remaining, "abcdef\nnext\n");  // nothing past the bad frame consumed
  EXPECT_NE(run.message.find("max_frame_bytes 5"), std::string::npos) << run.message;
}

TEST(DelimiterCodecTest, DetectsAnOversizedFrameBeforeItsDelimiterArrives) {
  DelimiterCodec codec("\r\n", 5);
  Buffer buf;
  buf.append("abcde\r");  // could still be a 5-byte frame
  EXPECT_TRUE(codec.decode(buf, [](std::string_view) {}).ok());
  buf.retrieve_all();
  codec.reset();
  buf.append("abcdef");  // 6 content bytes: too large whatever comes next
  const DecodeResult result = codec.decode(buf, [](std::string_view) { FAIL(); });
  EXPECT_EQ(result.status, DecodeStatus::kFrameTooLarge);
  EXPECT_EQ(buf.view(), "abcdef");
}

TEST(DelimiterCodecTest, NeverBuffersMoreThanAMaximalFrameWithoutFailing) {
  // A peer that never sends the delimiter: the error comes once max + delimiter bytes are in.
  DelimiterCodec codec("\r\n", 1000);
  Buffer buf;
  size_t fed = 0;
  DecodeResult result;
  while (result.ok() && fed < 100000) {
    buf.append("x");
    ++fed;
    result = codec.decode(buf, [](std::string_view) {});
  }
  EXPECT_EQ(result.status, DecodeStatus::kFrameTooLarge);
  EXPECT_EQ(fed, 1001u);
}

TEST(DelimiterCodecTest, ErrorIsStableOnRepeatedCalls) {
  DelimiterCodec codec("\n", 3);
  Buffer buf;
  buf.append("toolong");
  EXPECT_EQ(codec.decode(buf, [](std::string_view) {}).status, DecodeStatus::kFrameTooLarge);
  EXPECT_EQ(codec.decode(buf, [](std::string_view) {}).status, DecodeStatus::kFrameTooLarge);
  EXPECT_EQ(buf.view(), "toolong");
}

TEST(DelimiterCodecTest, ZeroMaximumAllowsOnlyEmptyFrames) {
  const DecodeRun run = expect_chunking_invariant(factory("\n", 0), "\n\nx\n");
  EXPECT_EQ(run.frames, (Frames{"", ""}));
  EXPECT_EQ(run.status, DecodeStatus::kFrameTooLarge);
  EXPECT_EQ(run.remaining, "x\n");
}

TEST(DelimiterCodecTest, HugeReadIsScannedOnlyUpToTheMaximum) {
  // One read far larger than the maximum: the first frame is found, the oversized second one
  // is reported, and the bytes after it are untouched.
  DelimiterCodec codec("\n", 16);
  Buffer buf;
  buf.append("short\n");
  buf.append(std::string(1 << 20, 'y'));
  buf.append("\n");
  Frames frames;
  const DecodeResult result =
      codec.decode(buf, [&](std::string_view f) { frames.emplace_back(f); });
  EXPECT_EQ(frames, (Frames{"short"}));
  EXPECT_EQ(result.status, DecodeStatus::kFrameTooLarge);
  EXPECT_EQ(buf.readable_bytes(), (1u << 20) + 1);
}

TEST(DelimiterCodecTest, ResetForgetsTheScanPositionOfTheOldStream) {
  DelimiterCodec codec("\n", 100);
  EXPECT_EQ(codec.next_frame("abcdefgh").kind, FrameStep::Kind::kNeedMore);
  codec.reset();
  const FrameStep step = codec.next_frame("a\nbcdefgh");
  ASSERT_EQ(step.kind, FrameStep::Kind::kFrame);
  EXPECT_EQ(step.frame, "a");
}

TEST(DelimiterCodecTest, RejectsAnEmptyDelimiter) {
  EXPECT_THROW(DelimiterCodec("", 10), std::invalid_argument);
}

TEST(DelimiterCodecTest, EncodeAppendsTheDelimiter) {
  DelimiterCodec codec("\r\n", 8);
  Buffer out;
  EXPECT_EQ(codec.encode("hello", out), EncodeStatus::kOk);
  EXPECT_EQ(codec.encode("", out), EncodeStatus::kOk);
  EXPECT_EQ(out.view(), "hello\r\n\r\n");
}

TEST(DelimiterCodecTest, EncodeRefusesPayloadsThatWouldBreakFraming) {
  DelimiterCodec codec("\r\n", 8);
  Buffer out;
  EXPECT_EQ(codec.encode("a\r\nb", out), EncodeStatus::kInvalidPayload);
  EXPECT_EQ(codec.encode("123456789", out), EncodeStatus::kFrameTooLarge);
  EXPECT_EQ(codec.encode("a\rb\n", out), EncodeStatus::kOk);  // no full delimiter inside
  EXPECT_EQ(out.view(), "a\rb\n\r\n");
  Buffer body;
  body.append("x\r\ny");
  EXPECT_EQ(codec.encode_in_place(body), EncodeStatus::kInvalidPayload);
  EXPECT_EQ(body.view(), "x\r\ny");
}

TEST(DelimiterCodecTest, EncodeInPlaceThenDecodeRoundTrips) {
  DelimiterCodec codec("\n", 100);
  Buffer body;
  body.append("payload");
  ASSERT_EQ(codec.encode_in_place(body), EncodeStatus::kOk);
  Frames frames;
  EXPECT_TRUE(codec.decode(body, [&](std::string_view f) { frames.emplace_back(f); }).ok());
  EXPECT_EQ(frames, (Frames{"payload"}));
}

}  // namespace
}  // namespace portico::net
