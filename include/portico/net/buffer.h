// Buffer: the byte queue between a socket and a parser, with room in front for headers.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

namespace portico::net {

// A contiguous byte queue. Bytes are appended at the back (from a socket or an encoder) and
// retrieved from the front (by a parser or a writer). Three regions share one allocation:
//
//   +-------------------+------------------+------------------+
//   | prependable bytes |  readable bytes  |  writable bytes  |
//   |                   |    (content)     |                  |
//   +-------------------+------------------+------------------+
//   0      <=      reader_index   <=   writer_index    <=   capacity
//
// - Readable bytes are contiguous, so a parser gets them as one std::string_view (view()) and
//   can hand out zero-copy views that stay valid until the next non-const call.
// - Prependable space (kCheapPrepend bytes after a reset, more once the front is retrieved)
//   lets an encoder write a length header in front of a body it has already appended, without
//   moving the body.
// - Storage is allocated lazily on first write and can be released when the buffer is empty
//   (release()), so an idle keep-alive connection holds no heap memory for its buffers.
//
// Not thread-safe: a Buffer belongs to one connection, which belongs to one loop.
class Buffer {
 public:
  static constexpr size_t kCheapPrepend = 8;
  static constexpr size_t kInitialSize = 1024;
  static constexpr size_t npos = static_cast<size_t>(-1);
  // Size of the on-stack spill area read_fd() uses beyond the writable space.
  static constexpr size_t kReadExtraBytes = size_t{64} * 1024;

  Buffer() noexcept = default;
  Buffer(Buffer&& other) noexcept;
  Buffer& operator=(Buffer&& other) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() = default;

  void swap(Buffer& other) noexcept;

  size_t readable_bytes() const { return writer_ - reader_; }
  size_t writable_bytes() const { return capacity_ - writer_; }
  size_t prependable_bytes() const { return reader_; }
  size_t capacity() const { return capacity_; }
  bool empty() const { return reader_ == writer_; }
  // True when the buffer owns heap storage (false for a new or released buffer).
  bool has_storage() const { return data_ != nullptr; }

  // First readable byte. Never null (an unallocated buffer points at a static empty area),
  // so it is always safe to build a view or call memcpy with it.
  const char* peek() const { return data_ ? data_.get() + reader_ : kEmpty; }
  std::string_view view() const { return {peek(), readable_bytes()}; }

  // Consumes n bytes from the front; n >= readable_bytes() empties the buffer.
  void retrieve(size_t n) {
    if (n < readable_bytes()) {
      reader_ += n;
    } else {
      retrieve_all();
    }
  }
  // Consumes up to (not including) end, a pointer into [peek(), peek() + readable_bytes()].
  void retrieve_until(const char* end);
  // Empties the buffer and restores the cheap prepend area; keeps the storage for reuse.
  void retrieve_all() { reader_ = writer_ = data_ ? kCheapPrepend : 0; }
  std::string retrieve_as_string(size_t n);
  std::string retrieve_all_as_string() { return retrieve_as_string(readable_bytes()); }

  void append(std::string_view data) { append(data.data(), data.size()); }
  // data may point into this buffer's own readable bytes.
  void append(const void* data, size_t n) {
    if (n == 0) return;
    if (writable_bytes() < n) {
      append_slow(data, n);
      return;
    }
    std::memcpy(data_.get() + writer_, data, n);
    writer_ += n;
  }

  // Direct writes into the writable area: ensure_writable(n), write at begin_write(), then
  // has_written(count). begin_write() is null only while writable_bytes() == 0 and no storage.
  char* begin_write() { return data_ ? data_.get() + writer_ : nullptr; }
  void has_written(size_t n);  // n <= writable_bytes()
  // Drops the last n readable bytes (undoes part of a write); n >= readable empties the buffer.
  void unwrite(size_t n);

  // Guarantees writable_bytes() >= n: first by moving the content to the front when that
  // frees enough room cheaply, otherwise by growing (at least doubling).
  void ensure_writable(size_t n) {
    if (writable_bytes() < n) make_space(n);
  }

  // Writes n bytes immediately in front of the readable bytes. Uses the prependable space when
  // it is large enough (the usual case: a length header of <= kCheapPrepend bytes), otherwise
  // moves the content to make room. data must not point into this buffer.
  void prepend(const void* data, size_t n);

  // Position of needle in the readable bytes at or after from (relative to peek()), or npos.
  // An empty needle matches at from (if from <= readable_bytes()).
  size_t find(std::string_view needle, size_t from = 0) const;
  size_t find(char c, size_t from = 0) const;
  size_t find_crlf(size_t from = 0) const { return find(std::string_view("\r\n", 2), from); }
  size_t find_eol(size_t from = 0) const { return find('\n', from); }

  // Network byte order (big-endian) integers. peek_* and read_* require readable_bytes() to be
  // at least the integer's size; the process aborts otherwise (a caller bug, not bad input:
  // check readable_bytes() first).
  void append_uint8(uint8_t v) { append_be(v, 1); }
  void append_uint16(uint16_t v) { append_be(v, 2); }
  void append_uint32(uint32_t v) { append_be(v, 4); }
  void append_uint64(uint64_t v) { append_be(v, 8); }
  void prepend_uint8(uint8_t v);
  void prepend_uint16(uint16_t v);
  void prepend_uint32(uint32_t v);
  void prepend_uint64(uint64_t v);
  uint8_t peek_uint8() const { return static_cast<uint8_t>(peek_be(1)); }
  uint16_t peek_uint16() const { return static_cast<uint16_t>(peek_be(2)); }
  uint32_t peek_uint32() const { return static_cast<uint32_t>(peek_be(4)); }
  uint64_t peek_uint64() const { return peek_be(8); }
  uint8_t read_uint8() { return static_cast<uint8_t>(read_be(1)); }
  uint16_t read_uint16() { return static_cast<uint16_t>(read_be(2)); }
  uint32_t read_uint32() { return static_cast<uint32_t>(read_be(4)); }
  uint64_t read_uint64() { return read_be(8); }

  // Frees the storage if the buffer is empty (returns true if it then holds none). Call it
  // when a connection goes idle so that idle connections cost no buffer memory.
  bool release();
  // Reallocates to fit the readable bytes plus kCheapPrepend, or frees the storage if empty.
  void shrink_to_fit();

  // Reads from fd with one readv() into the writable space plus a kReadExtraBytes stack area,
  // so one call takes up to writable_bytes() + 64 KiB without first growing the buffer (an idle
  // connection's first read allocates only what arrived). Returns what readv() returned; on
  // -1 stores errno in *saved_errno. A return equal to the space offered means more may be
  // waiting: an edge-triggered caller loops until EAGAIN.
  ssize_t read_fd(int fd, int* saved_errno);

 private:
  static const char kEmpty[1];

  void make_space(size_t n);
  void append_slow(const void* data, size_t n);
  void append_be(uint64_t v, size_t width);
  uint64_t peek_be(size_t width) const;
  uint64_t read_be(size_t width) {
    uint64_t v = peek_be(width);
    retrieve(width);
    return v;
  }
  void prepend_be(uint64_t v, size_t width);

  std::unique_ptr<char[]> data_;
  size_t capacity_ = 0;
  size_t reader_ = 0;
  size_t writer_ = 0;
};

inline void swap(Buffer& a, Buffer& b) noexcept { a.swap(b); }

}  // namespace portico::net
