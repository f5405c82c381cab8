// A response a handler builds: status, header fields and a body made of memory
// and file regions (sent with sendfile), serialized by the connection.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "portico/http/headers.h"
#include "portico/http/status.h"
#include "portico/net/file_ref.h"

namespace portico::http {

// One piece of a body: either bytes in memory or a region of an open file.
struct BodyPart {
  std::string data;  // used when file is null
  std::shared_ptr<const net::FileRef> file;
  int64_t offset = 0;
  uint64_t length = 0;  // bytes of the file region

  uint64_t size() const { return file ? length : data.size(); }
};

// A body produced piece by piece (compressed on the fly, relayed from an
// upstream). The connection pulls the next piece only when what it pulled before
// has been written, so a large body never sits in memory. Sent with chunked
// transfer coding (HTTP/1.1) or delimited by closing the connection (HTTP/1.0).
class BodySource {
 public:
  enum class Result { kMore, kDone, kError };
  virtual ~BodySource() = default;
  // Appends the next bytes (at most about max_bytes; possibly none) to out.
  // kDone: nothing follows. kError: the body cannot be completed (the
  // connection is closed without the final chunk, so the client sees it cut).
  virtual Result read(std::string& out, size_t max_bytes) = 0;
};

class Response {
 public:
  Response() = default;
  explicit Response(Status status) : status_(status) {}

  Status status() const { return status_; }
  void set_status(Status s) { status_ = s; }

  Headers& headers() { return headers_; }
  const Headers& headers() const { return headers_; }
  void set_header(std::string_view name, std::string_view value) { headers_.set(name, value); }
  void add_header(std::string_view name, std::string_view value) { headers_.add(name, value); }

  // Replaces the body with bytes and sets Content-Type.
  void set_body(std::string body, std::string_view content_type);
  // Appends a memory part or a file region to the body.
  void append_body(std::string data);
  void append_file(std::shared_ptr<const net::FileRef> file, int64_t offset, uint64_t length);
  void clear_body() {
    body_.clear();
    stream_.reset();
  }

  // Replaces the body with a stream (Content-Length unknown).
  void set_stream(std::shared_ptr<BodySource> source) {
    body_.clear();
    stream_ = std::move(source);
  }
  const std::shared_ptr<BodySource>& stream() const { return stream_; }

  const std::vector<BodyPart>& body() const { return body_; }
  uint64_t body_size() const;

  // A small HTML page for an error or redirect status (RFC 9110 15 reason phrase).
  static Response error(Status s);
  // A redirect with Location (301, 302, 303, 307, 308).
  static Response redirect(Status s, std::string_view location);

  // The connection closes after this response (set by handlers that must end the exchange).
  bool close_connection() const { return close_; }
  void set_close_connection(bool close) { close_ = close; }

  // For HEAD: the body is not sent, but Content-Length describes it (RFC 9110 9.3.2).
  // A handler may also declare a length without parts (e.g. HEAD of a file it did not open).
  void set_declared_length(uint64_t n) {
    declared_length_ = n;
    has_declared_length_ = true;
  }
  bool has_declared_length() const { return has_declared_length_; }
  uint64_t declared_length() const { return declared_length_; }

 private:
  Status status_ = Status::kOk;
  Headers headers_;
  std::vector<BodyPart> body_;
  std::shared_ptr<BodySource> stream_;
  bool close_ = false;
  bool has_declared_length_ = false;
  uint64_t declared_length_ = 0;
};

}  // namespace portico::http
