// Incremental request-head parser: finds lines with memchr, validates each once, and fills the
// RequestHead with views into the caller's buffer (RFC 9112 2-6, 9; RFC 9110 7.2, 8.6, 10.1.1).
#include "portico/http/parser.h"

#include <algorithm>
#include <cstring>

#include "http/char_class.h"
#include "http/field_line.h"
#include "http/request_line.h"

namespace portico::http {

namespace {

using detail::is_ows;

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

// Calls fn(element) for each non-empty element of a comma-separated list, trimmed of OWS.
// RFC 9110 5.6.1: empty elements are ignored.
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

// What the framing- and routing-relevant fields said, gathered while the fields are emitted and
// judged only once the whole head is known, so the verdict does not depend on field order.
struct FieldFacts {
  uint32_t host_count = 0;
  std::string_view host;
  bool has_content_length = false;
  bool content_length_bad = false;
  bool content_length_conflict = false;
  uint64_t content_length = 0;
  bool has_transfer_encoding = false;
  bool te_malformed = false;
  uint32_t te_codings = 0;
  uint32_t te_chunked = 0;
  bool te_last_is_chunked = false;
  bool te_unknown = false;
  bool connection_close = false;
  bool connection_keep_alive = false;
  bool connection_upgrade = false;
  bool has_upgrade = false;
  bool expect_continue = false;
  bool expect_other = false;

  void add(const HeaderView& h);
  void add_content_length(std::string_view value);
  void add_transfer_encoding(std::string_view value);
};

// RFC 9110 8.6 / RFC 9112 6.3: Content-Length = 1*DIGIT. A list of identical values ("42, 42",
// or repeated fields) is accepted as that value, as the RFCs allow; anything else is invalid.
void FieldFacts::add_content_length(std::string_view value) {
  const bool first = !has_content_length;
  has_content_length = true;
  for (bool first_element = first;; first_element = false) {
    const size_t comma = value.find(',');
    // Unlike ordinary lists, an empty element here ("", "1,,1", "1,") is malformed.
    const std::string_view e = trim_ows(value.substr(0, comma));
    uint64_t n = 0;
    for (char c : e) {
      const auto digit = static_cast<unsigned>(c - '0');  // no sign, no space, no "0x"
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

// RFC 9112 6.1: Transfer-Encoding = #transfer-coding; a coding is a token with optional
// parameters. Only chunked is implemented.
void FieldFacts::add_transfer_encoding(std::string_view value) {
  has_transfer_encoding = true;
  for_each_list_element(value, [&](std::string_view e) {
    size_t i = 0;
    while (i < e.size() && detail::is_token_char(e[i])) ++i;
    const std::string_view name = e.substr(0, i);
    std::string_view rest = trim_ows(e.substr(i));
    if (name.empty() || (!rest.empty() && rest.front() != ';')) te_malformed = true;
    ++te_codings;
    te_last_is_chunked = iequals(name, "chunked");
    if (te_last_is_chunked) {
      ++te_chunked;
      if (!rest.empty()) te_malformed = true;  // chunked has no parameters
    } else {
      te_unknown = true;
    }
  });
}

void FieldFacts::add(const HeaderView& h) {
  // Dispatch on length first: most fields are none of these and cost one switch.
  switch (h.name.size()) {
    case 4:
      if (iequals(h.name, "host")) {
        ++host_count;
        host = h.value;
      }
      break;
    case 6:
      if (iequals(h.name, "expect")) {
        for_each_list_element(h.value, [&](std::string_view e) {
          (iequals(e, "100-continue") ? expect_continue : expect_other) = true;
        });
      }
      break;
    case 7:
      if (iequals(h.name, "upgrade")) has_upgrade = true;
      break;
    case 10:
      if (iequals(h.name, "connection")) {
        for_each_list_element(h.value, [&](std::string_view e) {
          if (iequals(e, "close")) connection_close = true;
          if (iequals(e, "keep-alive")) connection_keep_alive = true;
          if (iequals(e, "upgrade")) connection_upgrade = true;
        });
      }
      break;
    case 14:
      if (iequals(h.name, "content-length")) add_content_length(h.value);
      break;
    case 17:
      if (iequals(h.name, "transfer-encoding")) add_transfer_encoding(h.value);
      break;
    default: break;
  }
}

// Body framing, RFC 9112 6.1 and 6.3.
ParseError decide_body(const FieldFacts& f, const RequestLimits& limits, RequestHead& out) {
  if (f.has_transfer_encoding) {
    // RFC 9112 6.1: Transfer-Encoding in HTTP/1.0 means faulty framing.
    if (out.version == Version::kHttp10) return ParseError::kTransferEncodingInHttp10;
    // RFC 9112 6.3: both fields is a smuggling attempt or a broken intermediary; we reject it
    // rather than let Transfer-Encoding win, and must close either way.
    if (f.has_content_length) return ParseError::kContentLengthWithTransferEncoding;
    if (f.te_malformed || f.te_codings == 0) return ParseError::kBadTransferEncoding;
    // RFC 9112 6.3: chunked not final -> the length cannot be determined -> 400.
    if (f.te_chunked > 0 && !f.te_last_is_chunked) return ParseError::kChunkedNotFinal;
    // RFC 9112 7: chunked MUST NOT be applied more than once.
    if (f.te_chunked > 1) return ParseError::kBadTransferEncoding;
    // RFC 9112 6.1: a coding we do not understand -> 501 (this includes a lone "gzip", which
    // 6.3 would also let us answer with 400; either way the connection closes).
    if (f.te_unknown) return ParseError::kUnsupportedTransferEncoding;
    out.body = BodyKind::kChunked;
    return ParseError::kNone;
  }
  if (f.has_content_length) {
    if (f.content_length_bad) return ParseError::kBadContentLength;
    if (f.content_length_conflict) return ParseError::kConflictingContentLength;
    if (f.content_length > limits.max_body_bytes) return ParseError::kBodyTooLarge;
    out.body = f.content_length > 0 ? BodyKind::kContentLength : BodyKind::kNone;
    out.content_length = f.content_length;
  }
  return ParseError::kNone;  // RFC 9112 6.3 (7): a request without either has no body
}

// The checks that need the whole head, in a fixed order.
ParseError finish_head(const FieldFacts& f, const RequestLimits& limits, RequestHead& out) {
  if (const ParseError e = decide_body(f, limits, out); e != ParseError::kNone) return e;
  // RFC 9112 3.2 / RFC 9110 7.2: 400 for a missing Host in 1.1, several Host lines, or an
  // invalid value. RFC 9112 3.2.2: an absolute-form authority replaces the Host value.
  if (f.host_count > 1) return ParseError::kDuplicateHost;
  if (f.host_count == 1 && !detail::is_valid_authority(f.host, false, false)) {
    return ParseError::kBadHost;
  }
  if (f.host_count == 0 && out.version == Version::kHttp11) return ParseError::kMissingHost;
  out.host = out.form == TargetForm::kAbsolute || out.form == TargetForm::kAuthority ? out.authority
                                                                                     : f.host;

  const bool http11 = out.version == Version::kHttp11;
  // RFC 9112 9.3: 1.1 persists unless "close"; 1.0 only with "keep-alive" (RFC 9112 C.2.2).
  out.connection_close = f.connection_close;
  out.keep_alive = !f.connection_close && (http11 || f.connection_keep_alive);
  // RFC 9110 7.8: Upgrade is ignored in HTTP/1.0 and needs the "upgrade" connection option.
  out.upgrade = http11 && f.has_upgrade && f.connection_upgrade;
  // RFC 9110 10.1.1: 100-continue is ignored in HTTP/1.0; other expectations MAY get 417.
  if (http11) {
    if (f.expect_other) return ParseError::kUnsupportedExpectation;
    out.expect_continue = f.expect_continue;
  }
  return ParseError::kNone;
}

// One pass over the lines of the head from state.line_start. With `out` it also stores views;
// without, it only validates (used while the head is incomplete, since views into a buffer that
// may move cannot be kept between calls).
class HeadScanner {
 public:
  HeadScanner(std::string_view in, const RequestLimits& limits, HeadScanState& state,
              RequestHead* out, FieldFacts* facts)
      : in_(in), limits_(limits), st_(state), out_(out), facts_(facts) {}

  ParseResult run() {
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
      const ParseError e = st_.fields_start == 0 ? request_phase_line(pos, lf)
                                                 : field_phase_line(pos, lf, head_done);
      if (e != ParseError::kNone) return result(e);
      pos = from = lf + 1;
      if (head_done) {
        st_.line_start = st_.scanned = pos;
        if (out_ != nullptr) out_->head_bytes = pos;
        return ParseResult{ParseStatus::kComplete, ParseError::kNone};
      }
    }
  }

 private:
  static ParseResult result(ParseError e) {
    return e == ParseError::kNone ? ParseResult{ParseStatus::kNeedMore, e}
                                  : ParseResult{ParseStatus::kError, e};
  }

  // Every check on a complete line runs in the same order: first byte, size limits, line
  // ending, content. The checks on an incomplete line are the first two of these, each of
  // which any completion of the line would fail first too; so a split input can never be
  // rejected for a different reason than the same bytes in one piece.
  ParseError check_partial_line(size_t pos) const {
    if (pos == in_.size()) return ParseError::kNone;
    const char first = in_[pos];
    if (st_.fields_start == 0) {
      if (const ParseError e = detail::check_request_line_start(first); e != ParseError::kNone) {
        return e;
      }
      // Minus one: the last byte may be the CR of the line's CRLF.
      if (in_.size() - pos - 1 > limits_.max_request_line_bytes) {
        return ParseError::kRequestLineTooLong;
      }
      return ParseError::kNone;
    }
    if (const ParseError e = detail::check_field_line_start(first); e != ParseError::kNone) {
      return e;
    }
    if (in_.size() - st_.fields_start > limits_.max_header_bytes) {
      return ParseError::kHeaderTooLarge;
    }
    return ParseError::kNone;
  }

  // A line before the header section: an empty line to skip (RFC 9112 2.2) or the request line.
  ParseError request_phase_line(size_t pos, size_t lf) {
    const std::string_view raw = in_.substr(pos, lf - pos);
    if (raw.empty()) return ParseError::kBareLf;
    if (const ParseError e = detail::check_request_line_start(raw[0]); e != ParseError::kNone) {
      return e;
    }
    if (raw == "\r") {
      return ++st_.empty_lines > limits_.max_leading_empty_lines ? ParseError::kTooManyEmptyLines
                                                                 : ParseError::kNone;
    }
    const bool has_cr = raw.back() == '\r';
    if (raw.size() - (has_cr ? 1 : 0) > limits_.max_request_line_bytes) {
      return ParseError::kRequestLineTooLong;
    }
    // RFC 9112 2.2 lets a recipient accept a bare LF; we do not, because an intermediary that
    // splits lines differently is how requests get smuggled.
    if (!has_cr) return ParseError::kBareLf;
    detail::RequestLine rl;
    if (const ParseError e = detail::parse_request_line(raw.substr(0, raw.size() - 1), rl);
        e != ParseError::kNone) {
      return e;
    }
    if (out_ != nullptr) {
      out_->method = rl.method;
      out_->method_token = rl.method_token;
      out_->target = rl.target;
      out_->form = rl.form;
      out_->scheme = rl.scheme;
      out_->authority = rl.authority;
      out_->path = rl.path;
      out_->query = rl.query;
      out_->version = rl.version;
    }
    st_.fields_start = lf + 1;
    return ParseError::kNone;
  }

  ParseError field_phase_line(size_t pos, size_t lf, bool& head_done) {
    const std::string_view raw = in_.substr(pos, lf - pos);
    if (!raw.empty()) {
      if (const ParseError e = detail::check_field_line_start(raw[0]); e != ParseError::kNone) {
        return e;
      }
    }
    if (lf + 1 - st_.fields_start > limits_.max_header_bytes) return ParseError::kHeaderTooLarge;
    if (raw == "\r") {
      head_done = true;
      return ParseError::kNone;
    }
    if (!raw.empty() && ++st_.field_count > limits_.max_header_count) {
      return ParseError::kTooManyHeaders;
    }
    if (raw.empty() || raw.back() != '\r') return ParseError::kBareLf;
    HeaderView field;
    if (const ParseError e = detail::parse_field_line(raw.substr(0, raw.size() - 1), field);
        e != ParseError::kNone) {
      return e;
    }
    if (out_ != nullptr) {
      out_->headers.push_back(field);
      facts_->add(field);
    }
    return ParseError::kNone;
  }

  std::string_view in_;
  const RequestLimits& limits_;
  HeadScanState& st_;
  RequestHead* out_;
  FieldFacts* facts_;
};

}  // namespace

const HeaderView* RequestHead::find(std::string_view name) const {
  for (const HeaderView& h : headers) {
    if (iequals(h.name, name)) return &h;
  }
  return nullptr;
}

std::string_view RequestHead::header(std::string_view name) const {
  const HeaderView* h = find(name);
  return h != nullptr ? h->value : std::string_view();
}

void RequestHead::clear() {
  std::vector<HeaderView> keep = std::move(headers);
  keep.clear();
  *this = RequestHead{};
  headers = std::move(keep);
}

ParseResult parse_request_head(std::string_view in, const RequestLimits& limits,
                               HeadScanState& state, RequestHead& out) {
  FieldFacts facts;
  ParseResult r;
  if (in.size() < state.scanned) state.reset();  // not the same buffer: start over
  if (state.scanned == 0) {
    // First look at this head: validate and emit in one pass (the usual case: a whole head
    // arrives in one read).
    out.clear();
    r = HeadScanner(in, limits, state, &out, &facts).run();
  } else {
    // Resumed: validate only the lines completed since the last call; once the head is
    // complete, emit it in one more pass from the start.
    r = HeadScanner(in, limits, state, nullptr, nullptr).run();
    if (r.status != ParseStatus::kComplete) return r;
    out.clear();
    HeadScanState again;
    r = HeadScanner(in, limits, again, &out, &facts).run();
  }
  if (r.status != ParseStatus::kComplete) return r;
  if (const ParseError e = finish_head(facts, limits, out); e != ParseError::kNone) {
    return ParseResult{ParseStatus::kError, e};
  }
  return r;
}

}  // namespace portico::http
