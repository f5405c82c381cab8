// The one table from parse errors to HTTP answers.
#include "portico/http/parse_error.h"

namespace portico::http {

namespace {

struct ErrorInfo {
  Status status;
  bool close;
  std::string_view text;
};

// Every row closes the connection except a refused expectation, whose head was framed
// correctly (the server may answer 417 and discard the body per head.body). After any other
// error the next request's start cannot be found with certainty (RFC 9112 6.3, 11.2).
ErrorInfo info(ParseError e) {
  using S = Status;
  switch (e) {
    case ParseError::kNone: return {S::kOk, false, "no error"};
    case ParseError::kBadMethod: return {S::kBadRequest, true, "invalid method token"};
    case ParseError::kBadTarget: return {S::kBadRequest, true, "invalid request-target"};
    case ParseError::kBadTargetForm:
      return {S::kBadRequest, true, "request-target form not allowed for this method"};
    case ParseError::kBadVersion: return {S::kBadRequest, true, "malformed HTTP version"};
    case ParseError::kUnsupportedVersion:
      return {S::kHttpVersionNotSupported, true, "HTTP version not supported"};
    case ParseError::kRequestLineTooLong: return {S::kUriTooLong, true, "request line too long"};
    case ParseError::kTooManyEmptyLines:
      return {S::kBadRequest, true, "too many empty lines before the request line"};
    case ParseError::kBareLf: return {S::kBadRequest, true, "LF without CR"};
    case ParseError::kBareCr: return {S::kBadRequest, true, "CR without LF"};
    case ParseError::kControlChar: return {S::kBadRequest, true, "control character"};
    case ParseError::kObsFold: return {S::kBadRequest, true, "obsolete line folding"};
    case ParseError::kWhitespaceBeforeColon:
      return {S::kBadRequest, true, "whitespace between field name and colon"};
    case ParseError::kInvalidFieldName: return {S::kBadRequest, true, "invalid field name"};
    case ParseError::kMissingColon: return {S::kBadRequest, true, "field line without colon"};
    case ParseError::kHeaderTooLarge:
      return {S::kRequestHeaderFieldsTooLarge, true, "header section too large"};
    case ParseError::kTooManyHeaders:
      return {S::kRequestHeaderFieldsTooLarge, true, "too many header fields"};
    case ParseError::kMissingHost: return {S::kBadRequest, true, "HTTP/1.1 request without Host"};
    case ParseError::kDuplicateHost: return {S::kBadRequest, true, "more than one Host field"};
    case ParseError::kBadHost: return {S::kBadRequest, true, "invalid Host value"};
    case ParseError::kContentLengthWithTransferEncoding:
      return {S::kBadRequest, true, "both Content-Length and Transfer-Encoding"};
    case ParseError::kBadContentLength: return {S::kBadRequest, true, "invalid Content-Length"};
    case ParseError::kConflictingContentLength:
      return {S::kBadRequest, true, "differing Content-Length values"};
    case ParseError::kTransferEncodingInHttp10:
      return {S::kBadRequest, true, "Transfer-Encoding in an HTTP/1.0 request"};
    case ParseError::kBadTransferEncoding:
      return {S::kBadRequest, true, "invalid Transfer-Encoding"};
    case ParseError::kChunkedNotFinal:
      return {S::kBadRequest, true, "chunked is not the final transfer coding"};
    case ParseError::kUnsupportedTransferEncoding:
      return {S::kNotImplemented, true, "unsupported transfer coding"};
    case ParseError::kUnsupportedExpectation:
      return {S::kExpectationFailed, false, "unsupported expectation"};
    case ParseError::kBodyTooLarge: return {S::kContentTooLarge, true, "body too large"};
    case ParseError::kBadChunkSize: return {S::kBadRequest, true, "invalid chunk size"};
    case ParseError::kChunkSizeOverflow: return {S::kBadRequest, true, "chunk size overflow"};
    case ParseError::kChunkLineTooLong: return {S::kBadRequest, true, "chunk-size line too long"};
    case ParseError::kBadChunkExtension: return {S::kBadRequest, true, "invalid chunk extension"};
    case ParseError::kMissingChunkCrlf:
      return {S::kBadRequest, true, "chunk data not followed by CRLF"};
    case ParseError::kTrailerTooLarge:
      return {S::kRequestHeaderFieldsTooLarge, true, "trailer section too large"};
    case ParseError::kTooManyTrailers:
      return {S::kRequestHeaderFieldsTooLarge, true, "too many trailer fields"};
  }
  return {S::kBadRequest, true, "unknown parse error"};
}

}  // namespace

Status to_status(ParseError e) { return info(e).status; }

bool must_close(ParseError e) { return info(e).close; }

std::string_view to_string(ParseError e) { return info(e).text; }

}  // namespace portico::http
