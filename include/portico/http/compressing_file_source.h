// A response body that compresses a file on the fly, piece by piece, in bounded memory.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "portico/http/compressor.h"
#include "portico/http/response.h"
#include "portico/net/file_ref.h"

namespace portico::http {

// Reads `length` bytes of `file` from `offset` in pieces and hands out the compressed stream
// as the connection asks for it. Memory per response is one input piece plus the encoder's
// state, whatever the file size: a 100 MiB file never sits in memory. The encoder is created
// on the first read, so a HEAD response that carries a source but is never read costs
// nothing. A file shorter than promised (truncated while being sent) ends the body with
// kError, so the client sees an incomplete chunked body rather than silently wrong bytes.
class CompressingFileSource final : public BodySource {
 public:
  // Bytes read from the file per pread.
  static constexpr size_t kInputPieceBytes = 64 * 1024;
  // Most file bytes one read() consumes, so a highly compressible file (output far smaller
  // than input) still returns to the event loop regularly; read() may then return kMore with
  // no output.
  static constexpr size_t kMaxInputPerRead = 1024 * 1024;

  CompressingFileSource(std::shared_ptr<const net::FileRef> file, int64_t offset, uint64_t length,
                        ContentCoding coding, int level);
  ~CompressingFileSource() override;

  Result read(std::string& out, size_t max_bytes) override;

  ContentCoding coding() const { return coding_; }

 private:
  bool fill_input();

  std::shared_ptr<const net::FileRef> file_;
  int64_t offset_;
  uint64_t remaining_;  // file bytes not yet read
  ContentCoding coding_;
  int level_;
  uint64_t length_;
  std::unique_ptr<Compressor> compressor_;
  std::string buffer_;      // the current input piece
  std::string_view input_;  // its bytes not yet compressed
  bool done_ = false;
};

}  // namespace portico::http
