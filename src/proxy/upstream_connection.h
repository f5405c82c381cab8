// UpstreamConnection: the handler of one connection to an upstream server. It writes a request
// (head, then the body re-framed), reads the response (interim 1xx skipped, chunked bodies
// decoded), hands it to its owner under backpressure, and parks in the pool between requests.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "portico/http/chunked.h"
#include "portico/http/method.h"
#include "portico/http/request_limits.h"
#include "portico/net/connection_handler.h"
#include "portico/net/tcp_connection.h"
#include "portico/proxy/forward_headers.h"
#include "portico/proxy/response_parser.h"
#include "portico/proxy/upstream_pool.h"

namespace portico::proxy {

// Why an exchange with an upstream failed; the proxy maps each to its status in one place.
enum class UpstreamFailure : uint8_t {
  kClosed,       // reset or closed before the response was complete (502)
  kTimeout,      // no byte read or written within the timeout (504)
  kBadResponse,  // the response head was not valid HTTP/1.1 (502)
  kBadBody,      // the chunked body was malformed (502, or a cut response)
};

std::string_view to_string(UpstreamFailure failure);

// Who receives what the upstream says: the proxy's request state. Every call is on the loop
// thread, from inside the connection's handler; the owner may call any UpstreamConnection or
// TcpConnection method from it, including closing the connection.
class UpstreamOwner {
 public:
  virtual ~UpstreamOwner() = default;
  // The final response head (1xx interim responses are skipped), or a 101 that starts a
  // tunnel. Its views are valid only during the call.
  virtual void on_upstream_head(const ResponseHead& head) = 0;
  // Response body bytes, de-chunked, or tunnel bytes. False: the client is slower; the
  // connection stops reading until UpstreamConnection::resume().
  virtual bool on_upstream_body(std::string_view data) = 0;
  // The response body is complete; or, in a tunnel, the upstream half-closed.
  virtual void on_upstream_end() = 0;
  // Request bytes queued toward the upstream have drained: more may be sent.
  virtual void on_upstream_writable() = 0;
  // The exchange failed; `response_started`: some response byte had arrived.
  virtual void on_upstream_failed(UpstreamFailure failure, bool response_started) = 0;
  // The same with what is known of the cause (a TLS failure, the errno that closed the
  // connection), for the log; by default the two-argument form.
  virtual void on_upstream_failed(UpstreamFailure failure, bool response_started,
                                  std::string_view /*detail*/) {
    on_upstream_failed(failure, response_started);
  }
};

struct UpstreamTimeouts {
  uint32_t handshake_timeout_ms = 5'000;  // a transport handshake (TLS) still in progress
  uint32_t send_timeout_ms = 60'000;      // while the request is being written
  uint32_t read_timeout_ms = 60'000;      // once it is written, waiting for response bytes
};

class UpstreamConnection final : public net::ConnectionHandler {
 public:
  // Request bytes queued on the connection above which send_body() asks the caller to wait.
  static constexpr size_t kWindowBytes = 256 * 1024;

  UpstreamConnection(ResponseLimits limits, UpstreamTimeouts timeouts);

  // --- Driving a request (owner side) ------------------------------------------------------

  // Starts a request on an established, idle connection: `head` is the complete upstream
  // request head (write_upstream_request_head), `framing` how body bytes given to send_body()
  // are framed, `method` the request's (HEAD responses have no body), `upgrade` whether a 101
  // may start a tunnel.
  void begin(net::TcpConnection& conn, std::weak_ptr<UpstreamOwner> owner, std::string head,
             BodyFraming framing, http::Method method, bool upgrade);
  // Queues request body bytes (framed as chunks when chunked) or, in a tunnel, raw bytes.
  // False: over kWindowBytes; wait for on_upstream_writable().
  bool send_body(net::TcpConnection& conn, std::string_view data);
  // The request body is complete (writes the last chunk when chunked). In a tunnel: half-close
  // toward the upstream.
  void end_body(net::TcpConnection& conn);
  // Restarts reading after on_upstream_body() returned false.
  void resume(net::TcpConnection& conn);
  // The owner is done with the connection without parking it (an error, the client left).
  void detach() { owner_.reset(); }

  // True when the response ended cleanly, the upstream allows keep-alive, the whole request
  // was written and nothing unexpected followed: the connection may carry another request.
  bool reusable() const;

  // Parks the connection in `pool` as idle (after reusable()); it leaves on its own (and is
  // removed from the pool) if the upstream closes it or sends anything.
  void park(net::TcpConnection& conn, std::weak_ptr<UpstreamPool> pool, uint32_t idle_ms);
  bool idle() const { return phase_ == Phase::kIdle; }

  // --- net::ConnectionHandler ---------------------------------------------------------------
  void on_connected(net::TcpConnection& conn) override;
  void on_data(net::TcpConnection& conn, net::Buffer& input) override;
  void on_write_complete(net::TcpConnection& conn) override;
  void on_peer_half_closed(net::TcpConnection& conn) override;
  void on_idle_timeout(net::TcpConnection& conn) override;
  void on_closed(net::TcpConnection& conn) override;

 private:
  enum class Phase : uint8_t {
    kIdle,    // parked, or not yet given a request
    kHead,    // waiting for the (final) response head
    kBody,    // reading the response body
    kDone,    // the response is complete
    kTunnel,  // relaying raw bytes after 101
    kFailed,  // reported to the owner; the connection is closing
  };

  void read_head(net::TcpConnection& conn, net::Buffer& input);
  void read_body(net::TcpConnection& conn, net::Buffer& input);
  void finish_body(net::TcpConnection& conn);
  void fail(net::TcpConnection& conn, UpstreamFailure failure);
  void pause(net::TcpConnection& conn);
  void arm_timeout(net::TcpConnection& conn);

  ResponseLimits limits_;
  UpstreamTimeouts timeouts_;
  http::RequestLimits chunk_limits_;
  std::weak_ptr<UpstreamOwner> owner_;
  std::weak_ptr<UpstreamPool> pool_;
  Phase phase_ = Phase::kIdle;
  BodyFraming framing_ = BodyFraming::kNone;
  http::Method method_ = http::Method::kGet;
  bool upgrade_ = false;
  bool request_complete_ = false;
  bool response_started_ = false;
  bool keep_alive_ = false;
  bool trailing_bytes_ = false;  // bytes arrived after the response's end
  bool paused_ = false;
  bool peer_eof_ = false;       // the upstream's FIN arrived
  bool eof_pending_ = false;    // ... while input was still held (paused): handled after it
  bool want_writable_ = false;  // send_body() said "wait"
  ResponseBody body_kind_ = ResponseBody::kNone;
  uint64_t remaining_ = 0;  // kContentLength: body bytes still to come
  http::HeadScanState scan_;
  ResponseHead head_;
  http::ChunkedDecoder chunked_;
};

}  // namespace portico::proxy
