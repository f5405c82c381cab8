// Test helper for parser tests: copies input flush against a PROT_NONE page, so that any read
// past the end of the input faults at once (as in picohttpparser's test.c), with or without ASan.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace portico::http::testing {

class GuardedBuffer {
 public:
  explicit GuardedBuffer(size_t capacity) {
    const auto page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    usable_ = (capacity + page - 1) / page * page;
    size_ = usable_ + page;
    void* p = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) std::abort();
    base_ = static_cast<char*>(p);
    if (mprotect(base_ + usable_, page, PROT_NONE) != 0) std::abort();
  }
  ~GuardedBuffer() { munmap(base_, size_); }
  GuardedBuffer(const GuardedBuffer&) = delete;
  GuardedBuffer& operator=(const GuardedBuffer&) = delete;

  // Copies `s` so that its last byte is the last readable byte; returns the copy.
  std::string_view place(std::string_view s) {
    if (s.size() > usable_) std::abort();
    char* dst = base_ + usable_ - s.size();
    if (!s.empty()) std::memmove(dst, s.data(), s.size());
    return {dst, s.size()};
  }

 private:
  char* base_ = nullptr;
  size_t size_ = 0;
  size_t usable_ = 0;
};

}  // namespace portico::http::testing
