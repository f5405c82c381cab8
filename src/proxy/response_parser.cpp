// Incremental response-head parser: lines found with memchr, each validated once, views into the
// caller's buffer (RFC 9112 2, 4, 5, 6; RFC 9110 6.4.1, 8.6, 15).
#include "portico/proxy/response_parser.h"

#include <algorithm>
#include <cstring>

#include "http/char_class.h"
#include "http/field_line.h"

namespace portico::proxy {

std::string_view to_string(ResponseError e) {
  switch (e) {
    case ResponseError::kNone: return "ok";
    case ResponseError::kBadVersion: return "bad version in upstream status line";
    case ResponseError::kBadStatusCode: return "bad upstream status code";
    case ResponseError::kBadReasonPhrase: return "bad upstream reason phrase";
    case ResponseError::kStatusLineTooLong: return "upstream status line too long";
    case ResponseError::kTooManyEmptyLines: return "too many empty lines before upstream status";
    case ResponseError::kBareLf: return "bare LF in upstream response head";
    case ResponseError::kBareCr: return "bare CR in upstream response head";
    case ResponseError::kControlChar: return "control character in upstream response head";
    case ResponseError::kObsFold: return "obsolete line folding in upstream response";
    case ResponseError::kWhitespaceBeforeColon: return "whitespace before colon in upstream field";
    case ResponseError::kInvalidFieldName: return "invalid upstream field name";
    case ResponseError::kMissingColon: return "upstream field line without colon";
    case ResponseError::kHeaderTooLarge: return "upstream response header too large";
    case ResponseError::kTooManyHeaders: return "too many upstream response fields";
    case ResponseError::kContentLengthWithTransferEncoding:
      return "upstream sent both Content-Length and Transfer-Encoding";
    case ResponseError::kBadContentLength: return "bad upstream Content-Length";
    case ResponseError::kConflictingContentLength: return "conflicting upstream Content-Length";
    case ResponseError::kTransferEncodingInHttp10: return "Transfer-Encoding in HTTP/1.0 response";
    case ResponseError::kBadTransferEncoding: return "bad upstream Transfer-Encoding";
    case ResponseError::kUnsupportedTransferEncoding: return "unsupported upstream transfer coding";
  }
  return "bad upstream response";
}

namespace {

namespace hd = http::detail;
using http::ParseError;
using http::ParseStatus;

// The field-line helpers speak the request parser's error type; these are their equivalents.
ResponseError from_field_error(ParseError e) {
  switch (e) {
    case ParseError::kNone: return ResponseError::kNone;
    case ParseError::kBareLf: return ResponseError::kBareLf;
    case ParseError::kBareCr: return ResponseError::kBareCr;
    case ParseError::kControlChar: return ResponseError::kControlChar;
    case ParseError::kObsFold: return ResponseError::kObsFold;
    case ParseError::kWhitespaceBeforeColon: return ResponseError::kWhitespaceBeforeColon;
    case ParseError::kMissingColon: return ResponseError::kMissingColon;
    default: return ResponseError::kInvalidFieldName;
  }
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && hd::is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && hd::is_ows(s.back())) s.remove_suffix(1);
  return s;
}

// RFC 9110 5.6.1: calls fn(element) for each non-empty element of a list, trimmed of OWS.
template <typename Fn>
void for_each_list_element(std::string_view list, Fn&& fn) {
  while (!list.empty()) {
    const size_t comma = list.find(',');
    const std::string_view element = trim_ows(list.substr(0, comma));
    if (!element.empty()) fn(element);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

// What the framing fields said, judged once the whole head is known so that the verdict does
// not depend on field order.
struct FramingFacts {
  bool has_content_length = false;
  bool content_length_bad = false;
  bool content_length_conflict = false;
  uint64_t content_length = 0;
  bool has_transfer_encoding = false;
  bool te_malformed = false;
  uint32_t te_codings = 0;
  uint32_t te_chunked = 0;
  bool te_other = false;
  bool connection_close = false;
  bool connection_keep_alive = false;

  void add(const http::HeaderView& h);
  void add_content_length(std::string_view value);
  void add_transfer_encoding(std::string_view value);
};

// RFC 9110 8.6: Content-Length = 1*DIGIT; identical repeated values ("5, 5", or two fields)
// are that value, anything else is invalid (RFC 9112 6.3 (5)).
void FramingFacts::add_content_length(std::string_view value) {
  bool first_element = !has_content_length;
  has_content_length = true;
  for (;; first_element = false) {
    const size_t comma = value.find(',');
    const std::string_view e = trim_ows(value.substr(0, comma));
    uint64_t n = 0;
    for (char c : e) {
      const auto digit = static_cast<unsigned>(c - '0');
      if (digit > 9 || n > (UINT64_MAX - digit) / 10) {
        content_length_bad = true;
        return;
      }
      n = n * 10 + digit;
    }
    if (e.empty()) content_length_bad = true;
    if (!first_element && n != content_length) content_length_conflict = true;
    content_length = n;
    if (comma == std::string_view::npos) return;
    value.remove_prefix(comma + 1);
  }
}

// RFC 9112 6.1: Transfer-Encoding = #transfer-coding (token with parameters).
void FramingFacts::add_transfer_encoding(std::string_view value) {
  has_transfer_encoding = true;
  for_each_list_element(value, [&](std::string_view e) {
    size_t i = 0;
    while (i < e.size() && hd::is_token_char(e[i])) ++i;
    const std::string_view name = e.substr(0, i);
    const std::string_view rest = trim_ows(e.substr(i));
    if (name.empty() || (!rest.empty() && rest.front() != ';')) te_malformed = true;
    ++te_codings;
    if (http::iequals(name, "chunked")) {
      ++te_chunked;
      if (!rest.empty()) te_malformed = true;  // chunked takes no parameters
    } else {
      te_other = true;
    }
  });
}

void FramingFacts::add(const http::HeaderView& h) {
  switch (h.name.size()) {
    case 10:
      if (http::iequals(h.name, "connection")) {
        for_each_list_element(h.value, [&](std::string_view e) {
          if (http::iequals(e, "close")) connection_close = true;
          if (http::iequals(e, "keep-alive")) connection_keep_alive = true;
        });
      }
      break;
    case 14:
      if (http::iequals(h.name, "content-length")) add_content_length(h.value);
      break;
    case 17:
      if (http::iequals(h.name, "transfer-encoding")) add_transfer_encoding(h.value);
      break;
    default: break;
  }
}

// The framing fields must be valid whatever the status: a response that lies about its length
// is refused even where the length would not be used, because the next hop might use it.
ResponseError check_framing(const FramingFacts& f, http::Version version) {
  if (f.has_transfer_encoding) {
    // RFC 9112 6.1: Transfer-Encoding in an HTTP/1.0 message means the framing is faulty.
    if (version == http::Version::kHttp10) return ResponseError::kTransferEncodingInHttp10;
    // RFC 9112 6.3 (3): both fields "ought to be handled as an error"; a proxy that let
    // Transfer-Encoding win could be made to split one response into two.
    if (f.has_content_length) return ResponseError::kContentLengthWithTransferEncoding;
    if (f.te_malformed || f.te_codings == 0) return ResponseError::kBadTransferEncoding;
    // RFC 9112 7: chunked MUST NOT be applied more than once.
    if (f.te_chunked > 1) return ResponseError::kBadTransferEncoding;
    // The proxy decodes chunked and re-frames the body for the client; any other coding would
    // have to be forwarded in Transfer-Encoding, which is hop-by-hop and which clients do not
    // decode. Refusing it is the safe answer.
    if (f.te_other || f.te_chunked == 0) return ResponseError::kUnsupportedTransferEncoding;
    return ResponseError::kNone;
  }
  if (f.has_content_length) {
    // RFC 9112 6.3 (5): a proxy MUST answer an invalid Content-Length from a server with 502.
    if (f.content_length_bad) return ResponseError::kBadContentLength;
    if (f.content_length_conflict) return ResponseError::kConflictingContentLength;
  }
  return ResponseError::kNone;
}

// RFC 9112 6.3, in its order, once the framing fields are known to be valid.
void decide_body(const FramingFacts& f, http::Method method, ResponseHead& out) {
  const uint16_t s = out.status;
  out.content_length = 0;
  // (1) never a body, whatever the fields say; 101 aside, which starts the new protocol right
  // after its head (RFC 9110 15.2.2), as does (2) a 2xx to CONNECT.
  const bool no_body =
      (s < 200 && s != 101) || s == 204 || s == 304 || (method == http::Method::kHead && s != 101);
  const bool tunnel = s == 101 || (!no_body && method == http::Method::kConnect && s < 300);
  if (tunnel) {
    out.body = ResponseBody::kTunnel;
  } else if (no_body) {
    out.body = ResponseBody::kNone;
  } else if (f.has_transfer_encoding) {
    out.body = ResponseBody::kChunked;  // (4): check_framing allows only a lone chunked
  } else if (f.has_content_length) {
    out.body = ResponseBody::kContentLength;  // (6)
    out.content_length = f.content_length;
  } else {
    out.body = ResponseBody::kUntilClose;  // (8)
  }
  const bool http11 = out.version == http::Version::kHttp11;
  out.connection_close = f.connection_close;
  // RFC 9112 9.3 and C.2.2.
  out.keep_alive = !f.connection_close && (http11 || f.connection_keep_alive) &&
                   out.body != ResponseBody::kUntilClose && out.body != ResponseBody::kTunnel;
}

// status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 4). `line` has no
// CRLF. The SP after the code is taken as optional: servers that omit it with an empty reason
// are common and the line end is unambiguous either way.
ResponseError parse_status_line(std::string_view line, ResponseHead* out) {
  // HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive (RFC 9112 2.3). Only major 1 can be
  // answered on an HTTP/1 connection; a higher minor is read as 1.1 (RFC 9110 6.2).
  if (line.size() < 8 || line.substr(0, 7) != "HTTP/1." || line[7] < '0' || line[7] > '9') {
    return ResponseError::kBadVersion;
  }
  if (line.size() == 8) return ResponseError::kBadStatusCode;
  if (line[8] != ' ') return ResponseError::kBadVersion;
  const std::string_view code = line.substr(9, 3);
  if (code.size() != 3 ||
      !std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return ResponseError::kBadStatusCode;
  }
  const int status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
  // RFC 9110 15: status codes are 100..599; anything else cannot be forwarded meaningfully.
  if (status < 100 || status > 599) return ResponseError::kBadStatusCode;
  std::string_view reason;
  if (line.size() > 12) {
    if (line[12] != ' ') return ResponseError::kBadStatusCode;
    reason = line.substr(13);
    // reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ).
    for (char c : reason) {
      if (!hd::is_value_char(c)) {
        return c == '\r' ? ResponseError::kBareCr : ResponseError::kBadReasonPhrase;
      }
    }
  }
  if (out != nullptr) {
    out->version = line[7] == '0' ? http::Version::kHttp10 : http::Version::kHttp11;
    out->status = static_cast<uint16_t>(status);
    out->reason = reason;
  }
  return ResponseError::kNone;
}

// The first byte of the status line, checked as soon as it arrives so that an obviously wrong
// answer (an upstream that is not speaking HTTP) is refused without waiting for a line end.
ResponseError check_status_line_start(char c) {
  if (c == 'H' || c == '\r') return ResponseError::kNone;
  if (c == '\n') return ResponseError::kBareLf;
  return ResponseError::kBadVersion;
}

// One pass over the head's lines from state.line_start; with `out` it also stores views.
class ResponseScanner {
 public:
  ResponseScanner(std::string_view in, const ResponseLimits& limits, http::HeadScanState& state,
                  ResponseHead* out, FramingFacts* facts)
      : in_(in), limits_(limits), st_(state), out_(out), facts_(facts) {}

  ResponseParseResult run() {
    size_t pos = st_.line_start;
    size_t from = std::max(st_.scanned, pos);
    for (;;) {
      const void* hit =
          from < in_.size() ? std::memchr(in_.data() + from, '\n', in_.size() - from) : nullptr;
      if (hit == nullptr) {
        st_.line_start = pos;
        st_.scanned = in_.size();
        return result(check_partial_line(pos));
      }
      const auto lf = static_cast<size_t>(static_cast<const char*>(hit) - in_.data());
      bool head_done = false;
      const ResponseError e =
          st_.fields_start == 0 ? status_phase_line(pos, lf) : field_phase_line(pos, lf, head_done);
      if (e != ResponseError::kNone) return result(e);
      pos = from = lf + 1;
      if (head_done) {
        st_.line_start = st_.scanned = pos;
        if (out_ != nullptr) out_->head_bytes = pos;
        return ResponseParseResult{ParseStatus::kComplete, ResponseError::kNone};
      }
    }
  }

 private:
  static ResponseParseResult result(ResponseError e) {
    return e == ResponseError::kNone ? ResponseParseResult{ParseStatus::kNeedMore, e}
                                     : ResponseParseResult{ParseStatus::kError, e};
  }

  // Only checks that every completion of the line would fail first too, in the same order as
  // for a complete line (first byte, then size), so a split never changes the verdict.
  ResponseError check_partial_line(size_t pos) const {
    if (pos == in_.size()) return ResponseError::kNone;
    if (st_.fields_start == 0) {
      if (const ResponseError e = check_status_line_start(in_[pos]); e != ResponseError::kNone) {
        return e;
      }
      // Minus one: the last byte may be the CR of the line's CRLF.
      if (in_.size() - pos - 1 > limits_.max_status_line_bytes) {
        return ResponseError::kStatusLineTooLong;
      }
      return ResponseError::kNone;
    }
    if (const ParseError e = hd::check_field_line_start(in_[pos]); e != ParseError::kNone) {
      return from_field_error(e);
    }
    if (in_.size() - st_.fields_start > limits_.max_header_bytes) {
      return ResponseError::kHeaderTooLarge;
    }
    return ResponseError::kNone;
  }

  ResponseError status_phase_line(size_t pos, size_t lf) {
    const std::string_view raw = in_.substr(pos, lf - pos);
    if (raw.empty()) return ResponseError::kBareLf;
    if (const ResponseError e = check_status_line_start(raw[0]); e != ResponseError::kNone) {
      return e;
    }
    if (raw == "\r") {
      return ++st_.empty_lines > limits_.max_leading_empty_lines ? ResponseError::kTooManyEmptyLines
                                                                 : ResponseError::kNone;
    }
    const bool has_cr = raw.back() == '\r';
    if (raw.size() - (has_cr ? 1 : 0) > limits_.max_status_line_bytes) {
      return ResponseError::kStatusLineTooLong;
    }
    // Strict like the request parser: a bare LF is how two parsers come to disagree about
    // where a message ends.
    if (!has_cr) return ResponseError::kBareLf;
    if (const ResponseError e = parse_status_line(raw.substr(0, raw.size() - 1), out_);
        e != ResponseError::kNone) {
      return e;
    }
    st_.fields_start = lf + 1;
    return ResponseError::kNone;
  }

  ResponseError field_phase_line(size_t pos, size_t lf, bool& head_done) {
    const std::string_view raw = in_.substr(pos, lf - pos);
    if (!raw.empty()) {
      if (const ParseError e = hd::check_field_line_start(raw[0]); e != ParseError::kNone) {
        return from_field_error(e);
      }
    }
    if (lf + 1 - st_.fields_start > limits_.max_header_bytes) {
      return ResponseError::kHeaderTooLarge;
    }
    if (raw == "\r") {
      head_done = true;
      return ResponseError::kNone;
    }
    if (!raw.empty() && ++st_.field_count > limits_.max_header_count) {
      return ResponseError::kTooManyHeaders;
    }
    if (raw.empty() || raw.back() != '\r') return ResponseError::kBareLf;
    http::HeaderView field;
    if (const ParseError e = hd::parse_field_line(raw.substr(0, raw.size() - 1), field);
        e != ParseError::kNone) {
      return from_field_error(e);
    }
    if (out_ != nullptr) {
      out_->headers.push_back(field);
      facts_->add(field);
    }
    return ResponseError::kNone;
  }

  std::string_view in_;
  const ResponseLimits& limits_;
  http::HeadScanState& st_;
  ResponseHead* out_;
  FramingFacts* facts_;
};

}  // namespace

const http::HeaderView* ResponseHead::find(std::string_view name) const {
  for (const http::HeaderView& h : headers) {
    if (http::iequals(h.name, name)) return &h;
  }
  return nullptr;
}

std::string_view ResponseHead::header(std::string_view name) const {
  const http::HeaderView* h = find(name);
  return h != nullptr ? h->value : std::string_view();
}

void ResponseHead::clear() {
  std::vector<http::HeaderView> keep = std::move(headers);
  keep.clear();
  *this = ResponseHead{};
  headers = std::move(keep);
}

ResponseParseResult parse_response_head(std::string_view in, http::Method request_method,
                                        const ResponseLimits& limits, http::HeadScanState& state,
                                        ResponseHead& out) {
  FramingFacts facts;
  ResponseParseResult r;
  if (in.size() < state.scanned) state.reset();  // not the same buffer: start over
  if (state.scanned == 0) {
    out.clear();
    r = ResponseScanner(in, limits, state, &out, &facts).run();
  } else {
    // Resumed: validate only what arrived since; once complete, emit in one more pass (views
    // cannot be kept between calls, the buffer may have moved).
    r = ResponseScanner(in, limits, state, nullptr, nullptr).run();
    if (r.status != ParseStatus::kComplete) return r;
    out.clear();
    http::HeadScanState again;
    r = ResponseScanner(in, limits, again, &out, &facts).run();
  }
  if (r.status != ParseStatus::kComplete) return r;
  if (const ResponseError e = check_framing(facts, out.version); e != ResponseError::kNone) {
    return ResponseParseResult{ParseStatus::kError, e};
  }
  decide_body(facts, request_method, out);
  return r;
}

}  // namespace portico::proxy
