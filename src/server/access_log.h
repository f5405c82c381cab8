// The access log: one line per response in the combined format plus the request time.
#pragma once

#include <string>

#include "portico/http/server.h"

namespace portico::server {

class AccessLog {
 public:
  // path "-" writes to stdout; otherwise the file is opened for appending.
  // Throws std::system_error naming the file when it cannot be opened.
  explicit AccessLog(const std::string& path);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  // Thread-safe: each line is one write(2) to an O_APPEND descriptor.
  void write(const http::AccessLogEntry& entry) const;

  // Formats a line (without writing), e.g.
  // 127.0.0.1 - - [27/Nov/2026:07:30:00 +0000] "GET / HTTP/1.1" 200 612 "-" "curl/7.88.1" 0.000
  static std::string format(const http::AccessLogEntry& entry);

 private:
  int fd_ = -1;
  bool owns_fd_ = false;
};

}  // namespace portico::server
