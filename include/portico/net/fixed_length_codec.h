// FixedLengthCodec: every frame is exactly N bytes (the simplest answer to sticky packets).
#pragma once

#include <cstddef>
#include <string_view>

#include "portico/net/codec.h"

namespace portico::net {

// Frames of one fixed size, no header: suits protocols of fixed-size records. A partial
// record waits for the rest; nothing can be malformed or oversized, so decoding never fails.
class FixedLengthCodec final : public FrameDecoder, public FrameEncoder {
 public:
  // frame_bytes must be > 0 (throws std::invalid_argument: a zero-length record would make
  // every empty read an endless stream of frames).
  explicit FixedLengthCodec(size_t frame_bytes);

  size_t frame_bytes() const { return frame_bytes_; }

  FrameStep next_frame(std::string_view in) override;
  const char* name() const override { return "fixed-length"; }

  // The payload must be exactly frame_bytes() long (kInvalidPayload otherwise).
  EncodeStatus encode(std::string_view payload, Buffer& out) const override;
  EncodeStatus encode_in_place(Buffer& body) const override;

 private:
  size_t frame_bytes_;
};

}  // namespace portico::net
