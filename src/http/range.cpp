// Range requests (RFC 9110 14): the Range grammar, satisfiability, abuse limits, multipart framing.
#include "portico/http/range.h"

#include <sys/random.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>

#include "portico/http/headers.h"

namespace portico::http {

namespace {

constexpr uint64_t kSaturated = std::numeric_limits<uint64_t>::max();

bool is_ows(char c) { return c == ' ' || c == '\t'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

// One or more digits, the whole of `s`; values past 2^64-1 saturate.
bool parse_number(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (!is_digit(c)) return false;
    uint64_t d = static_cast<uint64_t>(c - '0');
    v = (v > (kSaturated - d) / 10) ? kSaturated : v * 10 + d;
  }
  *out = v;
  return true;
}

// int-range = first-pos "-" [ last-pos ] / suffix-range = "-" suffix-length (RFC 9110 14.1.1)
bool parse_spec(std::string_view s, RangeSpec* out) {
  size_t dash = s.find('-');
  if (dash == std::string_view::npos) return false;
  std::string_view a = s.substr(0, dash);
  std::string_view b = s.substr(dash + 1);
  if (a.empty()) {
    out->kind = RangeSpec::Kind::kSuffix;
    return parse_number(b, &out->suffix_length);
  }
  if (!parse_number(a, &out->first)) return false;
  if (b.empty()) {
    out->kind = RangeSpec::Kind::kFrom;
    return true;
  }
  out->kind = RangeSpec::Kind::kFromTo;
  // "A byte-range-spec is invalid if the last-pos value is present and less than first-pos."
  return parse_number(b, &out->last) && out->last >= out->first;
}

// Resolves one spec against a non-empty file; false if unsatisfiable.
bool resolve(const RangeSpec& spec, uint64_t size, ByteRange* out) {
  switch (spec.kind) {
    case RangeSpec::Kind::kFromTo:
      if (spec.first >= size) return false;
      *out = {spec.first, std::min(spec.last, size - 1)};
      return true;
    case RangeSpec::Kind::kFrom:
      if (spec.first >= size) return false;
      *out = {spec.first, size - 1};
      return true;
    case RangeSpec::Kind::kSuffix:
      if (spec.suffix_length == 0) return false;
      *out = {size - std::min(spec.suffix_length, size), size - 1};
      return true;
  }
  return false;
}

uint64_t next_random() {
  // Seeded once per thread from the kernel; boundaries need uniqueness, not secrecy.
  thread_local uint64_t state = [] {
    uint64_t seed = 0;
    if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) != sizeof seed) {
      seed = static_cast<uint64_t>(
          std::chrono::high_resolution_clock::now().time_since_epoch().count());
      seed ^= reinterpret_cast<uintptr_t>(&seed);
    }
    return seed;
  }();
  // splitmix64: a full-period mix of a counter.
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

std::optional<std::vector<RangeSpec>> parse_range_header(std::string_view value,
                                                         const RangeLimits& limits) {
  size_t eq = value.find('=');
  if (eq == std::string_view::npos) return std::nullopt;
  // RFC 9110 14.1: range units are compared case-insensitively; others must be ignored.
  if (!iequals(trim_ows(value.substr(0, eq)), "bytes")) return std::nullopt;

  std::vector<RangeSpec> specs;
  std::string_view rest = value.substr(eq + 1);
  while (true) {
    size_t comma = rest.find(',');
    std::string_view member = trim_ows(rest.substr(0, comma));
    if (!member.empty()) {
      if (specs.size() == limits.max_ranges) return std::nullopt;
      RangeSpec spec;
      if (!parse_spec(member, &spec)) return std::nullopt;
      specs.push_back(spec);
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (specs.empty()) return std::nullopt;
  return specs;
}

RangeSet evaluate_ranges(const std::vector<RangeSpec>& specs, uint64_t file_size) {
  RangeSet out;
  if (file_size == 0 || specs.empty()) return out;  // kIgnore

  uint64_t requested = 0;
  for (const RangeSpec& spec : specs) {
    ByteRange r;
    if (!resolve(spec, file_size, &r)) continue;
    // Overlapping abuse: asking for more bytes than the file holds. Send it once instead.
    // (Compared as a subtraction: requested <= file_size always, so nothing overflows.)
    if (r.length() > file_size - requested) return RangeSet{};
    requested += r.length();
    out.ranges.push_back(r);
  }
  if (out.ranges.empty()) {
    out.outcome = RangeOutcome::kUnsatisfiable;
    return out;
  }

  std::sort(out.ranges.begin(), out.ranges.end(),
            [](const ByteRange& a, const ByteRange& b) { return a.first < b.first; });
  size_t kept = 0;
  for (size_t i = 1; i < out.ranges.size(); ++i) {
    ByteRange& cur = out.ranges[kept];
    const ByteRange& next = out.ranges[i];
    if (next.first <= cur.last + 1) {  // overlapping or adjacent (last < size, no overflow)
      cur.last = std::max(cur.last, next.last);
    } else {
      out.ranges[++kept] = next;
    }
  }
  out.ranges.resize(kept + 1);
  out.outcome = RangeOutcome::kPartial;
  return out;
}

RangeSet evaluate_range_header(std::string_view value, uint64_t file_size,
                               const RangeLimits& limits) {
  auto specs = parse_range_header(value, limits);
  if (!specs) return RangeSet{};
  return evaluate_ranges(*specs, file_size);
}

std::string content_range_value(uint64_t first, uint64_t last, uint64_t size) {
  char buf[80];
  int n =
      std::snprintf(buf, sizeof buf, "bytes %llu-%llu/%llu", static_cast<unsigned long long>(first),
                    static_cast<unsigned long long>(last), static_cast<unsigned long long>(size));
  return std::string(buf, static_cast<size_t>(n));
}

std::string unsatisfied_content_range(uint64_t size) { return "bytes */" + std::to_string(size); }

std::string make_multipart_boundary() {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(next_random()),
                static_cast<unsigned long long>(next_random()));
  return std::string(buf, 32);
}

MultipartByteranges make_multipart_byteranges(const std::vector<ByteRange>& ranges,
                                              uint64_t file_size,
                                              std::string_view part_content_type,
                                              std::string_view boundary) {
  MultipartByteranges out;
  out.content_type = "multipart/byteranges; boundary=";
  out.content_type += boundary;
  out.part_headers.reserve(ranges.size());
  for (size_t i = 0; i < ranges.size(); ++i) {
    // RFC 2046 5.1.1: each delimiter begins a line; the CRLF before it belongs to it, and the
    // first one needs none at the start of the body.
    std::string h = i == 0 ? "--" : "\r\n--";
    h += boundary;
    h += "\r\n";
    if (!part_content_type.empty()) {
      h += "Content-Type: ";
      h += part_content_type;
      h += "\r\n";
    }
    h += "Content-Range: ";
    h += content_range_value(ranges[i].first, ranges[i].last, file_size);
    h += "\r\n\r\n";
    out.content_length += h.size() + ranges[i].length();
    out.part_headers.push_back(std::move(h));
  }
  out.closing = "\r\n--";
  out.closing += boundary;
  out.closing += "--\r\n";
  out.content_length += out.closing.size();
  return out;
}

}  // namespace portico::http
