// libFuzzer target: Range parsing and evaluation keep every range inside the file, sorted,
// disjoint and no larger in total than the file; multipart lengths add up.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "portico/http/range.h"

using namespace portico::http;

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The first 8 bytes choose the file size; the rest is the Range field value.
  if (size < 8) return 0;
  uint64_t file_size;
  std::memcpy(&file_size, data, 8);
  if (data[0] & 1) file_size %= 100000;  // small files half the time, where edges are dense
  std::string_view value(reinterpret_cast<const char*>(data + 8), size - 8);

  RangeSet set = evaluate_range_header(value, file_size);
  if (set.outcome != RangeOutcome::kPartial) {
    check(set.ranges.empty());
    return 0;
  }
  check(!set.ranges.empty() && file_size > 0);
  uint64_t total = 0;
  for (size_t i = 0; i < set.ranges.size(); ++i) {
    const ByteRange& r = set.ranges[i];
    check(r.first <= r.last && r.last < file_size);
    if (i > 0) check(set.ranges[i - 1].last + 1 < r.first);  // disjoint and not adjacent
    check(r.length() <= file_size - total);
    total += r.length();
  }
  MultipartByteranges mp = make_multipart_byteranges(set.ranges, file_size, "text/plain", "B");
  uint64_t framing = mp.closing.size();
  for (const auto& h : mp.part_headers) framing += h.size();
  check(mp.content_length == framing + total);
  return 0;
}
