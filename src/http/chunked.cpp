// Chunked transfer coding decoder (RFC 9112 7.1): a byte-level state machine for the framing,
// one data span per call, and the trailer section parsed like a header section.
#include "portico/http/chunked.h"

#include <algorithm>
#include <cstring>

#include "http/char_class.h"
#include "http/field_line.h"

namespace portico::http {

namespace {

using detail::is_ctl;
using detail::is_hex_digit;
using detail::is_ows;

ChunkedResult error_result(ParseError e, size_t consumed) {
  return ChunkedResult{ParseStatus::kError, e, consumed, {}};
}

}  // namespace

void ChunkedDecoder::reset() {
  std::vector<HeaderView> keep = std::move(trailers_);
  keep.clear();
  *this = ChunkedDecoder{};
  trailers_ = std::move(keep);
}

ChunkedResult ChunkedDecoder::decode(std::string_view in, const RequestLimits& limits) {
  size_t i = 0;
  for (; i < in.size(); ++i) {
    const char c = in[i];
    switch (state_) {
      case State::kSizeStart:
        // chunk-size = 1*HEXDIG: no sign, no "0x", no leading whitespace.
        if (!is_hex_digit(c)) return error_result(ParseError::kBadChunkSize, i);
        state_ = State::kSize;
        chunk_size_ = static_cast<uint64_t>(detail::hex_value(c));
        line_bytes_ = 1;
        continue;
      case State::kSize:
        if (is_hex_digit(c)) {
          if (chunk_size_ > (UINT64_MAX >> 4)) {
            return error_result(ParseError::kChunkSizeOverflow, i);
          }
          chunk_size_ = (chunk_size_ << 4) | static_cast<uint64_t>(detail::hex_value(c));
        } else if (c == '\r') {
          state_ = State::kSizeLf;
          continue;
        } else if (c == ';') {
          state_ = State::kExtension;
        } else if (is_ows(c)) {
          state_ = State::kSizeSpace;  // BWS, allowed only before ';' (RFC 9112 7.1.1)
        } else {
          return error_result(detail::stray_byte_error(c, ParseError::kBadChunkSize), i);
        }
        break;
      case State::kSizeSpace:
        if (c == ';') {
          state_ = State::kExtension;
        } else if (!is_ows(c)) {
          return error_result(ParseError::kBadChunkExtension, i);
        }
        break;
      case State::kExtension:
        // Extensions are skipped, but a control character (or a lone LF) is still an error:
        // only CRLF ends the line, so no two parsers can disagree on where it ends.
        if (c == '\r') {
          state_ = State::kSizeLf;
          continue;
        }
        if (c == '\n') return error_result(ParseError::kBareLf, i);
        if (is_ctl(c)) return error_result(ParseError::kBadChunkExtension, i);
        break;
      case State::kSizeLf:
        if (c != '\n') return error_result(ParseError::kBareCr, i);
        if (chunk_size_ == 0) {  // last-chunk: the trailer section follows
          state_ = State::kTrailer;
          trailer_scanned_ = trailer_line_ = trailer_count_ = 0;
          return scan_trailer(in, i + 1, limits);
        }
        if (chunk_size_ > limits.max_body_bytes - body_bytes_) {
          return error_result(ParseError::kBodyTooLarge, i);
        }
        state_ = State::kData;
        continue;
      case State::kData: {
        const auto n = static_cast<size_t>(std::min<uint64_t>(chunk_size_, in.size() - i));
        chunk_size_ -= n;
        body_bytes_ += n;
        if (chunk_size_ == 0) state_ = State::kDataCr;
        return ChunkedResult{ParseStatus::kNeedMore, ParseError::kNone, i + n, in.substr(i, n)};
      }
      case State::kDataCr:
        if (c != '\r') return error_result(ParseError::kMissingChunkCrlf, i);
        state_ = State::kDataLf;
        continue;
      case State::kDataLf:
        if (c != '\n') return error_result(ParseError::kMissingChunkCrlf, i);
        state_ = State::kSizeStart;
        continue;
      case State::kTrailer: return scan_trailer(in, i, limits);
      case State::kDone: return ChunkedResult{ParseStatus::kComplete, ParseError::kNone, i, {}};
    }
    // Still on a chunk-size line (digits, BWS, extensions): bound it.
    if (++line_bytes_ > limits.max_chunk_line_bytes) {
      return error_result(ParseError::kChunkLineTooLong, i);
    }
  }
  const ParseStatus s = state_ == State::kDone ? ParseStatus::kComplete : ParseStatus::kNeedMore;
  return ChunkedResult{s, ParseError::kNone, i, {}};
}

// The trailer section (RFC 9112 7.1.2) starts at in[start]. Like the request head it is kept
// in the buffer, unconsumed, until its empty line arrives, so the fields can be views; lines
// are validated as they complete (trailer_line_, trailer_scanned_ remember where) and the
// fields emitted in one last pass.
ChunkedResult ChunkedDecoder::scan_trailer(std::string_view in, size_t start,
                                           const RequestLimits& limits) {
  const std::string_view t = in.substr(start);
  if (t.size() < trailer_scanned_) {  // not the bytes we saw before: start over
    trailer_scanned_ = trailer_line_ = trailer_count_ = 0;
  }
  size_t pos = trailer_line_;
  size_t from = std::max<size_t>(trailer_scanned_, pos);
  for (;;) {
    const void* hit =
        from < t.size() ? std::memchr(t.data() + from, '\n', t.size() - from) : nullptr;
    if (hit == nullptr) {
      // Same partial-line checks as the head parser: first byte, then size.
      if (pos < t.size()) {
        if (const ParseError e = detail::check_field_line_start(t[pos]); e != ParseError::kNone) {
          return error_result(e, start);
        }
        if (t.size() > limits.max_trailer_bytes) {
          return error_result(ParseError::kTrailerTooLarge, start);
        }
      }
      trailer_line_ = static_cast<uint32_t>(pos);
      trailer_scanned_ = static_cast<uint32_t>(t.size());
      return ChunkedResult{ParseStatus::kNeedMore, ParseError::kNone, start, {}};
    }
    const auto lf = static_cast<size_t>(static_cast<const char*>(hit) - t.data());
    const std::string_view raw = t.substr(pos, lf - pos);
    if (!raw.empty()) {
      if (const ParseError e = detail::check_field_line_start(raw[0]); e != ParseError::kNone) {
        return error_result(e, start);
      }
    }
    if (lf + 1 > limits.max_trailer_bytes) {
      return error_result(ParseError::kTrailerTooLarge, start);
    }
    pos = from = lf + 1;
    if (raw == "\r") break;
    if (!raw.empty() && ++trailer_count_ > limits.max_header_count) {
      return error_result(ParseError::kTooManyTrailers, start);
    }
    if (raw.empty() || raw.back() != '\r') return error_result(ParseError::kBareLf, start);
    HeaderView field;
    if (const ParseError e = detail::parse_field_line(raw.substr(0, raw.size() - 1), field);
        e != ParseError::kNone) {
      return error_result(e, start);
    }
  }
  // Complete and valid: collect the fields (views into this call's input).
  trailers_.clear();
  for (size_t p = 0; p + 2 < pos;) {
    const size_t lf = t.find('\n', p);
    HeaderView field;
    (void)detail::parse_field_line(t.substr(p, lf - 1 - p), field);
    trailers_.push_back(field);
    p = lf + 1;
  }
  state_ = State::kDone;
  return ChunkedResult{ParseStatus::kComplete, ParseError::kNone, start + pos, {}};
}

}  // namespace portico::http
