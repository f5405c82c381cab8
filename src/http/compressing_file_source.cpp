// On-the-fly compression of a file region as a streaming response body.
#include "portico/http/compressing_file_source.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "portico/base/log.h"

namespace portico::http {

CompressingFileSource::CompressingFileSource(std::shared_ptr<const net::FileRef> file,
                                             int64_t offset, uint64_t length, ContentCoding coding,
                                             int level)
    : file_(std::move(file)),
      offset_(offset),
      remaining_(length),
      coding_(coding),
      level_(level),
      length_(length) {}

CompressingFileSource::~CompressingFileSource() = default;

bool CompressingFileSource::fill_input() {
  size_t want = static_cast<size_t>(std::min<uint64_t>(remaining_, kInputPieceBytes));
  buffer_.resize(want);
  size_t got = 0;
  while (got < want) {
    ssize_t n =
        ::pread(file_->fd(), buffer_.data() + got, want - got, offset_ + static_cast<int64_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      LOG_WARN("compressing file body: %s after %llu of %llu bytes",
               n == 0 ? "file shrank" : "read failed",
               static_cast<unsigned long long>(length_ - remaining_ + got),
               static_cast<unsigned long long>(length_));
      return false;
    }
    got += static_cast<size_t>(n);
  }
  offset_ += static_cast<int64_t>(want);
  remaining_ -= want;
  input_ = std::string_view(buffer_.data(), want);
  return true;
}

BodySource::Result CompressingFileSource::read(std::string& out, size_t max_bytes) {
  if (done_) return Result::kDone;
  if (!compressor_) {
    compressor_ = make_compressor(coding_, level_, length_);
    if (!compressor_) return Result::kError;
  }
  max_bytes = std::max<size_t>(max_bytes, 1);
  const size_t start = out.size();
  size_t input_budget = kMaxInputPerRead;
  while (true) {
    if (input_.empty() && remaining_ > 0) {
      if (input_budget == 0) return Result::kMore;
      if (!fill_input()) return Result::kError;
      input_budget -= std::min(input_budget, input_.size());
    }
    size_t room = max_bytes - (out.size() - start);
    if (room == 0) return Result::kMore;
    switch (compressor_->compress(input_, remaining_ == 0, out, room)) {
      case CompressStatus::kError: return Result::kError;
      case CompressStatus::kDone:
        done_ = true;
        compressor_.reset();  // the encoder's state is the bulk of the memory: free it now
        buffer_ = std::string();
        return Result::kDone;
      case CompressStatus::kNeedInput:
      case CompressStatus::kMore: break;
    }
  }
}

}  // namespace portico::http
