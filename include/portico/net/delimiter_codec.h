// DelimiterCodec: frames end with a delimiter such as "\r\n" or "\n" (line protocols).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "portico/net/codec.h"

namespace portico::net {

struct DelimiterCodecOptions {
  std::string delimiter = "\n";  // any non-empty byte string
  // Longest frame, not counting the delimiter. A frame longer than this is an error as soon
  // as that is certain, even before its delimiter arrives, so a peer that never sends one
  // cannot make the receiver buffer more than max_frame_bytes + delimiter size.
  size_t max_frame_bytes = size_t{64} * 1024;
  bool strip_delimiter = true;  // frames handed out without the delimiter
};

// Frames are the bytes up to each delimiter; an empty frame (two delimiters in a row) is a
// valid frame. The scan position is remembered between calls, so a long frame arriving one
// byte at a time is scanned once, not once per read.
class DelimiterCodec final : public FrameDecoder, public FrameEncoder {
 public:
  // Throws std::invalid_argument for an empty delimiter or an absurd max_frame_bytes.
  explicit DelimiterCodec(DelimiterCodecOptions options = {});
  DelimiterCodec(std::string_view delimiter, size_t max_frame_bytes, bool strip_delimiter = true);

  const DelimiterCodecOptions& options() const { return options_; }

  FrameStep next_frame(std::string_view in) override;
  void reset() override { scanned_ = 0; }
  const char* name() const override { return "delimiter"; }

  // Appends payload + delimiter. kInvalidPayload if the payload contains the delimiter (it
  // would arrive as two frames: a framing injection), kFrameTooLarge beyond max_frame_bytes.
  EncodeStatus encode(std::string_view payload, Buffer& out) const override;
  EncodeStatus encode_in_place(Buffer& body) const override;

 private:
  EncodeStatus check_payload(std::string_view payload) const;
  FrameStep too_large(size_t at_least) const;

  DelimiterCodecOptions options_;
  // Bytes at the front of the input already known to hold no delimiter start.
  size_t scanned_ = 0;
};

}  // namespace portico::net
