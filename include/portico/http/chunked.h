// Public: incremental decoder of the chunked transfer coding (RFC 9112 7.1) over input split
// anywhere. Include only <portico/...> and std.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "portico/http/headers.h"
#include "portico/http/parse_error.h"
#include "portico/http/request_limits.h"

namespace portico::http {

struct ChunkedResult {
  // kComplete: the last chunk and the trailer section are done (`consumed` ends right after
  // them; a pipelined request may follow). kNeedMore: call again, with the unconsumed rest of
  // `in` followed by new bytes. kError: see `error`; the connection must close.
  ParseStatus status = ParseStatus::kNeedMore;
  ParseError error = ParseError::kNone;
  size_t consumed = 0;    // bytes of `in` used; drop them from the buffer
  std::string_view data;  // body bytes found by this call: a view into `in`, may be empty
};

// Decodes one chunked body. Chunk extensions are checked and skipped (bounded by
// max_chunk_line_bytes); the body is bounded by max_body_bytes (-> kBodyTooLarge, 413); the
// trailer section is parsed with the header-field rules and bounded by max_trailer_bytes and
// max_header_count, and is handed to the caller through trailers(), never merged into the head.
//
// Usage: keep one decoder per connection; reset() it for each chunked request; then
//   for (;;) {
//     ChunkedResult r = dec.decode(buffer_view, limits);
//     deliver(r.data);                 // before consuming: data points into the buffer
//     buffer.consume(r.consumed);
//     if (r.status != ParseStatus::kNeedMore || r.consumed == 0) break;  // done, error, or wait
//   }
// (decode_all() below runs that loop over one input.)
class ChunkedDecoder {
 public:
  // Prepares for a new body.
  void reset();

  // Decodes from the start of `in` until one data span is found, the input runs out, the body
  // ends, or an error. Data is returned one span per call so nothing is allocated: call again
  // with the rest of `in` while status is kNeedMore and consumed > 0. Bytes of an incomplete
  // trailer section are left unconsumed; pass them again, followed by more.
  [[nodiscard]] ChunkedResult decode(std::string_view in, const RequestLimits& limits);

  // Convenience loop: decodes as much of `in` as possible, calling on_data(std::string_view)
  // for each data span. Returns kNeedMore/kComplete/kError with the total bytes consumed (the
  // `data` member is empty).
  template <typename OnData>
  [[nodiscard]] ChunkedResult decode_all(std::string_view in, const RequestLimits& limits,
                                         OnData&& on_data) {
    ChunkedResult total;
    for (;;) {
      ChunkedResult r = decode(in.substr(total.consumed), limits);
      if (!r.data.empty()) on_data(r.data);
      total.consumed += r.consumed;
      total.status = r.status;
      total.error = r.error;
      if (r.status != ParseStatus::kNeedMore || r.consumed == 0 || total.consumed == in.size()) {
        return total;
      }
    }
  }

  // The trailer fields, valid after kComplete and only until the bytes of that last call are
  // consumed (they point into its input).
  const std::vector<HeaderView>& trailers() const { return trailers_; }
  // Decoded body bytes so far.
  uint64_t body_bytes() const { return body_bytes_; }
  bool done() const { return state_ == State::kDone; }

 private:
  enum class State : uint8_t {
    kSizeStart,  // first hex digit of a chunk-size
    kSize,       // more hex digits
    kSizeSpace,  // BWS after the size: only ';' may follow
    kExtension,  // inside chunk extensions, until CR
    kSizeLf,     // CR seen at the end of the size line
    kData,       // chunk data, remaining_ bytes left
    kDataCr,     // CRLF after chunk data
    kDataLf,
    kTrailer,  // trailer section (not consumed until complete)
    kDone,
  };

  ChunkedResult scan_trailer(std::string_view in, size_t start, const RequestLimits& limits);

  State state_ = State::kSizeStart;
  uint64_t chunk_size_ = 0;       // the size being read, then the bytes left in this chunk
  uint64_t body_bytes_ = 0;       // sum of chunk sizes so far
  uint32_t line_bytes_ = 0;       // bytes of the current chunk-size line
  uint32_t trailer_scanned_ = 0;  // trailer bytes already examined (relative to its start)
  uint32_t trailer_line_ = 0;     // start of the first trailer line not yet validated
  uint32_t trailer_count_ = 0;    // trailer fields validated so far
  std::vector<HeaderView> trailers_;
};

}  // namespace portico::http
