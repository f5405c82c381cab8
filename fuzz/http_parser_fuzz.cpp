// libFuzzer target for the request-head parser and the chunked decoder. Beyond "no crash", it
// checks the parsers' promise: the same bytes give the same result whole, split in two, and one
// byte at a time; and every view points inside the input.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "portico/http/chunked.h"
#include "portico/http/parser.h"

namespace {

using portico::http::ChunkedDecoder;
using portico::http::ChunkedResult;
using portico::http::HeaderView;
using portico::http::HeadScanState;
using portico::http::ParseResult;
using portico::http::ParseStatus;
using portico::http::RequestHead;
using portico::http::RequestLimits;

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

std::string describe(ParseResult r, const RequestHead& h) {
  std::string s =
      std::to_string(static_cast<int>(r.status)) + ":" + std::to_string(static_cast<int>(r.error));
  if (r.status != ParseStatus::kComplete) return s;
  s += "|" + std::string(h.method_token) + "|" + std::string(h.target) + "|" + std::string(h.path) +
       "|" + std::string(h.query) + "|" + std::string(h.authority) + "|" + std::string(h.host) +
       "|" + std::to_string(static_cast<int>(h.body)) + "|" + std::to_string(h.content_length) +
       "|" + std::to_string(h.keep_alive) + std::to_string(h.expect_continue) +
       std::to_string(h.upgrade) + "|" + std::to_string(h.head_bytes);
  for (const HeaderView& f : h.headers) s += "|" + std::string(f.name) + ":" + std::string(f.value);
  return s;
}

void check_views(const RequestHead& h, std::string_view in) {
  check(h.head_bytes <= in.size(), "head_bytes within input");
  const std::string_view head = in.substr(0, h.head_bytes);
  for (std::string_view v : {h.method_token, h.target, h.scheme, h.authority, h.query, h.host}) {
    check(inside(v, head), "request view inside head");
  }
  check(inside(h.path, head) || h.path == "/", "path inside head");
  for (const HeaderView& f : h.headers) {
    check(inside(f.name, head) && inside(f.value, head), "header view inside head");
  }
}

// Each call copies the bytes to a fresh heap block of exactly that size, so ASan catches any
// read past the end, and the buffer "moves" between calls as a connection's may.
ParseResult parse_copy(std::string_view bytes, const RequestLimits& limits, HeadScanState& st,
                       RequestHead& head, std::vector<char>& storage, std::string_view& view) {
  storage.assign(bytes.begin(), bytes.end());
  view = std::string_view(storage.data(), storage.size());
  return portico::http::parse_request_head(view, limits, st, head);
}

std::string parse_in_pieces(std::string_view in, const std::vector<size_t>& cuts,
                            const RequestLimits& limits, size_t* head_bytes) {
  HeadScanState st;
  RequestHead head;
  std::vector<char> storage;
  std::string_view view;
  ParseResult r;
  for (size_t cut : cuts) {
    r = parse_copy(in.substr(0, cut), limits, st, head, storage, view);
    if (r.status != ParseStatus::kNeedMore) break;
  }
  if (r.status == ParseStatus::kNeedMore) r = parse_copy(in, limits, st, head, storage, view);
  if (r.status == ParseStatus::kComplete) {
    check_views(head, view);
    if (head_bytes != nullptr) *head_bytes = head.head_bytes;
  }
  return describe(r, head);
}

// Decodes a chunked body in pieces, as a connection would; returns a digest of the outcome.
std::string decode_in_pieces(std::string_view in, const std::vector<size_t>& cuts,
                             const RequestLimits& limits) {
  ChunkedDecoder dec;
  dec.reset();
  std::string body;
  std::string pending;
  std::vector<char> storage;
  size_t fed = 0;
  size_t consumed = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(in.size());
  for (size_t end : ends) {
    if (end < fed) continue;
    pending.append(in.substr(fed, end - fed));
    fed = end;
    for (;;) {
      storage.assign(pending.begin(), pending.end());
      const std::string_view view(storage.data(), storage.size());
      const ChunkedResult r = dec.decode(view, limits);
      check(r.consumed <= view.size(), "consumed within input");
      check(inside(r.data, view.substr(0, r.consumed)), "data inside consumed input");
      body.append(r.data);
      consumed += r.consumed;
      check(dec.body_bytes() == body.size(), "body_bytes counts the data");
      check(body.size() <= limits.max_body_bytes, "body within limit");
      if (r.status == ParseStatus::kError) return "E" + std::to_string(static_cast<int>(r.error));
      if (r.status == ParseStatus::kComplete) {
        std::string s = "C" + body;
        for (const HeaderView& t : dec.trailers()) {
          check(inside(t.name, view) && inside(t.value, view), "trailer inside input");
          s += "|" + std::string(t.name) + ":" + std::string(t.value);
        }
        return s + "|" + std::to_string(consumed);
      }
      pending.erase(0, r.consumed);
      if (r.consumed == 0) break;
    }
  }
  return "M" + body;
}

std::vector<size_t> every_byte(size_t n) {
  std::vector<size_t> cuts;
  for (size_t i = 1; i < n; ++i) cuts.push_back(i);
  return cuts;
}

}  // namespace

// Byte 0 picks the mode and limits, byte 1 the split point; the rest is the input.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t mode = data[0];
  const std::string_view in(reinterpret_cast<const char*>(data + 2), size - 2);
  const size_t cut = in.empty() ? 0 : data[1] % (in.size() + 1);

  RequestLimits limits;
  if (mode & 0x02) {  // tiny limits, so the limit paths are reached by short inputs
    limits.max_request_line_bytes = 64;
    limits.max_header_bytes = 128;
    limits.max_header_count = 4;
    limits.max_leading_empty_lines = 1;
    limits.max_body_bytes = 64;
    limits.max_chunk_line_bytes = 16;
    limits.max_trailer_bytes = 32;
  }
  const bool small = in.size() <= 2048;  // byte-at-a-time is quadratic in the copies

  if (mode & 0x01) {
    // The input is a chunked body.
    const std::string whole = decode_in_pieces(in, {}, limits);
    check(decode_in_pieces(in, {cut}, limits) == whole, "chunked: split gives same result");
    if (small) {
      check(decode_in_pieces(in, every_byte(in.size()), limits) == whole,
            "chunked: byte by byte gives same result");
    }
    return 0;
  }

  size_t head_bytes = 0;
  const std::string whole = parse_in_pieces(in, {}, limits, &head_bytes);
  check(parse_in_pieces(in, {cut}, limits, nullptr) == whole, "head: split gives same result");
  if (small) {
    check(parse_in_pieces(in, every_byte(in.size()), limits, nullptr) == whole,
          "head: byte by byte gives same result");
  }
  // Whatever follows a complete head may be a chunked body: decode it too.
  if (head_bytes > 0 && head_bytes < in.size()) {
    const std::string_view rest = in.substr(head_bytes);
    const std::string body = decode_in_pieces(rest, {}, limits);
    check(decode_in_pieces(rest, {rest.size() / 2}, limits) == body, "body: split same");
  }
  return 0;
}
