// Access log line formats: combined, common, JSON, and templates of named $variables.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/http/server.h"
#include "server/config.h"

namespace portico::server {

// A format string such as "$remote_addr [$time_iso8601] \"$request\" $status $request_time".
// "$name" or "${name}"; "$$" is a literal '$'. Variables (nginx names where nginx has one):
//   remote_addr remote_port server_addr server_port time_local time_iso8601 msec
//   request request_method request_uri uri args server_protocol status body_bytes_sent
//   request_time (seconds, ms precision) request_time_us host scheme connection
//   connection_requests http_referer http_user_agent note request_id
//   http_NAME (any request field, '_' for '-')
// Empty values print as "-". Bytes that could forge a line (quotes, backslash, controls,
// non-ASCII) are written as \xHH.
class AccessLogTemplate {
 public:
  // nullopt with *error set ("unknown variable '$remote_adr' (did you mean '$remote_addr'?)").
  static std::optional<AccessLogTemplate> parse(std::string_view text, std::string* error);
  void append(std::string& out, const http::AccessLogEntry& entry) const;
  static const std::vector<std::string_view>& variable_names();

 private:
  struct Part {
    int variable = -1;  // index into variable_names(), -1 literal, -2 http_ field
    std::string text;   // literal text, or the field name for http_ fields
  };
  std::vector<Part> parts_;
};

// Formats one line (with its '\n') in the configured format.
class AccessLogFormatter {
 public:
  // Throws std::invalid_argument for a bad template (the config loader has checked it).
  AccessLogFormatter(AccessLogFormat format, const std::string& format_string);
  void append(std::string& out, const http::AccessLogEntry& entry) const;

 private:
  AccessLogFormat format_;
  std::optional<AccessLogTemplate> template_;
};

// 127.0.0.1 - - [27/Nov/2026:07:30:00 +0000] "GET / HTTP/1.1" 200 612 "-" "curl/7.88.1" 0.000
void append_combined_line(std::string& out, const http::AccessLogEntry& entry);
// 127.0.0.1 - - [27/Nov/2026:07:30:00 +0000] "GET / HTTP/1.1" 200 612
void append_common_line(std::string& out, const http::AccessLogEntry& entry);
// {"time":"2026-11-27T07:30:00.123Z","remote_addr":"127.0.0.1",...,"status":200,...}
void append_json_line(std::string& out, const http::AccessLogEntry& entry);

}  // namespace portico::server
