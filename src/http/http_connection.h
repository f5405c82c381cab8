// One HTTP/1.1 server connection: reads requests off a TcpConnection, runs the
// handler, writes responses in order. Internal to the http layer.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "portico/http/chunked.h"
#include "portico/http/parser.h"
#include "portico/http/request.h"
#include "portico/http/response.h"
#include "portico/http/server.h"
#include "portico/net/connection_handler.h"
#include "portico/net/tcp_connection.h"

namespace portico::http {

// What every connection of one server shares (read-only while it runs).
struct ConnectionConfig {
  const ServerOptions* options = nullptr;
  std::string server_header;  // the Server field value, "" for none
  std::function<void(const Request&, Response&)> dispatch;
  // Set when the server is stopping: finish the current response, then close.
  const std::atomic<bool>* stopping = nullptr;
};

class HttpConnection final : public net::ConnectionHandler {
 public:
  HttpConnection(const ConnectionConfig& config, net::TcpConnection& conn);

  void on_connected(net::TcpConnection& conn) override;
  void on_data(net::TcpConnection& conn, net::Buffer& input) override;
  void on_write_complete(net::TcpConnection& conn) override;
  void on_peer_half_closed(net::TcpConnection& conn) override;
  void on_idle_timeout(net::TcpConnection& conn) override;

  // Server shutdown: close now if idle, else after the response in progress.
  void close_when_idle(net::TcpConnection& conn);

 private:
  enum class Phase : uint8_t {
    kIdle,     // between requests: keep-alive timeout runs
    kHead,     // some bytes of a head: header timeout runs
    kBody,     // head done, body incomplete: body idle timeout runs
    kClosing,  // a final response is queued; input is discarded
  };

  // One pass over the buffered input; returns when it needs more bytes, must
  // wait for the client to read, or the connection is closing.
  void process(net::TcpConnection& conn, net::Buffer& input);
  // Head complete: decide how to read the body. False when the request ended in an error.
  bool begin_body(net::TcpConnection& conn, net::Buffer& input);
  // Moves body bytes from input; true when the body is complete.
  bool read_body(net::TcpConnection& conn, net::Buffer& input);
  // The head's views must outlive the bytes they point to: copy the head aside.
  void stabilize_head(net::Buffer& input);
  void handle_request(net::TcpConnection& conn, std::string_view body);
  void answer_trace(Response& response) const;
  void write_response(net::TcpConnection& conn, const Response& response, bool head_only,
                      bool keep_alive, Version version);
  void flush(net::TcpConnection& conn);
  // Pulls from the streaming body while the output queue has room.
  void pump_stream(net::TcpConnection& conn);
  // A request that cannot be answered normally: status, Connection: close, lingering close.
  void fail(net::TcpConnection& conn, Status status);
  void finish_exchange(net::TcpConnection& conn, bool keep_alive);
  // Closes after the queued output: lingering only when the client may still be
  // sending (unread input), as a plain close then would answer it with an RST.
  void close_after_response(net::TcpConnection& conn);
  void arm_timer(net::TcpConnection& conn, uint32_t timeout_ms);
  void on_timer(net::TcpConnection& conn);
  void log_access(Status status, uint64_t body_bytes, const Request* request);

  const ConnectionConfig& config_;
  const RequestLimits& limits_;
  ConnectionInfo info_;
  Phase phase_ = Phase::kIdle;
  RequestHead head_;
  HeadScanState scan_;
  ChunkedDecoder chunked_;
  std::string head_copy_;  // the head's bytes when its body arrives in later reads
  bool head_copied_ = false;
  std::string body_;  // body bytes when not contiguous in the input buffer
  bool body_in_input_ = false;
  uint64_t body_remaining_ = 0;  // Content-Length bytes still to read
  bool sent_continue_ = false;
  std::string out_;  // responses serialized during this pass, written once
  uint32_t requests_ = 0;
  bool waiting_for_drain_ = false;
  bool peer_closed_ = false;
  bool close_requested_ = false;
  bool input_pending_ = false;          // bytes of a later request arrived with this one
  std::shared_ptr<BodySource> stream_;  // a streaming body being sent
  bool stream_chunked_ = false;         // chunked framing (HTTP/1.1) or close-delimited
  bool stream_keep_alive_ = false;
  int64_t deadline_ms_ = 0;
  bool timer_armed_ = false;
  int64_t request_start_unix_ms_ = 0;
  int64_t request_start_us_ = 0;
};

}  // namespace portico::http
