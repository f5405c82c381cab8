// Framing codecs: the interface that turns a TCP byte stream into frames and frames into bytes.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "portico/net/buffer.h"

namespace portico::net {

// TCP delivers a byte stream, not messages: one read may hold half a message or three and a
// half ("sticky" and "split" packets). A codec restores the sender's message boundaries. The
// classic answers are in this directory: FixedLengthCodec, DelimiterCodec, LengthPrefixCodec;
// a protocol of its own implements FrameDecoder/FrameEncoder.

enum class DecodeStatus {
  kOk,             // every complete frame was delivered; the rest waits for more bytes
  kFrameTooLarge,  // a frame is (or will certainly be) longer than the configured maximum
  kMalformed,      // the bytes cannot start a valid frame (bad length field, bad codec step)
};
const char* decode_status_name(DecodeStatus status);

enum class EncodeStatus {
  kOk,
  kFrameTooLarge,   // longer than the maximum, or than the length header can express
  kInvalidPayload,  // cannot be framed: wrong fixed length, contains the delimiter, ...
};
const char* encode_status_name(EncodeStatus status);

// What one decode() call did.
struct DecodeResult {
  DecodeStatus status = DecodeStatus::kOk;
  size_t frames = 0;    // frames delivered by this call (also on error: those before the bad one)
  std::string message;  // on error: what was wrong, with the numbers, for a log line
  bool ok() const { return status == DecodeStatus::kOk; }
};

// One decoding step: what is at the front of the input.
struct FrameStep {
  enum class Kind { kNeedMore, kFrame, kError };

  Kind kind = Kind::kNeedMore;
  // kFrame: the frame's bytes, usually a view into the input (header/delimiter stripped or
  // not, as configured); a decoder that must transform bytes may point into its own storage.
  // Valid until the next call on the decoder or the next change to the input.
  std::string_view frame;
  // kFrame: bytes of input the frame occupies (> 0); the caller retrieves them after use.
  size_t consumed = 0;
  // kError: why.
  DecodeStatus error = DecodeStatus::kOk;
  std::string message;

  static FrameStep need_more() { return {}; }
  static FrameStep make_frame(std::string_view frame, size_t consumed) {
    FrameStep step;
    step.kind = Kind::kFrame;
    step.frame = frame;
    step.consumed = consumed;
    return step;
  }
  static FrameStep make_error(DecodeStatus error, std::string message) {
    FrameStep step;
    step.kind = Kind::kError;
    step.error = error;
    step.message = std::move(message);
    return step;
  }
};

// Splits a byte stream into frames. One decoder per stream: a decoder may remember how far it
// has looked (so a long frame arriving in many reads is scanned once), so feed it a single
// stream, consume only what it reports, and reset() it before reusing it on another stream.
class FrameDecoder {
 public:
  using FrameCallback = std::function<void(std::string_view frame)>;

  virtual ~FrameDecoder();

  // The one step a codec implements, a pure look at the front of `in`: a complete frame,
  // "need more bytes", or an error. It consumes nothing. After kFrame the caller consumes
  // step.consumed bytes of the input before the next call. An error must be reported as soon
  // as it is certain (an oversized frame before all of it has arrived), so that a hostile peer
  // cannot make the receiver buffer more than about one maximum frame.
  virtual FrameStep next_frame(std::string_view in) = 0;

  // Forgets per-stream state.
  virtual void reset() {}

  // Name for log lines ("delimiter", "length-prefix", ...).
  virtual const char* name() const = 0;

  // Consumes every complete frame at the front of `in`, calling on_frame(frame) for each in
  // order; the view is valid during the call only and on_frame must not modify `in`. Stops at
  // the first bad frame with an error result, consuming nothing of it or after it: the frames
  // before it are delivered and consumed, the bad bytes stay at the front of `in`.
  template <typename OnFrame>
  DecodeResult decode(Buffer& in, OnFrame&& on_frame);

 protected:
  // A kFrame step that breaks the contract (consumes nothing or more than the input) would
  // loop forever or read out of bounds; decode() turns it into a kMalformed error instead.
  static bool step_is_valid(const FrameStep& step, size_t available) {
    return step.consumed > 0 && step.consumed <= available;
  }
  static DecodeResult invalid_step(const FrameDecoder& decoder, size_t frames);
};

// Turns payloads into frames. Encoders are stateless: one may serve many connections.
class FrameEncoder {
 public:
  virtual ~FrameEncoder();

  // Appends payload as one frame to out. On error appends nothing.
  virtual EncodeStatus encode(std::string_view payload, Buffer& out) const = 0;

  // Makes the whole readable content of body one frame, in place: a length prefix is written
  // into the prependable space, so a body built directly in a Buffer is never copied. On
  // error body is unchanged.
  virtual EncodeStatus encode_in_place(Buffer& body) const = 0;
};

template <typename OnFrame>
DecodeResult FrameDecoder::decode(Buffer& in, OnFrame&& on_frame) {
  DecodeResult result;
  for (;;) {
    FrameStep step = next_frame(in.view());
    switch (step.kind) {
      case FrameStep::Kind::kNeedMore: return result;
      case FrameStep::Kind::kError:
        result.status = step.error;
        result.message = std::move(step.message);
        return result;
      case FrameStep::Kind::kFrame:
        if (!step_is_valid(step, in.readable_bytes())) return invalid_step(*this, result.frames);
        on_frame(step.frame);
        in.retrieve(step.consumed);
        ++result.frames;
        break;
    }
  }
}

}  // namespace portico::net
