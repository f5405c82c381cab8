// The request a handler sees: the parsed head, the body, and the connection's facts.
// Views point into the connection's buffers and are valid only while the handler runs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "portico/http/headers.h"
#include "portico/http/method.h"
#include "portico/http/parser.h"
#include "portico/http/version.h"
#include "portico/net/inet_address.h"

namespace portico::http {

// What the connection knows beyond the message itself.
struct ConnectionInfo {
  net::InetAddress peer;
  net::InetAddress local;
  bool secure = false;  // arrived over TLS
  uint64_t connection_id = 0;
  uint32_t request_index = 0;  // 0 for the first request on the connection
  // The current request's id (request_id.h): from ServerOptions::request_id_header when the
  // client sent a valid one, else generated.
  std::string request_id;
};

class Request {
 public:
  Request(const RequestHead& head, std::string_view body, const ConnectionInfo& info)
      : head_(head), body_(body), info_(info) {}

  Method method() const { return head_.method; }
  std::string_view method_token() const { return head_.method_token; }
  std::string_view target() const { return head_.target; }
  // Still percent-encoded, as sent ("*" for OPTIONS *).
  std::string_view path() const { return head_.path; }
  std::string_view query() const { return head_.query; }
  Version version() const { return head_.version; }
  // Host and optional port, from the absolute-form target or the Host field.
  std::string_view host() const { return head_.host; }
  // Host without the port, lowercase not guaranteed.
  std::string_view host_name() const;
  std::string_view header(std::string_view name) const { return head_.header(name); }
  const std::vector<HeaderView>& headers() const { return head_.headers; }
  std::string_view body() const { return body_; }
  bool keep_alive() const { return head_.keep_alive; }

  bool is_secure() const { return info_.secure; }
  std::string_view scheme() const { return info_.secure ? "https" : "http"; }
  const net::InetAddress& peer() const { return info_.peer; }
  const net::InetAddress& local() const { return info_.local; }
  const ConnectionInfo& connection() const { return info_; }
  std::string_view request_id() const { return info_.request_id; }
  const RequestHead& head() const { return head_; }

 private:
  const RequestHead& head_;
  std::string_view body_;
  const ConnectionInfo& info_;
};

}  // namespace portico::http
