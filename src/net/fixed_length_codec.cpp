// FixedLengthCodec: cuts the stream into records of one size.
#include "portico/net/fixed_length_codec.h"

#include <stdexcept>

namespace portico::net {

FixedLengthCodec::FixedLengthCodec(size_t frame_bytes) : frame_bytes_(frame_bytes) {
  if (frame_bytes == 0) throw std::invalid_argument("FixedLengthCodec: frame_bytes must be > 0");
}

FrameStep FixedLengthCodec::next_frame(std::string_view in) {
  if (in.size() < frame_bytes_) return FrameStep::need_more();
  return FrameStep::make_frame(in.substr(0, frame_bytes_), frame_bytes_);
}

EncodeStatus FixedLengthCodec::encode(std::string_view payload, Buffer& out) const {
  if (payload.size() != frame_bytes_) return EncodeStatus::kInvalidPayload;
  out.append(payload);
  return EncodeStatus::kOk;
}

EncodeStatus FixedLengthCodec::encode_in_place(Buffer& body) const {
  return body.readable_bytes() == frame_bytes_ ? EncodeStatus::kOk : EncodeStatus::kInvalidPayload;
}

}  // namespace portico::net
