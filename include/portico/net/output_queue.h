// OutputQueue: a connection's pending output, memory chunks and file regions in send order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "portico/net/file_ref.h"

struct iovec;

namespace portico::net {

// Segments are consumed from the front as the transport accepts bytes. Consecutive memory
// chunks are gathered into one writev(2); a file region is sent with sendfile(2) on its own.
class OutputQueue {
 public:
  struct Segment {
    std::string data;                     // memory chunk (when file is null)
    size_t offset = 0;                    // bytes of data already sent
    std::shared_ptr<const FileRef> file;  // file region (when non-null)
    int64_t file_offset = 0;              // next file byte to send
    size_t file_remaining = 0;

    bool is_file() const { return file != nullptr; }
  };

  bool empty() const { return head_ == segments_.size(); }
  size_t memory_bytes() const { return memory_bytes_; }
  size_t total_bytes() const { return memory_bytes_ + file_bytes_; }

  void append(std::string&& data);
  void append(const char* data, size_t n);
  void append_file(std::shared_ptr<const FileRef> file, int64_t offset, size_t len);

  // Fills up to max_iov entries with the memory chunks at the front (stops at a file region).
  // Returns the count; 0 when the front is a file region or the queue is empty.
  int gather(iovec* iov, int max_iov) const;
  // The front segment when it is a file region, else null.
  Segment* front_file();
  // Drops n memory bytes from the front (after a writev accepted them).
  void consume_memory(size_t n);
  // Records that n bytes of the front file region were sent (its offset already advanced).
  void consume_file(size_t n);
  void clear();

 private:
  // Small appends are coalesced into the last chunk up to this size, so many tiny send()s
  // do not make many tiny iovecs.
  static constexpr size_t kCoalesceBytes = size_t{16} * 1024;

  void pop_front();

  // A vector consumed from head_ rather than a std::deque: an empty deque still
  // holds a node of several hundred bytes, and an idle keep-alive connection
  // should hold none. Storage is released whenever the queue empties.
  std::vector<Segment> segments_;
  size_t head_ = 0;
  size_t memory_bytes_ = 0;
  size_t file_bytes_ = 0;
};

}  // namespace portico::net
