// Tests for the FrameDecoder/FrameEncoder interface: the decode loop and a custom codec.
#include "portico/net/codec.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/net/codec_test_util.h"

namespace portico::net {
namespace {

using testing::DecodeRun;
using testing::expect_chunking_invariant;
using Frames = std::vector<std::string>;

// A custom protocol, as a user would write one: each frame is a varint (LEB128, as in
// Protocol Buffers) length followed by the payload. Shows that a codec is one pure step.
class VarintCodec final : public FrameDecoder, public FrameEncoder {
 public:
  explicit VarintCodec(size_t max_frame_bytes) : max_(max_frame_bytes) {}

  FrameStep next_frame(std::string_view in) override {
    uint64_t length = 0;
    size_t i = 0;
    for (;; ++i) {
      if (i == 10) return FrameStep::make_error(DecodeStatus::kMalformed, "varint too long");
      if (i == in.size()) return FrameStep::need_more();
      const auto byte = static_cast<unsigned char>(in[i]);
      length |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
      if (!(byte & 0x80)) break;
    }
    const size_t header = i + 1;
    if (length > max_) {
      return FrameStep::make_error(DecodeStatus::kFrameTooLarge,
                                   "varint frame of " + std::to_string(length) + " bytes");
    }
    if (in.size() - header < length) return FrameStep::need_more();
    return FrameStep::make_frame(in.substr(header, length), header + length);
  }
  const char* name() const override { return "varint"; }

  EncodeStatus encode(std::string_view payload, Buffer& out) const override {
    if (payload.size() > max_) return EncodeStatus::kFrameTooLarge;
    uint64_t n = payload.size();
    do {
      out.append_uint8(static_cast<uint8_t>((n & 0x7f) | (n >= 0x80 ? 0x80 : 0)));
      n >>= 7;
    } while (n != 0);
    out.append(payload);
    return EncodeStatus::kOk;
  }
  EncodeStatus encode_in_place(Buffer& body) const override {
    Buffer framed;
    const EncodeStatus status = encode(body.view(), framed);
    if (status == EncodeStatus::kOk) body.swap(framed);
    return status;
  }

 private:
  size_t max_;
};

// A broken codec: reports a frame that consumes nothing (would loop forever).
class StuckCodec final : public FrameDecoder {
 public:
  FrameStep next_frame(std::string_view in) override {
    return in.empty() ? FrameStep::need_more() : FrameStep::make_frame(in.substr(0, 0), 0);
  }
  const char* name() const override { return "stuck"; }
};

TEST(CodecTest, CustomCodecDecodesHoweverTheStreamIsCut) {
  VarintCodec encoder(1000);
  Buffer wire;
  const Frames payloads{"", "x", std::string(130, 'm'), std::string(300, 'n'), "end"};
  for (const auto& p : payloads) ASSERT_EQ(encoder.encode(p, wire), EncodeStatus::kOk);
  const DecodeRun run =
      expect_chunking_invariant([] { return std::make_unique<VarintCodec>(1000); }, wire.view());
  EXPECT_EQ(run.frames, payloads);
  EXPECT_EQ(run.status, DecodeStatus::kOk);
}

TEST(CodecTest, CustomCodecErrorsStopAtTheBadFrame) {
  std::string stream = "\x02hi" + std::string(11, '\xff');
  const DecodeRun run =
      expect_chunking_invariant([] { return std::make_unique<VarintCodec>(1000); }, stream);
  EXPECT_EQ(run.frames, (Frames{"hi"}));
  EXPECT_EQ(run.status, DecodeStatus::kMalformed);
  EXPECT_EQ(run.message, "varint too long");
  EXPECT_EQ(run.remaining, std::string(11, '\xff'));
}

TEST(CodecTest, DecodeCountsFramesDeliveredBeforeAnError) {
  VarintCodec codec(5);
  Buffer buf;
  codec.encode("ab", buf);
  codec.encode("cd", buf);
  buf.append("\x06toolong");
  size_t seen = 0;
  const DecodeResult result = codec.decode(buf, [&](std::string_view) { ++seen; });
  EXPECT_EQ(result.status, DecodeStatus::kFrameTooLarge);
  EXPECT_EQ(result.frames, 2u);
  EXPECT_EQ(seen, 2u);
  EXPECT_EQ(buf.view(), "\x06toolong");
}

TEST(CodecTest, FrameViewPointsIntoTheInputDuringTheCallback) {
  VarintCodec codec(100);
  Buffer buf;
  codec.encode("zero-copy", buf);
  const char* start = buf.peek();
  codec.decode(buf, [&](std::string_view frame) {
    EXPECT_EQ(frame.data(), start + 1);
    EXPECT_EQ(frame, "zero-copy");
  });
  EXPECT_TRUE(buf.empty());
}

TEST(CodecTest, DecodeAcceptsAStdFunctionCallback) {
  VarintCodec codec(100);
  Buffer buf;
  codec.encode("a", buf);
  Frames frames;
  const FrameDecoder::FrameCallback callback = [&](std::string_view f) { frames.emplace_back(f); };
  EXPECT_TRUE(codec.decode(buf, callback).ok());
  EXPECT_EQ(frames, (Frames{"a"}));
}

TEST(CodecTest, AStepThatConsumesNothingIsReportedNotLoopedOn) {
  StuckCodec codec;
  Buffer buf;
  buf.append("data");
  const DecodeResult result = codec.decode(buf, [](std::string_view) {});
  EXPECT_EQ(result.status, DecodeStatus::kMalformed);
  EXPECT_NE(result.message.find("stuck"), std::string::npos);
  EXPECT_EQ(buf.view(), "data");
}

TEST(CodecTest, EncodeInPlaceOfACustomCodec) {
  VarintCodec codec(100);
  Buffer body;
  body.append("abc");
  ASSERT_EQ(codec.encode_in_place(body), EncodeStatus::kOk);
  EXPECT_EQ(body.view(),
            "\x03"
            "abc");
}

TEST(CodecTest, StatusNamesReadWellInLogs) {
  EXPECT_STREQ(decode_status_name(DecodeStatus::kFrameTooLarge), "frame too large");
  EXPECT_STREQ(decode_status_name(DecodeStatus::kMalformed), "malformed frame");
  EXPECT_STREQ(encode_status_name(EncodeStatus::kInvalidPayload), "invalid payload");
  EXPECT_STREQ(decode_status_name(DecodeStatus::kOk), "ok");
}

}  // namespace
}  // namespace portico::net
