// Shared pieces of the framing codec interface: status names and the guard against bad steps.
#include "portico/net/codec.h"

namespace portico::net {

FrameDecoder::~FrameDecoder() = default;
FrameEncoder::~FrameEncoder() = default;

const char* decode_status_name(DecodeStatus status) {
  switch (status) {
    case DecodeStatus::kOk: return "ok";
    case DecodeStatus::kFrameTooLarge: return "frame too large";
    case DecodeStatus::kMalformed: return "malformed frame";
  }
  return "?";
}

const char* encode_status_name(EncodeStatus status) {
  switch (status) {
    case EncodeStatus::kOk: return "ok";
    case EncodeStatus::kFrameTooLarge: return "frame too large";
    case EncodeStatus::kInvalidPayload: return "invalid payload";
  }
  return "?";
}

DecodeResult FrameDecoder::invalid_step(const FrameDecoder& decoder, size_t frames) {
  DecodeResult result;
  result.status = DecodeStatus::kMalformed;
  result.frames = frames;
  result.message = std::string(decoder.name()) +
                   " codec returned a frame that consumes no input or more than is buffered";
  return result;
}

}  // namespace portico::net
