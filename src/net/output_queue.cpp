// OutputQueue: ordered memory chunks and file regions awaiting the socket.
#include "portico/net/output_queue.h"

#include <sys/uio.h>

namespace portico::net {

void OutputQueue::append(std::string&& data) {
  if (data.empty()) return;
  memory_bytes_ += data.size();
  if (!empty() && !segments_.back().is_file()) {
    Segment& last = segments_.back();
    if (last.data.size() - last.offset + data.size() <= kCoalesceBytes) {
      last.data.append(data);
      return;
    }
  }
  Segment seg;
  seg.data = std::move(data);
  segments_.push_back(std::move(seg));
}

void OutputQueue::append(const char* data, size_t n) {
  if (n == 0) return;
  if (!empty() && !segments_.back().is_file()) {
    Segment& last = segments_.back();
    if (last.data.size() - last.offset + n <= kCoalesceBytes) {
      last.data.append(data, n);
      memory_bytes_ += n;
      return;
    }
  }
  append(std::string(data, n));
}

void OutputQueue::append_file(std::shared_ptr<const FileRef> file, int64_t offset, size_t len) {
  if (len == 0 || !file) return;
  Segment seg;
  seg.file = std::move(file);
  seg.file_offset = offset;
  seg.file_remaining = len;
  file_bytes_ += len;
  segments_.push_back(std::move(seg));
}

int OutputQueue::gather(iovec* iov, int max_iov) const {
  int n = 0;
  for (size_t i = head_; i < segments_.size(); ++i) {
    const Segment& seg = segments_[i];
    if (n == max_iov || seg.is_file()) break;
    iov[n].iov_base = const_cast<char*>(seg.data.data() + seg.offset);
    iov[n].iov_len = seg.data.size() - seg.offset;
    ++n;
  }
  return n;
}

OutputQueue::Segment* OutputQueue::front_file() {
  if (empty() || !segments_[head_].is_file()) return nullptr;
  return &segments_[head_];
}

void OutputQueue::consume_memory(size_t n) {
  memory_bytes_ -= n;
  while (n > 0) {
    Segment& seg = segments_[head_];
    size_t left = seg.data.size() - seg.offset;
    if (n < left) {
      seg.offset += n;
      return;
    }
    n -= left;
    pop_front();
  }
}

void OutputQueue::consume_file(size_t n) {
  Segment& seg = segments_[head_];
  seg.file_remaining -= n;
  file_bytes_ -= n;
  if (seg.file_remaining == 0) pop_front();
}

void OutputQueue::pop_front() {
  segments_[head_] = Segment{};  // drop its memory or file reference now
  if (++head_ == segments_.size()) {
    std::vector<Segment>().swap(segments_);
    head_ = 0;
  } else if (head_ >= 32 && head_ * 2 >= segments_.size()) {
    // A queue that never quite empties (a long stream): drop the consumed prefix.
    segments_.erase(segments_.begin(), segments_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
}

void OutputQueue::clear() {
  std::vector<Segment>().swap(segments_);
  head_ = 0;
  memory_bytes_ = 0;
  file_bytes_ = 0;
}

}  // namespace portico::net
