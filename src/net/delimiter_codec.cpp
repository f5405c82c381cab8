// DelimiterCodec: finds delimiters incrementally and rejects oversized frames early.
#include "portico/net/delimiter_codec.h"

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <utility>

namespace portico::net {
namespace {

// Length of the longest suffix of `in` that is a proper prefix of `delimiter`: the bytes that
// may be the start of a delimiter whose rest has not arrived yet.
size_t partial_delimiter_suffix(std::string_view in, std::string_view delimiter) {
  const size_t longest = std::min(in.size(), delimiter.size() - 1);
  for (size_t k = longest; k > 0; --k) {
    if (in.substr(in.size() - k) == delimiter.substr(0, k)) return k;
  }
  return 0;
}

}  // namespace

DelimiterCodec::DelimiterCodec(DelimiterCodecOptions options) : options_(std::move(options)) {
  if (options_.delimiter.empty()) {
    throw std::invalid_argument("DelimiterCodec: the delimiter must not be empty");
  }
  if (options_.max_frame_bytes > SIZE_MAX / 2) {
    throw std::invalid_argument("DelimiterCodec: max_frame_bytes is too large");
  }
}

DelimiterCodec::DelimiterCodec(std::string_view delimiter, size_t max_frame_bytes,
                               bool strip_delimiter)
    : DelimiterCodec(
          DelimiterCodecOptions{std::string(delimiter), max_frame_bytes, strip_delimiter}) {}

FrameStep DelimiterCodec::too_large(size_t at_least) const {
  return FrameStep::make_error(DecodeStatus::kFrameTooLarge,
                               "delimited frame of at least " + std::to_string(at_least) +
                                   " bytes exceeds max_frame_bytes " +
                                   std::to_string(options_.max_frame_bytes));
}

FrameStep DelimiterCodec::next_frame(std::string_view in) {
  const std::string_view delimiter = options_.delimiter;
  const size_t max = options_.max_frame_bytes;
  // Only the first max + delimiter bytes can hold a valid frame's end; never scan further, so
  // a huge read costs no more than one maximal frame.
  const std::string_view window = in.substr(0, std::min(in.size(), max + delimiter.size()));
  if (scanned_ > window.size()) scanned_ = 0;  // not the stream we were fed: start over
  const size_t pos = delimiter.size() == 1 ? window.find(delimiter[0], scanned_)
                                           : window.find(delimiter, scanned_);
  if (pos == std::string_view::npos) {
    // The frame's end is not here yet. Its content is at least everything but a possible
    // partial delimiter at the end; if that is already too long, fail now.
    const size_t partial = partial_delimiter_suffix(window, delimiter);
    const size_t content = window.size() - partial;
    if (content > max) return too_large(content);
    scanned_ = content;
    return FrameStep::need_more();
  }
  scanned_ = 0;  // the caller consumes this frame; the next search starts at the new front
  if (pos > max) return too_large(pos);
  const size_t consumed = pos + delimiter.size();
  return FrameStep::make_frame(in.substr(0, options_.strip_delimiter ? pos : consumed), consumed);
}

EncodeStatus DelimiterCodec::check_payload(std::string_view payload) const {
  if (payload.size() > options_.max_frame_bytes) return EncodeStatus::kFrameTooLarge;
  if (payload.find(options_.delimiter) != std::string_view::npos) {
    return EncodeStatus::kInvalidPayload;
  }
  return EncodeStatus::kOk;
}

EncodeStatus DelimiterCodec::encode(std::string_view payload, Buffer& out) const {
  const EncodeStatus status = check_payload(payload);
  if (status != EncodeStatus::kOk) return status;
  out.ensure_writable(payload.size() + options_.delimiter.size());
  out.append(payload);
  out.append(options_.delimiter);
  return EncodeStatus::kOk;
}

EncodeStatus DelimiterCodec::encode_in_place(Buffer& body) const {
  const EncodeStatus status = check_payload(body.view());
  if (status != EncodeStatus::kOk) return status;
  body.append(options_.delimiter);
  return EncodeStatus::kOk;
}

}  // namespace portico::net
