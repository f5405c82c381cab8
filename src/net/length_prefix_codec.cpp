// LengthPrefixCodec: reads and writes the length header, checking every length before use.
#include "portico/net/length_prefix_codec.h"

#include <stdexcept>
#include <string>

namespace portico::net {
namespace {

uint64_t read_big_endian(std::string_view in, size_t width) {
  uint64_t v = 0;
  for (size_t i = 0; i < width; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

void write_big_endian(uint64_t v, size_t width, unsigned char* out) {
  for (size_t i = 0; i < width; ++i)
    out[i] = static_cast<unsigned char>(v >> (8 * (width - 1 - i)));
}

// |adjustment| as an unsigned value, correct for INT64_MIN too.
uint64_t magnitude(int64_t adjustment) {
  return adjustment < 0 ? 0 - static_cast<uint64_t>(adjustment) : static_cast<uint64_t>(adjustment);
}

}  // namespace

LengthPrefixCodec::LengthPrefixCodec(LengthPrefixCodecOptions options) : options_(options) {
  const size_t h = options_.header_bytes;
  if (h != 1 && h != 2 && h != 4 && h != 8) {
    throw std::invalid_argument("LengthPrefixCodec: header_bytes must be 1, 2, 4 or 8, not " +
                                std::to_string(h));
  }
  if (options_.max_frame_bytes > SIZE_MAX / 2) {
    throw std::invalid_argument("LengthPrefixCodec: max_frame_bytes is too large");
  }
}

FrameStep LengthPrefixCodec::next_frame(std::string_view in) {
  const size_t header = options_.header_bytes;
  if (in.size() < header) return FrameStep::need_more();
  const uint64_t field = read_big_endian(in, header);
  const int64_t adjustment = options_.length_adjustment;
  // payload = field + adjustment, computed without wrapping in either direction.
  uint64_t payload = 0;
  if (adjustment >= 0) {
    if (field > UINT64_MAX - magnitude(adjustment)) {
      return FrameStep::make_error(DecodeStatus::kMalformed,
                                   "length field " + std::to_string(field) + " + adjustment " +
                                       std::to_string(adjustment) + " overflows");
    }
    payload = field + magnitude(adjustment);
  } else {
    if (field < magnitude(adjustment)) {
      return FrameStep::make_error(DecodeStatus::kMalformed,
                                   "length field " + std::to_string(field) + " + adjustment " +
                                       std::to_string(adjustment) + " is negative");
    }
    payload = field - magnitude(adjustment);
  }
  if (payload > options_.max_frame_bytes) {
    return FrameStep::make_error(DecodeStatus::kFrameTooLarge,
                                 "length-prefixed frame of " + std::to_string(payload) +
                                     " bytes exceeds max_frame_bytes " +
                                     std::to_string(options_.max_frame_bytes));
  }
  const size_t total = header + static_cast<size_t>(payload);
  if (in.size() < total) return FrameStep::need_more();
  return FrameStep::make_frame(
      options_.strip_header ? in.substr(header, total - header) : in.substr(0, total), total);
}

EncodeStatus LengthPrefixCodec::field_for(size_t n, uint64_t* field) const {
  if (n > options_.max_frame_bytes) return EncodeStatus::kFrameTooLarge;
  const int64_t adjustment = options_.length_adjustment;
  // field = n - adjustment.
  if (adjustment >= 0) {
    if (n < magnitude(adjustment)) return EncodeStatus::kInvalidPayload;
    *field = n - magnitude(adjustment);
  } else {
    if (n > UINT64_MAX - magnitude(adjustment)) return EncodeStatus::kFrameTooLarge;
    *field = n + magnitude(adjustment);
  }
  const size_t header = options_.header_bytes;
  if (header < 8 && (*field >> (8 * header)) != 0) return EncodeStatus::kFrameTooLarge;
  return EncodeStatus::kOk;
}

EncodeStatus LengthPrefixCodec::encode(std::string_view payload, Buffer& out) const {
  uint64_t field = 0;
  const EncodeStatus status = field_for(payload.size(), &field);
  if (status != EncodeStatus::kOk) return status;
  unsigned char header[8];
  write_big_endian(field, options_.header_bytes, header);
  out.ensure_writable(options_.header_bytes + payload.size());
  out.append(header, options_.header_bytes);
  out.append(payload);
  return EncodeStatus::kOk;
}

EncodeStatus LengthPrefixCodec::encode_in_place(Buffer& body) const {
  uint64_t field = 0;
  const EncodeStatus status = field_for(body.readable_bytes(), &field);
  if (status != EncodeStatus::kOk) return status;
  unsigned char header[8];
  write_big_endian(field, options_.header_bytes, header);
  body.prepend(header, options_.header_bytes);
  return EncodeStatus::kOk;
}

}  // namespace portico::net
