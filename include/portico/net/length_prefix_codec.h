// LengthPrefixCodec: each frame starts with a big-endian length header (binary protocols).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "portico/net/codec.h"

namespace portico::net {

struct LengthPrefixCodecOptions {
  size_t header_bytes = 4;  // 1, 2, 4 or 8: the length field, big-endian (network order)
  // Longest payload (the bytes after the header). A header announcing more is an error as
  // soon as the header has arrived, before any of the body is buffered.
  size_t max_frame_bytes = size_t{1024} * 1024;
  // Added to the length field to get the payload size, as in Netty's
  // LengthFieldBasedFrameDecoder: 0 when the field counts the payload only; -header_bytes
  // when it counts itself too (payload = field - header_bytes).
  int64_t length_adjustment = 0;
  bool strip_header = true;  // frames handed out without the header
};

// Frames are [length field][payload]. A zero-length payload is a valid frame. A length that
// overflows or goes negative after the adjustment is kMalformed; one above max_frame_bytes
// is kFrameTooLarge.
class LengthPrefixCodec final : public FrameDecoder, public FrameEncoder {
 public:
  // Throws std::invalid_argument for a header size other than 1/2/4/8 or an absurd maximum.
  explicit LengthPrefixCodec(LengthPrefixCodecOptions options = {});

  const LengthPrefixCodecOptions& options() const { return options_; }

  FrameStep next_frame(std::string_view in) override;
  const char* name() const override { return "length-prefix"; }

  // Appends header + payload. kFrameTooLarge beyond max_frame_bytes or what the header can
  // express; kInvalidPayload if the adjustment would make the length field negative.
  EncodeStatus encode(std::string_view payload, Buffer& out) const override;
  // Prepends the header into body's prependable space; the body is not copied.
  EncodeStatus encode_in_place(Buffer& body) const override;

 private:
  // The length field for a payload of n bytes, or an error.
  EncodeStatus field_for(size_t n, uint64_t* field) const;

  LengthPrefixCodecOptions options_;
};

}  // namespace portico::net
