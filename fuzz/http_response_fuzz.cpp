// libFuzzer target for the upstream response-head parser. Beyond "no crash", it checks the
// parser's promises: the same bytes give the same result whole, split in two, and one byte at
// a time; every view points inside the head; and the framing verdict is self-consistent.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "portico/proxy/response_parser.h"

namespace {

using portico::http::HeaderView;
using portico::http::HeadScanState;
using portico::http::Method;
using portico::http::ParseStatus;
using portico::proxy::parse_response_head;
using portico::proxy::ResponseBody;
using portico::proxy::ResponseHead;
using portico::proxy::ResponseLimits;
using portico::proxy::ResponseParseResult;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant failed: %s\n", what);
    std::abort();
  }
}

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

std::string describe(ResponseParseResult r, const ResponseHead& h) {
  std::string s =
      std::to_string(static_cast<int>(r.status)) + ":" + std::to_string(static_cast<int>(r.error));
  if (r.status != ParseStatus::kComplete) return s;
  s += "|" + std::to_string(static_cast<int>(h.version)) + "|" + std::to_string(h.status) + "|" +
       std::string(h.reason) + "|" + std::to_string(static_cast<int>(h.body)) + "|" +
       std::to_string(h.content_length) + "|" + std::to_string(h.keep_alive) +
       std::to_string(h.connection_close) + "|" + std::to_string(h.head_bytes);
  for (const HeaderView& f : h.headers) s += "|" + std::string(f.name) + ":" + std::string(f.value);
  return s;
}

void check_head(const ResponseHead& h, std::string_view in, Method method) {
  check(h.head_bytes <= in.size(), "head_bytes within input");
  const std::string_view head = in.substr(0, h.head_bytes);
  check(inside(h.reason, head), "reason inside head");
  for (const HeaderView& f : h.headers) {
    check(inside(f.name, head) && inside(f.value, head), "field view inside head");
  }
  check(h.status >= 100 && h.status <= 599, "status in range");
  const bool no_body =
      h.status < 200 || h.status == 204 || h.status == 304 || method == Method::kHead;
  if (h.status == 101) {
    check(h.body == ResponseBody::kTunnel, "101 is a tunnel");
  } else if (no_body) {
    check(h.body == ResponseBody::kNone, "no body where RFC 9110 forbids one");
  }
  if (h.body == ResponseBody::kContentLength) {
    check(h.find("content-length") != nullptr, "length body has Content-Length");
    check(h.find("transfer-encoding") == nullptr, "length body has no Transfer-Encoding");
  }
  if (h.body == ResponseBody::kChunked) {
    check(h.find("content-length") == nullptr, "chunked body has no Content-Length");
  }
  if (h.body == ResponseBody::kUntilClose || h.body == ResponseBody::kTunnel) {
    check(!h.keep_alive, "close-delimited or tunnel is not reusable");
  }
}

// Each call copies the bytes to a fresh heap block of exactly that size, so ASan catches any
// read past the end, and the buffer "moves" between calls as a connection's may.
std::string parse_in_pieces(std::string_view in, const std::vector<size_t>& cuts, Method method,
                            const ResponseLimits& limits, size_t* head_bytes) {
  HeadScanState st;
  ResponseHead head;
  std::vector<char> storage;
  std::string_view view;
  ResponseParseResult r;
  auto parse = [&](std::string_view bytes) {
    storage.assign(bytes.begin(), bytes.end());
    view = std::string_view(storage.data(), storage.size());
    return parse_response_head(view, method, limits, st, head);
  };
  for (size_t cut : cuts) {
    r = parse(in.substr(0, cut));
    if (r.status != ParseStatus::kNeedMore) break;
  }
  if (r.status == ParseStatus::kNeedMore) r = parse(in);
  if (r.status == ParseStatus::kComplete) {
    check_head(head, view, method);
    if (head_bytes != nullptr) *head_bytes = head.head_bytes;
  }
  return describe(r, head);
}

std::vector<size_t> every_byte(size_t n) {
  std::vector<size_t> cuts;
  for (size_t i = 1; i < n; ++i) cuts.push_back(i);
  return cuts;
}

}  // namespace

// Byte 0 picks the request method and limits, byte 1 the split point; the rest is the input.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t mode = data[0];
  std::string_view in(reinterpret_cast<const char*>(data + 2), size - 2);
  const size_t cut = in.empty() ? 0 : data[1] % (in.size() + 1);
  static constexpr Method kMethods[] = {Method::kGet, Method::kHead, Method::kPost,
                                        Method::kConnect};
  const Method method = kMethods[mode & 0x03];

  ResponseLimits limits;
  if (mode & 0x04) {  // tiny limits, so the limit paths are reached by short inputs
    limits.max_status_line_bytes = 32;
    limits.max_header_bytes = 128;
    limits.max_header_count = 4;
    limits.max_leading_empty_lines = 1;
  }
  const bool small = in.size() <= 2048;  // byte-at-a-time is quadratic in the copies

  // Up to three heads back to back (interim responses, then the final one).
  for (int round = 0; round < 3 && !in.empty(); ++round) {
    size_t head_bytes = 0;
    const std::string whole = parse_in_pieces(in, {}, method, limits, &head_bytes);
    check(parse_in_pieces(in, {cut % (in.size() + 1)}, method, limits, nullptr) == whole,
          "split gives same result");
    if (small) {
      check(parse_in_pieces(in, every_byte(in.size()), method, limits, nullptr) == whole,
            "byte by byte gives same result");
    }
    if (head_bytes == 0 || head_bytes >= in.size()) break;
    in.remove_prefix(head_bytes);
  }
  return 0;
}
