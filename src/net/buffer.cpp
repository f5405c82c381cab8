// Buffer growth, compaction, prepending, searching, integer helpers and readv-based reads.
#include "portico/net/buffer.h"

#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <utility>

namespace portico::net {
namespace {

// Misuse of the API (reading past the content, writing past the writable space) is a bug in
// the caller, not bad input; continuing would corrupt memory, so stop loudly.
[[noreturn]] [[gnu::cold]] void contract_violation(const char* what) {
  std::fprintf(stderr, "portico: Buffer contract violation: %s\n", what);
  std::abort();
}

std::unique_ptr<char[]> allocate(size_t n) {
  // Uninitialised on purpose: every byte is written before it becomes readable.
  return std::unique_ptr<char[]>(new char[n]);
}

}  // namespace

const char Buffer::kEmpty[1] = {'\0'};

Buffer::Buffer(Buffer&& other) noexcept
    : data_(std::move(other.data_)),
      capacity_(std::exchange(other.capacity_, 0)),
      reader_(std::exchange(other.reader_, 0)),
      writer_(std::exchange(other.writer_, 0)) {}

Buffer& Buffer::operator=(Buffer&& other) noexcept {
  if (this != &other) {
    Buffer tmp(std::move(other));
    swap(tmp);
  }
  return *this;
}

void Buffer::swap(Buffer& other) noexcept {
  data_.swap(other.data_);
  std::swap(capacity_, other.capacity_);
  std::swap(reader_, other.reader_);
  std::swap(writer_, other.writer_);
}

void Buffer::retrieve_until(const char* end) {
  const char* begin = peek();
  if (end < begin || end > begin + readable_bytes()) {
    contract_violation("retrieve_until() past the readable bytes");
  }
  retrieve(static_cast<size_t>(end - begin));
}

std::string Buffer::retrieve_as_string(size_t n) {
  n = std::min(n, readable_bytes());
  std::string s(peek(), n);
  retrieve(n);
  return s;
}

void Buffer::has_written(size_t n) {
  if (n > writable_bytes()) contract_violation("has_written() past the writable space");
  writer_ += n;
}

void Buffer::unwrite(size_t n) {
  if (n >= readable_bytes()) {
    retrieve_all();
  } else {
    writer_ -= n;
  }
}

void Buffer::make_space(size_t n) {
  const size_t readable = readable_bytes();
  if (!data_) {
    capacity_ = kCheapPrepend + std::max(kInitialSize, n);
    data_ = allocate(capacity_);
    reader_ = writer_ = kCheapPrepend;
    return;
  }
  // Compact when the retrieved front plus the tail leave room, but only when the move is no
  // larger than the room it frees: that keeps appends amortised O(1) even when a nearly full
  // buffer is drained a few bytes at a time.
  const size_t front_free = reader_ > kCheapPrepend ? reader_ - kCheapPrepend : 0;
  const size_t free_total = front_free + writable_bytes();
  if (free_total >= n && readable <= free_total) {
    std::memmove(data_.get() + kCheapPrepend, data_.get() + reader_, readable);
    reader_ = kCheapPrepend;
    writer_ = reader_ + readable;
    return;
  }
  if (n > SIZE_MAX / 4 - kCheapPrepend - readable) contract_violation("Buffer size overflow");
  const size_t needed = kCheapPrepend + readable + n;
  const size_t new_capacity = std::max(capacity_ * 2, needed);
  std::unique_ptr<char[]> fresh = allocate(new_capacity);
  if (readable > 0) std::memcpy(fresh.get() + kCheapPrepend, data_.get() + reader_, readable);
  data_ = std::move(fresh);
  capacity_ = new_capacity;
  reader_ = kCheapPrepend;
  writer_ = reader_ + readable;
}

void Buffer::append_slow(const void* data, size_t n) {
  // The source may live inside this buffer (append(peek(), k)); growing would free it, so
  // remember it as an offset and find it again afterwards.
  const char* src = static_cast<const char*>(data);
  const bool inside = data_ && src >= data_.get() && src < data_.get() + capacity_;
  const size_t offset_from_reader = inside ? static_cast<size_t>(src - peek()) : 0;
  make_space(n);
  if (inside) src = peek() + offset_from_reader;
  std::memmove(data_.get() + writer_, src, n);
  writer_ += n;
}

void Buffer::prepend(const void* data, size_t n) {
  if (n == 0) return;
  if (data_ && n <= reader_) {
    reader_ -= n;
    std::memmove(data_.get() + reader_, data, n);
    return;
  }
  // Not enough room in front: rebuild so that, after the prepend, kCheapPrepend bytes remain in
  // front for the next header. The source may not point into this buffer.
  const size_t readable = readable_bytes();
  if (n > SIZE_MAX / 4 - kCheapPrepend - readable) contract_violation("Buffer size overflow");
  const size_t needed = kCheapPrepend + n + readable;
  if (data_ && capacity_ >= needed) {
    std::memmove(data_.get() + kCheapPrepend + n, data_.get() + reader_, readable);
  } else {
    const size_t new_capacity = std::max({capacity_ * 2, needed, kCheapPrepend + kInitialSize});
    std::unique_ptr<char[]> fresh = allocate(new_capacity);
    if (readable > 0) std::memcpy(fresh.get() + kCheapPrepend + n, peek(), readable);
    data_ = std::move(fresh);
    capacity_ = new_capacity;
  }
  reader_ = kCheapPrepend;
  writer_ = kCheapPrepend + n + readable;
  std::memcpy(data_.get() + reader_, data, n);
}

size_t Buffer::find(std::string_view needle, size_t from) const {
  if (from > readable_bytes()) return npos;
  if (needle.size() == 1) return find(needle[0], from);
  return view().find(needle, from);
}

size_t Buffer::find(char c, size_t from) const {
  const size_t readable = readable_bytes();
  if (from >= readable) return npos;
  const void* hit = std::memchr(peek() + from, c, readable - from);
  return hit ? static_cast<size_t>(static_cast<const char*>(hit) - peek()) : npos;
}

void Buffer::append_be(uint64_t v, size_t width) {
  ensure_writable(width);
  char* out = data_.get() + writer_;
  for (size_t i = 0; i < width; ++i) {
    out[i] = static_cast<char>(v >> (8 * (width - 1 - i)));
  }
  writer_ += width;
}

uint64_t Buffer::peek_be(size_t width) const {
  if (readable_bytes() < width) contract_violation("peek/read of an integer past the content");
  const auto* in = reinterpret_cast<const unsigned char*>(peek());
  uint64_t v = 0;
  for (size_t i = 0; i < width; ++i) v = (v << 8) | in[i];
  return v;
}

void Buffer::prepend_be(uint64_t v, size_t width) {
  unsigned char bytes[8];
  for (size_t i = 0; i < width; ++i) {
    bytes[i] = static_cast<unsigned char>(v >> (8 * (width - 1 - i)));
  }
  prepend(bytes, width);
}

void Buffer::prepend_uint8(uint8_t v) { prepend_be(v, 1); }
void Buffer::prepend_uint16(uint16_t v) { prepend_be(v, 2); }
void Buffer::prepend_uint32(uint32_t v) { prepend_be(v, 4); }
void Buffer::prepend_uint64(uint64_t v) { prepend_be(v, 8); }

bool Buffer::release() {
  if (!empty()) return false;
  data_.reset();
  capacity_ = reader_ = writer_ = 0;
  return true;
}

void Buffer::shrink_to_fit() {
  if (release()) return;
  const size_t readable = readable_bytes();
  const size_t new_capacity = kCheapPrepend + readable;
  if (new_capacity >= capacity_) return;
  std::unique_ptr<char[]> fresh = allocate(new_capacity);
  std::memcpy(fresh.get() + kCheapPrepend, peek(), readable);
  data_ = std::move(fresh);
  capacity_ = new_capacity;
  reader_ = kCheapPrepend;
  writer_ = new_capacity;
}

ssize_t Buffer::read_fd(int fd, int* saved_errno) {
  // The spill area lets one call take a large burst without keeping a large buffer for every
  // connection; what lands there is appended (growing the buffer to fit) after the call.
  char extra[kReadExtraBytes];
  const size_t writable = writable_bytes();
  iovec vec[2];
  int count = 0;
  if (writable > 0) {
    vec[count].iov_base = begin_write();
    vec[count].iov_len = writable;
    ++count;
  }
  if (writable < sizeof extra) {
    vec[count].iov_base = extra;
    vec[count].iov_len = sizeof extra;
    ++count;
  }
  const ssize_t n = ::readv(fd, vec, count);
  if (n < 0) {
    if (saved_errno) *saved_errno = errno;
  } else if (static_cast<size_t>(n) <= writable) {
    writer_ += static_cast<size_t>(n);
  } else {
    writer_ = capacity_;
    append(extra, static_cast<size_t>(n) - writable);
  }
  return n;
}

}  // namespace portico::net
